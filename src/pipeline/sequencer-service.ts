// The sequencer as its own process (distributed mode). Its journal is the
// input topic: gateways publish command batches to `orders`, the event log
// stores them durably and in one order, and the sequencer applies them in that
// order, so a command is durable before it is applied and its output can
// leave at once. Outputs go to `engine.outputs` in batches, one message per
// turn of work, for settlement and every gateway. Recovery: the newest
// snapshot (state plus the input position it covers), then the input topic
// from there; outputs the output topic already holds are checked against it
// (same seq, same hash) and not published again.

import { join } from "node:path";
import {
  Core,
  type CoreOutput,
  encodeCommandBatch,
  GENESIS_HASH,
  InvariantError,
  OutputBatchWriter,
  readCommandBatch,
  readCoreOutputHead,
  readOutputBatch,
  type Spec,
  sealedHash,
  warmSnapshotCode,
} from "../core/mod.ts";
import { SnapshotStore } from "../journal/mod.ts";
import {
  type EventLog,
  type Message,
  type Rpc,
  Subject,
  type Subscription,
  Topic,
} from "../transport/mod.ts";
import { type SequencerClock, startClock } from "./clock.ts";
import { decodeSequencerSnapshot, sequencerSnapshot } from "./core-journal.ts";
import { balanceRows, depthOf } from "./local-intake.ts";
import {
  type CoreStageFactory,
  composeApplied,
  type Durability,
  type OutputSink,
  Sequencer,
} from "./sequencer.ts";

export interface SequencerServiceOptions {
  spec: Spec;
  log: EventLog;
  /** Serves balance, depth and transfer reads to the gateways when the transport has request/reply. */
  rpc: Rpc | null;
  /** This process's folder (snapshots/). */
  dir: string;
  snapshot_every_outputs?: number;
  snapshots_kept?: number;
  /** Outputs handed to the output topic and not yet stored before intake pauses. */
  outstanding_max?: number;
  on_applied?: (out: CoreOutput) => void;
  /** Stages made from the recovered core (market data's publisher), before any input is applied. */
  stages?: CoreStageFactory[];
  /** Called once when the service stops on an error. */
  on_failure?: (err: unknown) => void;
  /** The clock that decides when a dead-man's switch is due (Date.now). */
  now_ms?: () => number;
}

/** Commands come from the input topic already durable: nothing to wait for. */
class InputDurability implements Durability {
  private last = 0;
  constructor(start: number) {
    this.last = start;
  }
  record(output_seq: number): void {
    this.last = output_seq;
  }
  durableSeq(): number {
    return this.last;
  }
  onDurable(): void {}
  failure(): unknown {
    return null;
  }
}

/** Publishes released outputs the output topic does not hold yet, checking the overlap. */
class OutputTopicSink implements OutputSink {
  readonly name = "engine.outputs";
  private outstanding = 0;
  private stored: number;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly waiters: { seq: number; resolve: () => void }[] = [];
  private readonly writer = new OutputBatchWriter();

  constructor(
    private readonly log: EventLog,
    /** The last output the topic holds, and its hash. */
    private readonly topic_last: { seq: number; hash: bigint },
    private readonly fail: (err: unknown) => void,
    private readonly on_progress: () => void,
  ) {
    this.stored = topic_last.seq;
  }

  deliver(batch: Uint8Array, outputs: readonly CoreOutput[]): void {
    const last = outputs[outputs.length - 1] as CoreOutput;
    const known = this.topic_last.seq;
    if (outputs[0] !== undefined && outputs[0].output_seq <= known) {
      const same = outputs.find((o) => o.output_seq === known);
      if (same !== undefined && same.hash !== this.topic_last.hash) {
        this.fail(
          new InvariantError(
            `output ${known} replayed with hash ${same.hash.toString(16)} but the output topic holds ${this.topic_last.hash.toString(16)}: the input topic and the output topic disagree`,
          ),
        );
        return;
      }
      if (last.output_seq <= known) return;
      batch = this.rebatch(batch, known);
    }
    this.publish(batch, outputs[0]?.output_seq ?? 0, last.output_seq);
  }

  /** The part of a batch after seq `after`. */
  private rebatch(batch: Uint8Array, after: number): Uint8Array {
    const view = readOutputBatch(batch);
    for (let i = 0; i < view.count; i++) {
      const seq = view.first_seq + i;
      if (seq > after) this.writer.push(seq, view.outputs[i] as Uint8Array);
    }
    return this.writer.take() as Uint8Array;
  }

