// The main thread's handle on settlement's worker thread (embedded mode).
// push() hands over an output batch without decoding it (only its header's
// count is read, for the backlog) and returns at once; the worker reports
// each commit, from which committedSeq(), onCommitted() and waitFor() (read
// your writes) follow. The position stored in the database is read by the
// worker at start and given back as `start`, so the sequencer knows which
// outputs to hand over after a restart: those after start.seq, chaining from
// start.hash. Back-pressure is the sequencer's: it pauses intake while
// backlog() is above its limit (bench/results/settlement.md says which).

import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { SeqWaiters, type SqliteStoreOptions } from "../store/mod.ts";
import { type CommitReport, OUTPUTS_PER_TRANSACTION } from "./applier.ts";
import { batchCount } from "./decode.ts";
import type { Catalog } from "./markers.ts";
import type {
  FromWorker,
  SettlementFailure,
  ToWorker,
  WorkerData,
  WorkerLogOptions,
} from "./protocol.ts";

export interface SettlementWorkerOptions {
  /** The SQLite file (created and migrated by the worker). */
  path: string;
  /** Symbols (fee assets, names) and asset names: Spec fits as it is. */
  catalog: Catalog;
  /** The settlement log, written by the worker; null or omitted: no markers. */
  log?: WorkerLogOptions | null;
  synchronous?: SqliteStoreOptions["synchronous"];
  cache_mib?: number;
  outputs_per_transaction?: number;
  /**
   * Hand batches over by moving their memory (the caller's bytes become
   * unusable) rather than copying them. Default false: the same bytes
   * usually go to other consumers too (bench/results/settlement.md measures both).
   */
  transfer?: boolean;
}

export interface SettlementWorker {
  /** The stored position when the worker started: hand over outputs after start.seq. */
  readonly start: { readonly seq: number; readonly hash: bigint };
  /** Hands one output batch to the worker; never blocks. Throws once settlement failed. */
  push(bytes: Uint8Array): void;
  /** Outputs handed over and not yet committed (or found applied). */
  backlog(): number;
  committedSeq(): number;
  /** Called after each commit; returns a function that removes the listener. */
  onCommitted(listener: (report: CommitReport) => void): () => void;
  /** True once output `seq` is committed; false after timeout_ms or when settlement stops. */
  waitFor(seq: number, timeout_ms: number): Promise<boolean>;
  /** False while the database cannot be written (the worker retries). */
  databaseUp(): boolean;
  /** Why settlement stopped (an error of the store or of the thread), or null. */
  failure(): SettlementFailure | null;
  onFailure(listener: (failure: SettlementFailure) => void): () => void;
  /** Commits everything handed over, closes the database and ends the thread. */
  stop(): Promise<void>;
}

const ENTRY = fileURLToPath(new URL("./worker-entry.mjs", import.meta.url));

/** Whether the bytes own their whole buffer, so moving it cannot take anything else along. */
function ownsBuffer(b: Uint8Array): boolean {
  return (
    b.byteOffset === 0 &&
    b.byteLength === b.buffer.byteLength &&
    !(b.buffer instanceof SharedArrayBuffer)
  );
}

export function startSettlementWorker(opts: SettlementWorkerOptions): Promise<SettlementWorker> {
  const data: WorkerData = {
    path: opts.path,
    catalog: { symbols: opts.catalog.symbols, assets: opts.catalog.assets },
    log: opts.log ?? null,
    synchronous: opts.synchronous ?? "NORMAL",
    cache_mib: opts.cache_mib ?? 256,
    outputs_per_transaction: opts.outputs_per_transaction ?? OUTPUTS_PER_TRANSACTION,
  };
  // The young generation every bourse process gets (bin/bourse.js): decoded
  // outputs and planned rows die young, a batch at a time.
  const worker = new Worker(ENTRY, {
    workerData: data,
    resourceLimits: { maxYoungGenerationSizeMb: 64 },
  });
  const transfer = opts.transfer === true;
  const committed = new Set<(r: CommitReport) => void>();
  const failed = new Set<(f: SettlementFailure) => void>();
  let waiters = new SeqWaiters(0);
  let pushed = 0;
  let consumed = 0;
  let failure: SettlementFailure | null = null;
  let db_up = true;
  let stopped: (() => void) | null = null;
  let exited = false;

  const fail = (f: SettlementFailure) => {
    if (failure !== null) return;
    failure = f;
    waiters.close();
    for (const l of failed) l(f);
  };

  return new Promise<SettlementWorker>((resolve, reject) => {
    let started = false;
    worker.on("message", (m: FromWorker) => {
      switch (m.t) {
        case "ready": {
          started = true;
          waiters = new SeqWaiters(m.seq);
          resolve(handle({ seq: m.seq, hash: m.hash }));
          return;
        }
        case "committed":
          consumed += m.report.consumed;
          waiters.advance(m.report.seq);
          for (const l of committed) l(m.report);
          return;
        case "database":
          db_up = !m.down;
          return;
        case "failed":
          if (!started)
            reject(new Error(`settlement worker: ${m.failure.code}: ${m.failure.message}`));
          fail(m.failure);
          return;
        case "stopped":
          // The thread ends right after; stop() resolves on its exit.
          return;
      }
    });
    worker.on("error", (err) => {
      const f: SettlementFailure = { code: "WORKER_ERROR", message: err.stack ?? err.message };
      if (!started) reject(err);
      fail(f);
    });
    worker.on("exit", (code) => {
      exited = true;
      if (!started) reject(new Error(`settlement worker exited with code ${code} before starting`));
      if (stopped === null) {
        fail({ code: "WORKER_EXIT", message: `settlement worker exited with code ${code}` });
      }
      waiters.close();
      stopped?.();
    });
  });

  function handle(start: { seq: number; hash: bigint }): SettlementWorker {
    return {
      start,
      push(bytes) {
        if (failure !== null) {
          throw new Error(`settlement stopped: ${failure.code}: ${failure.message}`);
        }
        if (stopped !== null) throw new Error("settlement stopped: stop() was called");
        const count = batchCount(bytes);
        // A copy made here owns its buffer, so it moves without a second copy.
        // (Not bytes.slice(): on a Buffer that is a view of the same memory,
        // and moving it would detach the sender's buffer, or be refused where
        // that buffer is Node's shared pool.)
        const own = transfer && ownsBuffer(bytes) ? bytes : new Uint8Array(bytes);
        const m: ToWorker = { t: "batch", bytes: own };
        worker.postMessage(m, [own.buffer as ArrayBuffer]);
        pushed += count;
      },
      backlog: () => pushed - consumed,
      committedSeq: () => waiters.committed(),
      onCommitted(listener) {
        committed.add(listener);
        return () => committed.delete(listener);
      },
      waitFor: (seq, timeout_ms) => waiters.wait(seq, timeout_ms),
      databaseUp: () => db_up,
      failure: () => failure,
      onFailure(listener) {
        failed.add(listener);
        return () => failed.delete(listener);
      },
      stop() {
        if (exited) return Promise.resolve();
        return new Promise<void>((resolve) => {
          stopped = resolve;
          worker.postMessage({ t: "stop" } satisfies ToWorker);
        });
      },
    };
  }
}
