// The embedded sequencer's durability: a group-commit journal of sealed core
// outputs. The core applies a command first and the journal then records the
// sealed output, which carries the command itself; nothing leaves the process
// before its record is durable. Recovery is the newest valid snapshot plus the
// journal after it: each record's command is applied again and the output it
// gives must hash exactly as the record does, so replay also proves the core
// deterministic. Consumers that fell behind (settlement) read the records they
// miss straight from the journal: outputs are never derived twice.

import { join } from "node:path";
import {
  Core,
  InvariantError,
  Reader,
  readCoreOutputHead,
  type Spec,
  sealedHash,
  warmSnapshotCode,
} from "../core/mod.ts";
import { Journal, JournalError, type JournalIo, SnapshotStore } from "../journal/mod.ts";
import type { Durability } from "./sequencer.ts";

const SNAPSHOT_MAGIC = 0x53455131; // "SEQ1"

export interface CoreJournalOptions {
  /** Holds journal/ and snapshots/. */
  dir: string;
  spec: Spec;
  /** "none" is UNSAFE: acknowledged commands can be lost on a crash. */
  sync: "batch" | "none";
  /** Snapshot after this many outputs since the last one; 0 turns it off. */
  snapshot_every_outputs?: number;
  /** Snapshots kept; older ones and the journal before them are removed. */
  snapshots_kept?: number;
  /**
   * The first output seq a consumer still needs from the journal (settlement's
   * committed position + 1): retention never removes records from it on.
   */
  retain_from?: () => number;
  segment_bytes_max?: number;
  /** The journal's write and fdatasync calls; tests make them stall or fail. */
  io?: JournalIo;
}

export interface RecoveryReport {
  snapshot_seq: number;
  snapshot_path: string | null;
  snapshot_skipped: { path: string; reason: string }[];
  replayed: number;
  seconds: number;
  torn_tail: { file: string; offset: number; truncated_bytes: number } | null;
}

export interface SnapshotReport {
  seq: number;
  path: string;
  bytes: number;
  /** How long the core was stopped to serialise its state. */
  pause_ms: number;
  /** From the pause until the file was durable. */
  write_ms: number;
}

/**
 * A snapshot's payload: the input position it covers and the core's state,
 * written into the core's reused snapshot buffer (valid until its next
 * snapshot, so the caller writes it out before asking for another).
 */
export function sequencerSnapshot(core: Core, input_pos: number): Buffer {
  return core.snapshot((w) => {
    w.u32(SNAPSHOT_MAGIC);
    w.int(input_pos);
  });
}

export function decodeSequencerSnapshot(
  spec: Spec,
  bytes: Uint8Array,
): { input_pos: number; core: Core } {
  const r = new Reader(bytes);
  if (r.u32() !== SNAPSHOT_MAGIC) throw new InvariantError("snapshot: not a sequencer snapshot");
  const input_pos = r.int();
  return { input_pos, core: Core.restore(spec, bytes.subarray(12)) };
}

export class CoreJournal implements Durability {
  private since_snapshot = 0;
  /** Whether the snapshot buffer was sized since the last snapshot. */
  private reserved = false;
  private snapshotting: Promise<SnapshotReport> | null = null;
  private last: SnapshotReport | null = null;
  private snapshot_error: unknown = null;

  private constructor(
    readonly core: Core,
    readonly journal: Journal,
    readonly snapshots: SnapshotStore,
    readonly recovery: RecoveryReport,
    private readonly opts: CoreJournalOptions,
  ) {}

  static async open(opts: CoreJournalOptions): Promise<CoreJournal> {
    const started = process.hrtime.bigint();
    const snapshots = new SnapshotStore(join(opts.dir, "snapshots"));
    const journal = await Journal.open({
      dir: join(opts.dir, "journal"),
      sync: opts.sync,
      ...(opts.segment_bytes_max === undefined
        ? {}
        : { segment_bytes_max: opts.segment_bytes_max }),
      ...(opts.io === undefined ? {} : { io: opts.io }),
    });
    try {
      const found = await snapshots.latestValid();
      const core =
        found.latest === null
          ? new Core(opts.spec)
          : decodeSequencerSnapshot(opts.spec, found.latest.bytes).core;
      const from = core.output_seq + 1;
      if (from < journal.firstSeq()) {
        throw new JournalError(
          "JOURNAL_SEQ_OUT_OF_RANGE",
          `the snapshot covers outputs up to ${core.output_seq} but the journal starts at ${journal.firstSeq()}: records are missing`,
        );
      }
      let replayed = 0;
      await journal.read(from, (seq, record) => {
        replayAndCheck(core, seq, record);
        replayed++;
      });
      const torn = journal.recovery.torn;
      const recovery: RecoveryReport = {
        snapshot_seq: found.latest?.seq ?? 0,
        snapshot_path: found.latest?.path ?? null,
        snapshot_skipped: found.skipped,
        replayed,
        seconds: Number(process.hrtime.bigint() - started) / 1e9,
        torn_tail:
          torn === null
            ? null
            : { file: torn.file, offset: torn.offset, truncated_bytes: torn.truncated_bytes },
      };
      // Before the first command: the first snapshot then pauses as briefly as the next.
      warmSnapshotCode(opts.spec);
      return new CoreJournal(core, journal, snapshots, recovery, opts);
    } catch (err) {
      await journal.close().catch(() => undefined);
      throw err;
    }
  }

