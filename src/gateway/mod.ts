// Public surface of the gateway: the HTTP server, its API keys, and the
// interface of the exchange behind it.

export type {
  Depth as BackendDepth,
  DepthLevel as BackendDepthLevel,
  ExchangeBackend,
} from "./backend.ts";
export * from "./http/mod.ts";
export {
  type ApiKey,
  KEYS_FILE,
  KeyFileError,
  type KeyLookup,
  type KeyRole,
  KeyStore,
  type KeyStoreOptions,
  type NewKey,
} from "./keys.ts";
export { observeGateway } from "./observe.ts";
export {
  type Intake,
  PipelineBackend,
  type PipelineBackendOptions,
  type SettledPosition,
} from "./pipeline-backend.ts";
export { TracedBackend } from "./traced-backend.ts";
