// Public door of the NATS JetStream transport: the connection, the event log
// on JetStream streams, request/reply on NATS subjects, and the naming of
// streams and subjects per exchange prefix.

export { type ConnectNatsOptions, connectNats, type NatsTransport } from "./connect.ts";
export { type NatsConnectOptions, NatsLink } from "./link.ts";
export { type ConsumerState, JetStreamLog, type JetStreamLogOptions } from "./log.ts";
export { DEFAULT_PREFIX, streamNamePrefix } from "./names.ts";
export { NatsRpc, type NatsRpcOptions } from "./rpc.ts";
