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
export { LocalLog, type LocalLogOptions } from "./local/log.ts";
export { LocalRpc } from "./local/rpc.ts";
export { LogRpc, type LogRpcOptions } from "./log-rpc.ts";
export { type ConnectNatsOptions, connectNats, type NatsTransport } from "./nats/connect.ts";
export { type NatsConnectOptions, NatsLink } from "./nats/link.ts";
export { type ConsumerState, JetStreamLog, type JetStreamLogOptions } from "./nats/log.ts";
export { NatsRpc, type NatsRpcOptions } from "./nats/rpc.ts";
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
