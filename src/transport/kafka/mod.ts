// Public surface of the Kafka event log.

export {
  connectKafka,
  connectKafkaTransport,
  type KafkaTransport,
  kafkaTransport,
} from "./connect.ts";
export { KafkaLog, type KafkaLogOptions, splitBrokers } from "./log.ts";
export { DEFAULT_PREFIX as DEFAULT_KAFKA_PREFIX, kafkaTopic, topicPrefix } from "./names.ts";
