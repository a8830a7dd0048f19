// The settlement service's name where the separate services are still wired
// (src/embedded, src/cli/services.ts): the bridge from their two streams to
// the store. New code uses startSettlementWorker (embedded) or
// startSettlement (distributed) over output batches.

export {
  BALANCE_STREAM,
  engineStream,
  SettlementService,
  type SettlementServiceOptions,
  type SettlementStats,
} from "./legacy.ts";
