// The messages between settlement's worker thread and the client that owns
// it on the main thread. Batches travel as bytes, still encoded; everything
// else is small and structured-cloned.

import type { StoreErrorCode } from "../store/mod.ts";
import type { CommitReport } from "./applier.ts";
import type { Catalog } from "./markers.ts";

/** Where the worker's markers go: its own writer of the settlement log file. */
export interface WorkerLogOptions {
  dir: string;
  level: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  retention_days: number;
  sample_ppm?: number;
}

export interface WorkerData {
  path: string;
  catalog: Catalog;
  log: WorkerLogOptions | null;
  synchronous: "NORMAL" | "FULL";
  cache_mib: number;
  outputs_per_transaction: number;
}

export type ToWorker = { t: "batch"; bytes: Uint8Array } | { t: "stop" };

/** Why settlement stopped: a store code, or what happened to the thread. */
export interface SettlementFailure {
  code: StoreErrorCode | "WORKER_ERROR" | "WORKER_EXIT" | "START_FAILED";
  message: string;
}

export type FromWorker =
  | { t: "ready"; seq: number; hash: bigint }
  | { t: "committed"; report: CommitReport }
  | { t: "database"; down: boolean }
  | { t: "failed"; failure: SettlementFailure }
  | { t: "stopped" };

export function failureOf(err: unknown): SettlementFailure {
  const code = (err as { code?: unknown }).code;
  const name = (err as { name?: unknown }).name;
  if (name === "StoreError" && typeof code === "string") {
    return { code: code as StoreErrorCode, message: String((err as Error).message) };
  }
  return {
    code: "WORKER_ERROR",
    message: err instanceof Error ? (err.stack ?? err.message) : String(err),
  };
}
