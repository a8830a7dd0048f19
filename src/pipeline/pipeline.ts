// The order path, declared once. Every mode runs these stages in this order;
// only what carries a command between them differs.
//
//   gateway ── intake ──► sequencer: UBSCore hold ─► matching ─► UBSCore settle ─► sealed output
//                              │                                                   (one encoding,
//                              ▼                                                    one hash chain)
//                         durability: embedded, the output journal (group commit);
//                                     distributed, the input topic the gateways wrote
//                              │
//                              ▼  released once durable, in order, as output batches
//           ┌──────────────────┼─────────────────────┬─────────────────────┐
//        answers           settlement            market data          engine.outputs
//     (the gateway)   (worker thread, or its    (streams, depth)     (distributed: settlement
//                       own process)                                  and gateways follow it)
//
// Embedded (`bourse start`): everything below runs in one process; the
// sequencer's thread does only intake, the core and the journal hand-off.
// Distributed: `bourse ubscore` runs the sequencer over the input topic
// (sequencer-service.ts), `bourse gateway` runs the intake over the topics
// (log-intake.ts), `bourse settlement` follows engine.outputs.

import { join } from "node:path";
import { type CoreOutput, OutputBatchWriter, type Spec } from "../core/mod.ts";
import { PipelineBackend, type SettledPosition } from "../gateway/mod.ts";
import type { SettlementReads } from "../store/mod.ts";
import { startClock } from "./clock.ts";
import { CoreJournal, type CoreJournalOptions, type RecoveryReport } from "./core-journal.ts";
import { LocalIntake } from "./local-intake.ts";
import {
  type CoreStageFactory,
  composeApplied,
  type OutputSink,
  Sequencer,
  type SequencerOptions,
} from "./sequencer.ts";
import { coreTracing, type SpanFactory, TraceLinks } from "./tracing.ts";

/** Settlement as the embedded pipeline drives it (a worker thread writing the database). */
export interface SettlementStage extends SettledPosition {
  /** The last output the database holds, read at start, and its hash. */
  readonly start: { readonly seq: number; readonly hash: bigint };
  /** Hand over one output batch (its bytes only; settlement decodes them itself); never blocks. */
  push(batch: Uint8Array): void;
  /** Outputs handed over and not yet committed. */
  backlog(): number;
  /** Called after each commit with the seq it reached. */
  onCommitted(listener: (r: { seq: number }) => void): () => void;
  /** Why settlement stopped, or null. */
  failure(): unknown;
  /** Write what was handed over, then stop. */
  stop(): Promise<void>;
}

export interface EmbeddedPipelineOptions {
  spec: Spec;
  data_dir: string;
  /** "none" is UNSAFE: acknowledged commands can be lost on a crash. */
  sync?: "batch" | "none";
  snapshot_every_outputs?: number;
  snapshots_kept?: number;
  /**
   * Start settlement (it reports where its database stands) and open the
   * store the gateway reads history from.
   */
  settlement: () => Promise<{ stage: SettlementStage; store: SettlementReads }>;
  /** Extra consumers of released outputs (market data, tests). */
  sinks?: OutputSink[];
  /** Stages made from the recovered core (market data): their on_applied hooks and sinks join the sequencer. */
  stages?: CoreStageFactory[];
  on_applied?: (out: CoreOutput) => void;
  on_backpressure?: (engaged: boolean, sink: string, backlog: number) => void;
  /** Spans of traced requests in UBSCore, matching and settlement; none when omitted. */
  tracing?: { ubscore: SpanFactory; matching: SpanFactory; settlement: SpanFactory };
  /** Called once when any stage stops on an error. */
  on_failure?: (stage: string, err: unknown) => void;
}

export interface EmbeddedPipeline {
  sequencer: Sequencer;
  journal: CoreJournal;
  settlement: SettlementStage;
  backend: PipelineBackend;
  recovery: RecoveryReport;
  /** The first error any stage stopped on, or null. */
  failure(): unknown;
  stop(): Promise<void>;
}