  private publish(batch: Uint8Array, first: number, last: number): void {
    const n = last - Math.max(first, this.topic_last.seq + 1) + 1;
    this.outstanding += n;
    const p = this.log.publish(Topic.Outputs, batch, { id: `out:${last}` });
    this.chain = p.then(
      () => {
        this.outstanding -= n;
        if (last > this.stored) this.stored = last;
        this.wake();
        this.on_progress();
      },
      (err) => this.fail(err),
    );
  }

  private wake(): void {
    let k = 0;
    while (k < this.waiters.length && (this.waiters[k] as { seq: number }).seq <= this.stored) {
      this.waiters[k]?.resolve();
      k++;
    }
    if (k > 0) this.waiters.splice(0, k);
  }

  backlog(): number {
    return this.outstanding;
  }

  /** Resolves once the topic holds every output up to seq. */
  until(seq: number): Promise<void> {
    if (seq <= this.stored) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ seq, resolve }));
  }

  settled(): Promise<unknown> {
    return this.chain;
  }
}

export class SequencerService {
  private readonly subs: Subscription[] = [];
  private input_pos: number;
  private since_snapshot = 0;
  /** Whether the snapshot buffer was sized since the last snapshot. */
  private reserved = false;
  private snapshotting: Promise<{ seq: number; path: string }> | null = null;
  private failure: unknown = null;
  private resume: (() => void) | null = null;
  private clock: SequencerClock | null = null;

  private constructor(
    private readonly opts: SequencerServiceOptions,
    readonly sequencer: Sequencer,
    private readonly sink: OutputTopicSink,
    private readonly snapshots: SnapshotStore,
    input_pos: number,
    readonly recovered: { snapshot_seq: number; input_pos: number; topic_last_seq: number },
  ) {
    this.input_pos = input_pos;
  }

  static async start(opts: SequencerServiceOptions): Promise<SequencerService> {
    const { spec, log } = opts;
    await log.ensureTopics([Topic.Orders, Topic.Outputs]);
    const snapshots = new SnapshotStore(join(opts.dir, "snapshots"));
    const found = await snapshots.latestValid();
    const restored =
      found.latest === null
        ? { input_pos: 0, core: new Core(spec) }
        : decodeSequencerSnapshot(spec, found.latest.bytes);
    const topic_last = await lastOutput(log);
    if (topic_last.seq < restored.core.output_seq) {
      throw new InvariantError(
        `the output topic ends at output ${topic_last.seq} but the snapshot covers ${restored.core.output_seq}: the topic lost outputs (or belongs to another exchange)`,
      );
    }
    let service: SequencerService | null = null;
    const fail = (err: unknown) => service?.fail(err);
    const sink = new OutputTopicSink(log, topic_last, fail, () => service?.progress());
    // Before the first input: the first snapshot then pauses as briefly as the next.
    warmSnapshotCode(spec);
    const stages = (opts.stages ?? []).map((make) => make(restored.core));
    const on_applied = composeApplied([opts.on_applied, ...stages.map((st) => st.on_applied)]);
    const sequencer = new Sequencer(
      restored.core,
      new InputDurability(restored.core.output_seq),
      on_applied === undefined ? {} : { on_applied },
    );
    sequencer.addSink(sink);
    for (const st of stages) if (st.sink !== undefined) sequencer.addSink(st.sink);
    service = new SequencerService(opts, sequencer, sink, snapshots, restored.input_pos, {
      snapshot_seq: found.latest?.seq ?? 0,
      input_pos: restored.input_pos,
      topic_last_seq: topic_last.seq,
    });
    service.consume();
    return service;
  }

  private consume(): void {
    const { log } = this.opts;
    // Dead-man's switches: the sequencer writes its own Tick into its input
    // topic, so the Tick has its place in the journal like any command.
    let ticks = 0;
    this.clock = startClock(
      this.sequencer.core,
      (tick) =>
        log.publish(Topic.Orders, encodeCommandBatch([tick]), {
          id: `tick:${tick.ts_ms}:${++ticks}`,
        }),
      this.opts.now_ms,
    );
    const sub = log.subscribe(
      Topic.Orders,
      { from_seq: this.input_pos + 1, name: "sequencer" },
      (m) => this.onInput(m),
    );
    sub.done.catch((err) => this.fail(err));
    this.subs.push(sub);
    this.serveReads();
  }