  record(output_seq: number, sealed: Uint8Array): void {
    if (this.snapshot_error !== null) throw this.snapshot_error;
    const seq = this.journal.append(sealed);
    if (seq !== output_seq) {
      throw new InvariantError(`journal seq ${seq} is not output seq ${output_seq}`);
    }
    this.since_snapshot++;
  }

  durableSeq(): number {
    return this.journal.durableSeq();
  }

  onDurable(listener: (durable_seq: number) => void): void {
    this.journal.onDurable(listener);
  }

  failure(): unknown {
    return this.snapshot_error ?? this.journal.failure();
  }

  lastSnapshot(): SnapshotReport | null {
    return this.last;
  }

  /** Take a snapshot if enough outputs passed since the last one. */
  maybeSnapshot(): void {
    const every = this.opts.snapshot_every_outputs ?? 0;
    if (every <= 0) return;
    // Half-way there, the buffer grows to the state's size, outside the pause.
    if (!this.reserved && this.since_snapshot >= every >> 1) {
      this.core.reserveSnapshot();
      this.reserved = true;
    }
    if (this.since_snapshot < every || this.snapshotting !== null) return;
    this.snapshot().catch((err) => {
      // The journal still has everything, but a disk that refuses snapshots
      // must stop the exchange rather than be ignored.
      this.snapshot_error = err;
    });
  }

  /**
   * Serialise the state now (the only pause), then, once every output it
   * covers is durable, write it atomically and apply retention.
   */
  snapshot(): Promise<SnapshotReport> {
    if (this.snapshotting !== null) return this.snapshotting;
    const t0 = process.hrtime.bigint();
    const seq = this.core.output_seq;
    const bytes = sequencerSnapshot(this.core, seq);
    const t1 = process.hrtime.bigint();
    this.since_snapshot = 0;
    this.reserved = false;
    const run = async (): Promise<SnapshotReport> => {
      if (seq > 0) await this.journal.flushed(seq);
      const path = await this.snapshots.write(seq, bytes);
      await this.retain();
      const report: SnapshotReport = {
        seq,
        path,
        bytes: bytes.length,
        pause_ms: Number(t1 - t0) / 1e6,
        write_ms: Number(process.hrtime.bigint() - t1) / 1e6,
      };
      this.last = report;
      return report;
    };
    const p = run().finally(() => {
      this.snapshotting = null;
    });
    this.snapshotting = p;
    return p;
  }

  private async retain(): Promise<void> {
    const kept = this.opts.snapshots_kept ?? 2;
    if (kept <= 0) return;
    await this.snapshots.prune(kept);
    const list = await this.snapshots.list();
    const oldest = list[list.length - 1];
    if (oldest === undefined) return;
    const needed = this.opts.retain_from?.() ?? Number.MAX_SAFE_INTEGER;
    await this.journal.truncateBefore(Math.min(oldest.seq + 1, needed));
  }

  /** Flush everything, wait for an in-flight snapshot, close the journal. */
  async close(): Promise<void> {
    if (this.snapshotting !== null) await this.snapshotting.catch(() => undefined);
    await this.journal.close();
  }
}

/** Apply a journaled output's command again; the result must be the same bytes. */
function replayAndCheck(core: Core, seq: number, record: Uint8Array): void {
  const head = readCoreOutputHead(record);
  if (head.output_seq !== seq || head.output_seq !== core.output_seq + 1) {
    throw new InvariantError(
      `journal record ${seq} holds output ${head.output_seq}; the core expects ${core.output_seq + 1}`,
    );
  }
  core.applySealed(head.command);
  const again = core.prev_hash;
  if (again !== sealedHash(record)) {
    throw new InvariantError(
      `replay of output ${seq} gives hash ${again.toString(16)}, the journal holds ${sealedHash(record).toString(16)}: the state differs from the one that produced it`,
    );
  }
}
