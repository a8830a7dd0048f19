// Public surface of the transports: the interfaces every service codes
// against, and the embedded (local) implementations.

export { decodeEnvelope, encodeEnvelope } from "./envelope.ts";
export {
  connectKafka,
  connectKafkaTransport,
  DEFAULT_KAFKA_PREFIX,
  KafkaLog,
  type KafkaLogOptions,
  type KafkaTransport,
  kafkaTopic,
  kafkaTransport,
  splitBrokers,
  topicPrefix,
} from "./kafka/mod.ts";
export { LocalLog, type LocalLogOptions, LocalRpc } from "./local/mod.ts";
export { LogRpc, type LogRpcOptions } from "./log-rpc.ts";
export {
  type ConnectNatsOptions,
  type ConsumerState,
  connectNats,
  JetStreamLog,
  type JetStreamLogOptions,
  type NatsConnectOptions,
  NatsLink,
  NatsRpc,
  type NatsRpcOptions,
  type NatsTransport,
  streamNamePrefix,
} from "./nats/mod.ts";
export { Subject, Topic } from "./topics.ts";
export {
  type EventLog,
  Header,
  type Headers,
  type Message,
  type MessageHandler,
  type PublishOptions,
  type RequestHandler,
  type Rpc,
  type SubscribeOptions,
  type Subscription,
  TransportError,
} from "./types.ts";