  private onInput(m: Message): void | Promise<void> {
    if (this.failure !== null) throw this.failure;
    if (m.seq <= this.input_pos) return;
    const cmds = readCommandBatch(m.payload);
    this.sequencer.applyDurable(cmds);
    this.input_pos = m.seq;
    this.since_snapshot += cmds.length;
    const every = this.opts.snapshot_every_outputs ?? 100_000;
    // Half-way there, the buffer grows to the state's size, outside the pause.
    if (every > 0 && !this.reserved && this.since_snapshot >= every >> 1) {
      this.sequencer.core.reserveSnapshot();
      this.reserved = true;
    }
    if (every > 0 && this.since_snapshot >= every) void this.snapshot().catch(() => undefined);
    if (this.sink.backlog() > (this.opts.outstanding_max ?? 65_536)) {
      return new Promise<void>((resolve) => {
        this.resume = resolve;
      });
    }
  }

  private progress(): void {
    if (this.resume !== null && this.sink.backlog() <= (this.opts.outstanding_max ?? 65_536) / 2) {
      const r = this.resume;
      this.resume = null;
      r();
    }
  }

  private serveReads(): void {
    const rpc = this.opts.rpc;
    if (rpc === null) return;
    const { spec } = this.opts;
    const core = this.sequencer.core;
    const json = (v: unknown) => Buffer.from(JSON.stringify(v));
    const parse = <T>(p: Uint8Array) => JSON.parse(Buffer.from(p).toString("utf8")) as T;
    this.subs.push(
      rpc.serve(Subject.Balances, (p) => {
        const { user_id } = parse<{ user_id: number }>(p);
        return json(balanceRows(spec, core.ubs.accounts.get(user_id)));
      }),
      rpc.serve(Subject.Transfer, (p) => {
        const { request_id } = parse<{ request_id: string }>(p);
        const r = core.ubs.transferResult(request_id);
        return json(
          r === undefined || r.event === null
            ? null
            : { avail: r.event.avail, frozen: r.event.frozen, ts_ms: r.ts_ms },
        );
      }),
    );
    for (const s of spec.symbols) {
      this.subs.push(
        rpc.serve(Subject.depth(s.name), (p) => {
          const { limit } = parse<{ limit: number }>(p);
          return json(depthOf(core.me.book(s.id), s.id, limit));
        }),
      );
    }
  }

  /** Serialise now; write once the output topic holds every output it covers. */
  snapshot(): Promise<{ seq: number; path: string }> {
    if (this.snapshotting !== null) return this.snapshotting;
    this.since_snapshot = 0;
    this.reserved = false;
    const core = this.sequencer.core;
    const seq = core.output_seq;
    const bytes = sequencerSnapshot(core, this.input_pos);
    const run = async () => {
      await this.sink.until(seq);
      const path = await this.snapshots.write(seq, bytes);
      await this.snapshots.prune(this.opts.snapshots_kept ?? 2);
      return { seq, path };
    };
    this.snapshotting = run()
      .catch((err) => {
        this.fail(err);
        throw err;
      })
      .finally(() => {
        this.snapshotting = null;
      });
    return this.snapshotting;
  }

  private fail(err: unknown): void {
    if (this.failure !== null) return;
    this.failure = err;
    this.sequencer.fail(err);
    this.opts.on_failure?.(err);
  }

  failed(): unknown {
    return this.failure;
  }

  async stop(): Promise<void> {
    this.clock?.stop();
    for (const s of this.subs) await s.stop().catch(() => undefined);
    await this.sink.settled().catch(() => undefined);
    if (this.snapshotting !== null) await this.snapshotting.catch(() => undefined);
  }
}

/** The last output the output topic holds (seq 0 and the genesis hash when empty). */
export async function lastOutput(log: EventLog): Promise<{ seq: number; hash: bigint }> {
  const m = await log.last(Topic.Outputs);
  if (m === null) return { seq: 0, hash: GENESIS_HASH };
  const view = readOutputBatch(m.payload);
  const sealed = view.outputs[view.count - 1];
  if (sealed === undefined) throw new InvariantError("output topic: an empty batch");
  return { seq: readCoreOutputHead(sealed).output_seq, hash: sealedHash(sealed) };
}