/** The sequencer's folder inside an embedded exchange's data folder. */
export function sequencerDir(data_dir: string): string {
  return join(data_dir, "sequencer");
}

export interface DurableSequencerOptions
  extends Omit<CoreJournalOptions, "dir">,
    Pick<SequencerOptions, "on_applied" | "on_backpressure"> {
  /** The sequencer's own folder (journal/ and snapshots/). */
  dir: string;
  /** Called when a snapshot fails: the disk refuses writes, and nothing may go on. */
  on_snapshot_error?: (err: unknown) => void;
  /** Stages made from the recovered core, before any command is applied (see CoreStage). */
  stages?: CoreStageFactory[];
}

/**
 * The sequencer over its own journal, recovered, with nothing downstream yet:
 * what the embedded exchange, the crash tests and the durable benchmarks run.
 */
export async function openDurableSequencer(
  o: DurableSequencerOptions,
): Promise<{ journal: CoreJournal; sequencer: Sequencer }> {
  const journal = await CoreJournal.open(o);
  const stages = (o.stages ?? []).map((make) => make(journal.core));
  const on_applied = composeApplied([o.on_applied, ...stages.map((st) => st.on_applied)]);
  const sequencer = new Sequencer(journal.core, journal, {
    ...(on_applied === undefined ? {} : { on_applied }),
    ...(o.on_backpressure === undefined ? {} : { on_backpressure: o.on_backpressure }),
  });
  for (const st of stages) if (st.sink !== undefined) sequencer.addSink(st.sink);
  sequencer.addSink(
    snapshotTrigger(journal, (err) => {
      sequencer.fail(err);
      o.on_snapshot_error?.(err);
    }),
  );
  return { journal, sequencer };
}

export async function startEmbeddedPipeline(o: EmbeddedPipelineOptions): Promise<EmbeddedPipeline> {
  let settlement: SettlementStage | null = null;
  let first: unknown = null;
  const failed = (name: string, err: unknown) => {
    if (first !== null) return;
    first = err;
    sequencer.fail(err);
    o.on_failure?.(name, err);
  };
  const links = o.tracing === undefined ? null : new TraceLinks();
  const tracer =
    o.tracing === undefined || links === null
      ? null
      : coreTracing(
          links,
          o.tracing.ubscore,
          o.tracing.matching,
          o.tracing.settlement,
          (id) => o.spec.symbolById[id]?.name ?? String(id),
        );
  const applied =
    tracer === null
      ? o.on_applied
      : (out: CoreOutput) => {
          o.on_applied?.(out);
          tracer.applied(out);
        };
  const { journal, sequencer } = await openDurableSequencer({
    dir: sequencerDir(o.data_dir),
    spec: o.spec,
    sync: o.sync ?? "batch",
    snapshot_every_outputs: o.snapshot_every_outputs ?? 100_000,
    snapshots_kept: o.snapshots_kept ?? 2,
    // Keep every record settlement has not committed, and the last it has,
    // whose hash the next start checks against the database.
    retain_from: () => Math.max(1, settlement?.committedSeq() ?? 1),
    ...(applied === undefined ? {} : { on_applied: applied }),
    ...(o.on_backpressure === undefined ? {} : { on_backpressure: o.on_backpressure }),
    ...(o.stages === undefined ? {} : { stages: o.stages }),
    on_snapshot_error: (err) => failed("sequencer", err),
  });
  let store: SettlementReads;
  try {
    ({ stage: settlement, store } = await o.settlement());
    await checkDownstream(journal, settlement.start);
    await catchUp(journal, settlement);
  } catch (err) {
    await settlement?.stop().catch(() => undefined);
    await journal.close().catch(() => undefined);
    throw err;
  }
  const stage = settlement;
  sequencer.addSink({
    name: "settlement",
    deliver: (batch, outputs) => {
      stage.push(batch);
      tracer?.handedOver(outputs[outputs.length - 1]?.output_seq ?? 0);
    },
    backlog: () => stage.backlog(),
  });
  if (tracer !== null) stage.onCommitted((r) => tracer.committed(r.seq));
  for (const s of o.sinks ?? []) sequencer.addSink(s);
  const backend = new PipelineBackend({
    spec: o.spec,
    intake: new LocalIntake(o.spec, sequencer, links),
    store,
    settled: stage,
  });
  // Dead-man's switches fire on a journaled Tick once their deadline passed.
  const clock = startClock(journal.core, (tick) => sequencer.submit(tick));
  const watch = setInterval(() => {
    const j = journal.failure();
    if (j !== null) failed("sequencer", j);
    const s = stage.failure();
    if (s !== null) failed("settlement", s);
    sequencer.checkBackpressure();
  }, 200);
  watch.unref();
  let stopped = false;
  return {
    sequencer,
    journal,
    settlement: stage,
    backend,
    recovery: journal.recovery,
    failure: () => first ?? journal.failure() ?? stage.failure(),
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(watch);
      clock.stop();
      backend.setReady(false);
      await sequencer.stop();
      await journal.close();
      await stage.stop();
    },
  };
}

