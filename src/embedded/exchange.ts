// The embedded exchange: the whole order path in one process, under one data
// folder. The sequencer journals each command once (its sealed output) and
// hands released outputs to settlement, a worker thread writing SQLite; the
// gateway reads history through its own read-only connection to that file.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { CoreOutput, Spec } from "../core/mod.ts";
import type { PipelineBackend } from "../gateway/mod.ts";
import { type MarketHub, marketDataStage } from "../marketdata/mod.ts";
import type { ServiceObs, Tracing } from "../obs/mod.ts";
import {
  coreObserver,
  type EmbeddedPipeline,
  type OutputSink,
  type RecoveryReport,
  releaseMarkers,
  type Sequencer,
  startEmbeddedPipeline,
} from "../pipeline/mod.ts";
import {
  type SettlementWorker,
  startSettlementWorker,
  type WorkerLogOptions,
} from "../settlement/mod.ts";
import { openSqliteReader, type SettlementReader } from "../store/mod.ts";

export interface EmbeddedOptions {
  spec: Spec;
  data_dir: string;
  /** "none" is UNSAFE: acknowledged commands can be lost on a crash. */
  sync?: "batch" | "none";
  snapshot_every_outputs?: number;
  /**
   * Observability of the sequencer's two logs, and the tracing of each stage
   * (settlement's logs are its worker's own: see settlement_log).
   */
  obs?: { ubscore?: ServiceObs; matching_engine?: ServiceObs; settlement?: { tracing: Tracing } };
  /** Where settlement's worker writes its log; none when omitted. */
  settlement_log?: WorkerLogOptions;
  /** Extra consumers of released outputs (benchmarks, tests). */
  sinks?: OutputSink[];
  /** The gateway's market data: depth diffs are recorded next to the books for it. */
  market?: MarketHub;
  /** Called right after each command is applied (market data reads the books then). */
  on_applied?: (out: CoreOutput) => void;
  /** Called once if any stage stops on an error. */
  on_failure?: (stage: string, err: unknown) => void;
  on_backpressure?: (engaged: boolean, sink: string, backlog: number) => void;
}

export interface Embedded {
  spec: Spec;
  pipeline: EmbeddedPipeline;
  sequencer: Sequencer;
  settlement: SettlementWorker;
  /** The gateway's read-only view of the settlement database. */
  store: SettlementReader;
  backend: PipelineBackend;
  recovery: RecoveryReport;
  /** The first error any stage stopped on, or null. */
  failure(): unknown;
  stop(): Promise<void>;
}

/** The settlement database of an embedded exchange. */
export function settlementDbPath(data_dir: string): string {
  return join(data_dir, "settlement.db");
}

export async function startEmbedded(opts: EmbeddedOptions): Promise<Embedded> {
  const { spec, data_dir } = opts;
  mkdirSync(data_dir, { recursive: true, mode: 0o700 });
  const path = settlementDbPath(data_dir);
  const obs = opts.obs ?? {};
  let worker: SettlementWorker | null = null;
  let reader: SettlementReader | null = null;
  const observe = coreObserver(spec, obs.ubscore, obs.matching_engine);
  const extra = opts.on_applied;
  try {
    const pipeline = await startEmbeddedPipeline({
      spec,
      data_dir,
      sync: opts.sync ?? "batch",
      ...(opts.snapshot_every_outputs === undefined
        ? {}
        : { snapshot_every_outputs: opts.snapshot_every_outputs }),
      settlement: async () => {
        worker = await startSettlementWorker({
          path,
          catalog: spec,
          log: opts.settlement_log ?? null,
        });
        // The worker created and migrated the file: the gateway may now read it.
        reader = openSqliteReader(path, { symbols: spec.symbols });
        return { stage: worker, store: reader };
      },
      sinks: [releaseMarkers(spec, obs.ubscore, "settlement"), ...(opts.sinks ?? [])],
      ...(opts.market === undefined ? {} : { stages: [marketDataStage(opts.market)] }),
      on_applied:
        extra === undefined
          ? observe
          : (out) => {
              observe(out);
              extra(out);
            },
      ...(opts.on_failure === undefined ? {} : { on_failure: opts.on_failure }),
      ...(opts.on_backpressure === undefined ? {} : { on_backpressure: opts.on_backpressure }),
      ...(obs.ubscore?.tracing.enabled === true &&
      obs.matching_engine !== undefined &&
      obs.settlement !== undefined
        ? {
            tracing: {
              ubscore: obs.ubscore.tracing,
              matching: obs.matching_engine.tracing,
              settlement: obs.settlement.tracing,
            },
          }
        : {}),
    });
    const settlement = worker as unknown as SettlementWorker;
    const store = reader as unknown as SettlementReader;
    let stopped = false;
    return {
      spec,
      pipeline,
      sequencer: pipeline.sequencer,
      settlement,
      store,
      backend: pipeline.backend,
      recovery: pipeline.recovery,
      failure: () => pipeline.failure(),
      async stop() {
        if (stopped) return;
        stopped = true;
        await pipeline.stop();
        await store.close();
      },
    };
  } catch (err) {
    await (worker as SettlementWorker | null)?.stop().catch(() => undefined);
    await (reader as SettlementReader | null)?.close().catch(() => undefined);
    throw err;
  }
}
