// Settlement: the core's output stream into the settlement database. The only
// public surface of src/settlement.

export { type CommitReport, OUTPUTS_PER_TRANSACTION, SettlementApplier } from "./applier.ts";
export {
  type SettlementConsumer,
  type SettlementOptions,
  startSettlement,
} from "./consumer.ts";
export { batchCount, ChainReader } from "./decode.ts";
export { type Catalog, SettlementMarkers } from "./markers.ts";
export type { SettlementFailure, WorkerLogOptions } from "./protocol.ts";
export {
  type SettlementWorker,
  type SettlementWorkerOptions,
  startSettlementWorker,
} from "./worker-client.ts";