/** After each released batch, let the journal take a snapshot when one is due. */
function snapshotTrigger(journal: CoreJournal, fail: (err: unknown) => void): OutputSink {
  return {
    name: "snapshots",
    deliver() {
      try {
        journal.maybeSnapshot();
      } catch (err) {
        fail(err);
      }
    },
    backlog: () => 0,
  };
}

/**
 * Refuse to serve when the database downstream holds outputs the journal does
 * not, or different ones: the journal lost acknowledged commands, or the two
 * belong to different exchanges. Serving would show balances that disagree
 * with history.
 */
async function checkDownstream(
  journal: CoreJournal,
  settled: { seq: number; hash: bigint },
): Promise<void> {
  const end = journal.core.output_seq;
  if (settled.seq > end) {
    throw new PipelineStartError(
      `the settlement database holds outputs up to ${settled.seq} but the journal ends at ${end}: acknowledged commands are missing from the journal (or the database belongs to another exchange); restore the journal or start with an empty data folder`,
    );
  }
  if (settled.seq === 0) return;
  if (settled.seq < journal.journal.firstSeq()) {
    throw new PipelineStartError(
      `the settlement database stands at output ${settled.seq} but the journal keeps outputs from ${journal.journal.firstSeq()} only: settlement cannot catch up`,
    );
  }
  let hash: bigint | null = null;
  await journal.journal.read(
    settled.seq,
    (_seq, record) => {
      hash = Buffer.from(record.buffer, record.byteOffset, record.byteLength).readBigUInt64LE(
        record.length - 8,
      );
    },
    settled.seq,
  );
  if (hash !== settled.hash) {
    throw new PipelineStartError(
      `output ${settled.seq} in the journal does not hash as the settlement database recorded it: the two hold different histories`,
    );
  }
}

/** Hand settlement what it has not committed, straight from the journal. */
async function catchUp(journal: CoreJournal, settlement: SettlementStage): Promise<void> {
  const end = journal.core.output_seq;
  const from = settlement.start.seq + 1;
  if (from > end) return;
  const writer = new OutputBatchWriter();
  await journal.journal.read(
    from,
    async (seq, record) => {
      writer.push(seq, record);
      if (writer.size < CATCH_UP_BATCH && seq !== end) return;
      const bytes = writer.take();
      if (bytes !== null) settlement.push(bytes);
      // Hold the reading back while settlement has a lot in hand: memory stays bounded.
      if (settlement.backlog() > CATCH_UP_AHEAD) {
        await settlement.waitFor(seq - CATCH_UP_AHEAD / 2, CATCH_UP_WAIT_MS);
      }
    },
    end,
  );
}

const CATCH_UP_BATCH = 4096;
const CATCH_UP_AHEAD = 65_536;
const CATCH_UP_WAIT_MS = 600_000;

/** The exchange cannot start safely; the message says why and what to do. */
export class PipelineStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PipelineStartError";
  }
}
