// A deterministic state machine made durable: every input is appended to the
// journal before the machine acts on it, outputs are released only once the
// input is durable, snapshots cut replay short, and recovery is the newest
// valid snapshot plus the journal after it. UBSCore and the combined core both
// run on this; the machine itself never does I/O.

import { join } from "node:path";
import { JournalError } from "./errors.ts";
import { Journal } from "./journal.ts";
import { SnapshotStore } from "./snapshot_store.ts";

export interface Machine<I, O> {
  apply(input: I): O;
  /**
   * Canonical bytes of the whole state; its hash is the state hash. May be a
   * buffer the machine reuses: it stays valid until the next snapshot(), and
   * this host takes no new snapshot before the last one is on disk.
   */
  snapshot(): Uint8Array;
}

export interface DurableOptions<I, O, M extends Machine<I, O>> {
  /** Holds journal/ and snapshots/. */
  dir: string;
  /** "none" is UNSAFE: nothing is ever fsynced; for benchmarks only. */
  sync: "batch" | "none";
  create(): M;
  restore(bytes: Uint8Array): M;
  /** Bytes of one input; may be a view into a reused buffer (the journal copies it). */
  encode(input: I): Uint8Array;
  decode(bytes: Uint8Array): I;
  /** Take a snapshot after this many inputs since the last one; 0 turns it off. */
  snapshot_every_inputs?: number;
  /** Take a snapshot when this long has passed since the last one; 0 turns it off. */
  snapshot_every_ms?: number;
  /** Snapshots kept; journal segments older than the oldest kept one are removed. 0 keeps all. */
  snapshots_kept?: number;
  /**
   * Awaited before a snapshot covering inputs up to seq is written: a service
   * whose outputs must reach other logs first holds the snapshot back until they have.
   */
  before_snapshot?: (seq: number) => Promise<void>;
  /** Called for each replayed input during recovery, with the output it produced again. */
  onReplay?: (seq: number, input: I, output: O) => void;
  clock?: () => number;
  segment_bytes_max?: number;
}

export interface RecoveryReport {
  snapshot_seq: number;
  snapshot_skipped: { path: string; reason: string }[];
  replayed: number;
  seconds: number;
  torn_tail: { file: string; offset: number; truncated_bytes: number } | null;
}

export interface SnapshotReport {
  seq: number;
  path: string;
  bytes: number;
  /** How long the machine was stopped to serialise its state. */
  pause_ms: number;
  /** From the pause until the file was durable. */
  write_ms: number;
}

export class DurableMachine<I, O, M extends Machine<I, O>> {
  private since_snapshot = 0;
  private last_snapshot_ms: number;
  private snapshotting: Promise<SnapshotReport> | null = null;
  private last_snapshot: SnapshotReport | null = null;
  private snapshot_error: unknown = null;

  private constructor(
    readonly machine: M,
    readonly journal: Journal,
    readonly snapshots: SnapshotStore,
    readonly recovery: RecoveryReport,
    private readonly opts: DurableOptions<I, O, M>,
    private applied_seq: number,
  ) {
    this.last_snapshot_ms = (opts.clock ?? Date.now)();
  }

  static async open<I, O, M extends Machine<I, O>>(
    opts: DurableOptions<I, O, M>,
  ): Promise<DurableMachine<I, O, M>> {
    const started = process.hrtime.bigint();
    const snapshots = new SnapshotStore(join(opts.dir, "snapshots"));
    const journal = await Journal.open({
      dir: join(opts.dir, "journal"),
      sync: opts.sync,
      ...(opts.segment_bytes_max === undefined
        ? {}
        : { segment_bytes_max: opts.segment_bytes_max }),
    });
    try {
      const found = await snapshots.latestValid();
      let machine: M;
      let seq = 0;
      if (found.latest !== null) {
        machine = opts.restore(found.latest.bytes);
        seq = found.latest.seq;
      } else {
        machine = opts.create();
      }
      if (seq + 1 < journal.firstSeq()) {
        throw new JournalError(
          "JOURNAL_SEQ_OUT_OF_RANGE",
          `snapshot covers up to ${seq} but the journal starts at ${journal.firstSeq()}: inputs are missing`,
        );
      }
      let replayed = 0;
      const last = await journal.read(seq + 1, (s, payload) => {
        const input = opts.decode(payload);
        const output = machine.apply(input);
        replayed++;
        opts.onReplay?.(s, input, output);
      });
      const torn = journal.recovery.torn;
      const report: RecoveryReport = {
        snapshot_seq: found.latest?.seq ?? 0,
        snapshot_skipped: found.skipped,
        replayed,
        seconds: Number(process.hrtime.bigint() - started) / 1e9,
        torn_tail:
          torn === null
            ? null
            : { file: torn.file, offset: torn.offset, truncated_bytes: torn.truncated_bytes },
      };
      return new DurableMachine(machine, journal, snapshots, report, opts, Math.max(seq, last));
    } catch (err) {
      await journal.close().catch(() => undefined);
      throw err;
    }
  }

  /** Seq of the last input applied (durable or not yet). */
  appliedSeq(): number {
    return this.applied_seq;
  }

  /**
   * Journal the input, then apply it. The output must not leave the process
   * before durable(seq) resolves: until then a crash forgets the input.
   */
  submit(input: I): { seq: number; output: O } {
    if (this.snapshot_error !== null) throw this.snapshot_error;
    const seq = this.journal.append(this.opts.encode(input));
    const output = this.machine.apply(input);
    this.applied_seq = seq;
    this.since_snapshot++;
    this.maybeSnapshot();
    return { seq, output };
  }

  durable(seq: number): Promise<void> {
    return this.journal.flushed(seq);
  }

  durableSeq(): number {
    return this.journal.durableSeq();
  }

  onDurable(listener: (durableSeq: number) => void): () => void {
    return this.journal.onDurable(listener);
  }

  lastSnapshot(): SnapshotReport | null {
    return this.last_snapshot;
  }

  private maybeSnapshot(): void {
    if (this.snapshotting !== null) return;
    const every = this.opts.snapshot_every_inputs ?? 0;
    const every_ms = this.opts.snapshot_every_ms ?? 0;
    const due_count = every > 0 && this.since_snapshot >= every;
    const due_time =
      every_ms > 0 && (this.opts.clock ?? Date.now)() - this.last_snapshot_ms >= every_ms;
    if (!due_count && !due_time) return;
    this.snapshot().catch((err) => {
      // A failed snapshot is not lost data (the journal has everything), but
      // disks that refuse writes must stop the machine rather than be ignored.
      this.snapshot_error = err;
    });
  }

  /**
   * Serialise the state now (the only pause), then once every input it covers
   * is durable, write it atomically and apply retention. A snapshot never
   * covers an input the journal could still lose.
   */
  snapshot(): Promise<SnapshotReport> {
    if (this.snapshotting !== null) return this.snapshotting;
    const t0 = process.hrtime.bigint();
    const seq = this.applied_seq;
    const bytes = this.machine.snapshot();
    const t1 = process.hrtime.bigint();
    this.since_snapshot = 0;
    this.last_snapshot_ms = (this.opts.clock ?? Date.now)();
    const run = async (): Promise<SnapshotReport> => {
      if (seq > 0) await this.journal.flushed(seq);
      if (this.opts.before_snapshot !== undefined) await this.opts.before_snapshot(seq);
      const path = await this.snapshots.write(seq, bytes);
      const kept = this.opts.snapshots_kept ?? 0;
      if (kept > 0) {
        await this.snapshots.prune(kept);
        const list = await this.snapshots.list();
        const oldest = list[list.length - 1];
        if (oldest !== undefined) await this.journal.truncateBefore(oldest.seq + 1);
      }
      const report: SnapshotReport = {
        seq,
        path,
        bytes: bytes.length,
        pause_ms: Number(t1 - t0) / 1e6,
        write_ms: Number(process.hrtime.bigint() - t1) / 1e6,
      };
      this.last_snapshot = report;
      return report;
    };
    const p = run().finally(() => {
      this.snapshotting = null;
    });
    this.snapshotting = p;
    return p;
  }

  /** Flush everything, wait for an in-flight snapshot, close the journal. */
  async close(): Promise<void> {
    if (this.snapshotting !== null) await this.snapshotting.catch(() => undefined);
    await this.journal.close();
  }
}
