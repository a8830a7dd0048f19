// A segmented append-only log with group commit. append() only frames the
// record into the pending batch; one flush loop writes whatever accumulated in
// one write and makes it durable with one fdatasync, while the next batch fills.
// A seq is reported durable only after the fdatasync that covers it returned.

import { constants as bufferConstants } from "node:buffer";
import fsp from "node:fs/promises";
import { resolve as resolvePath } from "node:path";
import { assert } from "../core/mod.ts";
import { Batch } from "./batch.ts";
import { type Catalog, Segment } from "./catalog.ts";
import { Cursor, type RecordHandler } from "./cursor.ts";
import { JournalError } from "./errors.ts";
import { Follower, type FollowSource } from "./follower.ts";
import { closeFd, type JournalIo, nodeJournalIo, openFd, syncDir, writeFully } from "./io.ts";
import {
  encodeRecord,
  RECORD_OVERHEAD_BYTES,
  RECORD_PAYLOAD_BYTES_LIMIT,
} from "./record_format.ts";
import { type JournalRecovery, openNewSegment, recoverCatalog } from "./recover.ts";
import { SEGMENT_HEADER_BYTES, segmentPath } from "./segment_format.ts";

export interface JournalOptions {
  dir: string;
  /**
   * "batch": group commit; a record is durable once the fdatasync of its batch returned.
   * "none": UNSAFE, never fsyncs; "durable" then only means handed to the OS,
   * and an OS crash or power loss can lose or tear acknowledged records. Benchmarks only.
   */
  sync: "batch" | "none";
  /** A new segment file is started before a record would take one past this. Default 64 MiB. */
  segment_bytes_max?: number;
  /** Larger payloads are refused by append(). Default 16 MiB. */
  record_bytes_max?: number;
  /**
   * Operator repair, off by default: treat a bad record anywhere in the last
   * segment as its torn tail and cut the file there, even when bytes follow it.
   * The cut is reported in `recovery.torn`.
   */
  repair_tail?: boolean;
  /** The write and fdatasync calls; tests substitute failing or stalling ones. */
  io?: JournalIo;
}

export interface JournalStats {
  appends: number;
  /** Framed bytes appended (payload plus per-record overhead). */
  bytes: number;
  /** Batches written (one write each, except where a segment rolled inside one). */
  batches: number;
  /** fdatasync calls on segment files. */
  syncs: number;
  batch_records_max: number;
  segments: number;
  segments_rolled: number;
  first_seq: number;
  next_seq: number;
  durable_seq: number;
  /** Appended but not yet durable: what a producer should bound to apply back-pressure. */
  outstanding_records: number;
  sync: "batch" | "none";
}

export const SEGMENT_BYTES_MAX_DEFAULT = 64 * 1024 * 1024;
export const RECORD_BYTES_MAX_DEFAULT = 16 * 1024 * 1024;

interface Waiter {
  seq: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

/** Directories open in this process: two writers on one journal would interleave records. */
const openDirs = new Set<string>();

export class Journal implements FollowSource {
  readonly dir: string;
  /** What open() found and repaired. */
  readonly recovery: JournalRecovery;
  private readonly durable: boolean;
  private readonly segment_bytes_max: number;
  private readonly record_bytes_max: number;
  private readonly io: JournalIo;
  private readonly catalog: Catalog;

  /** The file the flush loop writes to, and where its next write goes. */
  private fd: number;
  private fd_segment: Segment;
  private fd_pos: number;
  private pending = new Batch();
  private spare = new Batch();
  private next_seq: number;
  private durable_seq: number;
  private state: "open" | "closing" | "closed" = "open";
  private failed: JournalError | null = null;
  private flushing: Promise<void> | null = null;
  private closing: Promise<void> | null = null;
  private waiters: Waiter[] = [];
  private readonly listeners = new Set<(durableSeq: number) => void>();
  private readonly followers = new Set<Follower>();

  private appends = 0;
  private bytes = 0;
  private batches = 0;
  private syncs = 0;
  private batch_records_max = 0;
  private segments_rolled = 0;

  private constructor(
    dir: string,
    opts: JournalOptions,
    catalog: Catalog,
    recovery: JournalRecovery,
    fd: number,
  ) {
    this.dir = dir;
    this.recovery = recovery;
    this.durable = opts.sync === "batch";
    this.segment_bytes_max = opts.segment_bytes_max ?? SEGMENT_BYTES_MAX_DEFAULT;
    this.record_bytes_max = opts.record_bytes_max ?? RECORD_BYTES_MAX_DEFAULT;
    this.io = opts.io ?? nodeJournalIo;
    this.catalog = catalog;
    this.fd = fd;
    this.fd_segment = catalog.active;
    this.fd_pos = catalog.active.end_offset;
    this.next_seq = catalog.active.end_seq;
    this.durable_seq = this.next_seq - 1;
  }

  /**
   * Opens (creating if needed) the journal in opts.dir. Every record is
   * validated; a torn tail is cut and reported in `recovery`; corruption
   * anywhere else throws JournalCorruptError naming the file and byte offset.
   */
  static async open(opts: JournalOptions): Promise<Journal> {
    validateOptions(opts);
    await fsp.mkdir(opts.dir, { recursive: true });
    const dir = await fsp.realpath(resolvePath(opts.dir));
    if (openDirs.has(dir)) {
      throw new JournalError("JOURNAL_IN_USE", `${dir} is already open in this process`);
    }
    openDirs.add(dir);
    try {
      const { catalog, recovery } = await recoverCatalog({
        dir,
        durable: opts.sync === "batch",
        repair_tail: opts.repair_tail ?? false,
        io: opts.io ?? nodeJournalIo,
      });
      const fd = await openFd(catalog.active.path, "r+");
      return new Journal(dir, opts, catalog, recovery, fd);
    } catch (err) {
      openDirs.delete(dir);
      throw err;
    }
  }

  /** The first retained record's seq (equal to nextSeq() when none is retained). */
  firstSeq(): number {
    return this.catalog.first_seq;
  }

  /** The seq the next append gets. Sequence numbers start at 1 and have no gaps. */
  nextSeq(): number {
    return this.next_seq;
  }

  /** Every record up to this seq is durable (0 when there is none). */
  durableSeq(): number {
    return this.durable_seq;
  }

  failure(): JournalError | null {
    return this.failed;
  }

  isClosed(): boolean {
    return this.state === "closed";
  }

  /**
   * Copies payload into the pending batch and returns its seq. Synchronous and
   * cheap; the record is not durable until flushed(seq) resolves. Throws
   * JOURNAL_FAILED after a failed write or fdatasync, JOURNAL_CLOSED once
   * close() was called, JOURNAL_RECORD_TOO_LARGE above record_bytes_max.
   */
  append(payload: Uint8Array): number {
    if (this.failed !== null) throw this.failed;
    if (this.state !== "open") throw closedError(this.dir);
    const len = payload.length;
    if (len > this.record_bytes_max) {
      throw new JournalError(
        "JOURNAL_RECORD_TOO_LARGE",
        `payload of ${len} bytes exceeds record_bytes_max ${this.record_bytes_max}`,
      );
    }
    const bytes = len + RECORD_OVERHEAD_BYTES;
    const seq = this.next_seq;
    const batch = this.pending;
    let segment = this.catalog.active;
    if (segment.record_count > 0 && segment.end_offset + bytes > this.segment_bytes_max) {
      segment = new Segment(seq, segmentPath(this.dir, seq), false);
      this.catalog.segments.push(segment);
      batch.rolls.push({ offset: batch.len, segment });
    }
    segment.addRecord(bytes);
    batch.reserve(bytes);
    batch.len = encodeRecord(batch.buf, batch.len, payload);
    batch.records++;
    this.next_seq = seq + 1;
    this.appends++;
    this.bytes += bytes;
    if (this.flushing === null) this.flushing = this.flushLoop();
    return seq;
  }

  /**
   * Resolves once seq is durable. Rejects with JOURNAL_FAILED if the write or
   * fdatasync that would have covered it failed, and with
   * JOURNAL_SEQ_OUT_OF_RANGE for a seq never appended.
   */
  flushed(seq: number): Promise<void> {
    if (Number.isSafeInteger(seq) && seq <= this.durable_seq) return Promise.resolve();
    if (this.failed !== null) return Promise.reject(this.failed);
    if (!Number.isSafeInteger(seq) || seq >= this.next_seq) {
      return Promise.reject(
        new JournalError(
          "JOURNAL_SEQ_OUT_OF_RANGE",
          `seq ${seq} was never appended (next seq is ${this.next_seq})`,
        ),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const w: Waiter = { seq, resolve, reject };
      const ws = this.waiters;
      const last = ws[ws.length - 1];
      if (last === undefined || last.seq <= seq) {
        ws.push(w);
        return;
      }
      let lo = 0;
      let hi = ws.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (ws[mid]!.seq <= seq) lo = mid + 1;
        else hi = mid;
      }
      ws.splice(lo, 0, w);
    });
  }

  /**
   * Calls listener with the new durableSeq() after every durable batch.
   * Returns the unsubscribe function. A listener that throws does not disturb
   * the journal; its error is rethrown as an uncaught exception.
   */
  onDurable(listener: (durableSeq: number) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /**
   * Delivers records fromSeq..toSeq (default: durableSeq()) from the files, in
   * order; a handler's promise is awaited before the next record. Returns the
   * last seq delivered (fromSeq - 1 if none). The payload is a view into a
   * read buffer: copy it to keep many of them for long.
   */
  async read(fromSeq: number, handler: RecordHandler, toSeq?: number): Promise<number> {
    const to = toSeq ?? this.durable_seq;
    this.checkReadable(fromSeq);
    if (!Number.isSafeInteger(to) || to > this.durable_seq) {
      throw new JournalError(
        "JOURNAL_SEQ_OUT_OF_RANGE",
        `toSeq ${to} is past the durable end ${this.durable_seq}`,
      );
    }
    if (to < fromSeq) return fromSeq - 1;
    const cursor = new Cursor(this.catalog, fromSeq);
    try {
      await cursor.readTo(to, handler);
    } finally {
      await cursor.close();
    }
    return to;
  }

  /**
   * Replays from fromSeq, then delivers each record as it becomes durable:
   * in order, each exactly once, a handler's promise awaited before the next.
   * Errors surface only through follower.done (or stop()); left unawaited, a
   * rejection is an unhandled rejection, which is deliberate.
   */
  follow(fromSeq: number, handler: RecordHandler): Follower {
    this.checkReadable(fromSeq);
    const follower: Follower = new Follower(
      this,
      new Cursor(this.catalog, fromSeq),
      handler,
      () => {
        this.followers.delete(follower);
      },
    );
    this.followers.add(follower);
    return follower;
  }

  /**
   * Retention: deletes whole segment files whose records all precede seq and
   * are durable. The segment being written is always kept. Returns how many
   * files were removed. Followers and reads positioned in a removed file fail
   * with JOURNAL_SEQ_OUT_OF_RANGE once they need it.
   */
  async truncateBefore(seq: number): Promise<number> {
    if (this.failed !== null) throw this.failed;
    if (this.state !== "open") throw closedError(this.dir);
    const limit = Math.min(seq, this.durable_seq + 1);
    const segs = this.catalog.segments;
    let n = 0;
    // A successor not yet on disk must not become the oldest file: after a crash
    // the directory would no longer say where the sequence continues.
    while (n < segs.length - 1) {
      const next = segs[n + 1]!;
      if (next.first_seq > limit || !next.on_disk) break;
      n++;
    }
    if (n === 0) return 0;
    const removed = segs.splice(0, n);
    for (const s of removed) await fsp.unlink(s.path);
    if (this.durable) await syncDir(this.dir);
    return n;
  }

  /**
   * Flushes everything pending, makes it durable, and releases the files.
   * Followers deliver what is durable and then end. Rejects with the
   * journal's failure if it failed (resources are released either way).
   */
  close(): Promise<void> {
    if (this.closing === null) this.closing = this.closeOnce();
    return this.closing;
  }

  stats(): JournalStats {
    return {
      appends: this.appends,
      bytes: this.bytes,
      batches: this.batches,
      syncs: this.syncs,
      batch_records_max: this.batch_records_max,
      segments: this.catalog.segments.length,
      segments_rolled: this.segments_rolled,
      first_seq: this.catalog.first_seq,
      next_seq: this.next_seq,
      durable_seq: this.durable_seq,
      outstanding_records: this.next_seq - 1 - this.durable_seq,
      sync: this.durable ? "batch" : "none",
    };
  }

  private checkReadable(fromSeq: number): void {
    if (this.state === "closed") throw closedError(this.dir);
    const first = this.catalog.first_seq;
    if (!Number.isSafeInteger(fromSeq) || fromSeq < first || fromSeq > this.durable_seq + 1) {
      throw new JournalError(
        "JOURNAL_SEQ_OUT_OF_RANGE",
        `fromSeq ${fromSeq} outside the retained durable range ${first}..${this.durable_seq + 1}`,
      );
    }
  }

  private async closeOnce(): Promise<void> {
    if (this.state === "open") this.state = "closing";
    while (this.flushing !== null) await this.flushing;
    this.state = "closed";
    for (const f of this.followers) f.signal();
    const fd = this.fd;
    this.fd = -1;
    try {
      if (fd >= 0) await closeFd(fd);
    } finally {
      openDirs.delete(this.dir);
    }
    if (this.failed !== null) throw this.failed;
  }

  private async flushLoop(): Promise<void> {
    // Let the rest of the current synchronous burst of appends join this batch.
    await Promise.resolve();
    try {
      while (this.pending.len > 0 && this.failed === null) {
        const batch = this.pending;
        this.pending = this.spare;
        this.spare = batch;
        const last = this.next_seq - 1;
        await this.writeBatch(batch);
        batch.reset();
        this.advance(last);
      }
    } catch (err) {
      this.fail(err);
    } finally {
      this.flushing = null;
    }
  }

  private async writeBatch(batch: Batch): Promise<void> {
    let start = 0;
    let dirty = false;
    let created: Segment[] | null = null;
    for (const roll of batch.rolls) {
      if (roll.offset > start) {
        await this.writeOut(batch.buf, start, roll.offset - start);
        dirty = true;
      }
      if (dirty && this.durable) {
        await this.io.sync(this.fd);
        this.syncs++;
      }
      const old = this.fd;
      this.fd = -1;
      await closeFd(old);
      this.fd_segment.durable_offset = this.fd_pos;
      this.fd = await openNewSegment(roll.segment.path, roll.segment.first_seq, "wx+", this.io);
      this.fd_segment = roll.segment;
      this.fd_pos = SEGMENT_HEADER_BYTES;
      dirty = true;
      created ??= [];
      created.push(roll.segment);
      this.segments_rolled++;
      start = roll.offset;
    }
    if (batch.len > start) {
      await this.writeOut(batch.buf, start, batch.len - start);
      dirty = true;
    }
    if (dirty && this.durable) {
      await this.io.sync(this.fd);
      this.syncs++;
    }
    if (created !== null) {
      if (this.durable) await syncDir(this.dir);
      for (const s of created) s.on_disk = true;
    }
    this.fd_segment.durable_offset = this.fd_pos;
    this.batches++;
    if (batch.records > this.batch_records_max) this.batch_records_max = batch.records;
  }

  private async writeOut(buf: Buffer, start: number, length: number): Promise<void> {
    await writeFully(this.io, this.fd, buf, start, length, this.fd_pos);
    this.fd_pos += length;
  }

  private advance(seq: number): void {
    assert(seq > this.durable_seq, `durable seq going from ${this.durable_seq} to ${seq}`);
    this.durable_seq = seq;
    const ws = this.waiters;
    let k = 0;
    while (k < ws.length && ws[k]!.seq <= seq) {
      ws[k]!.resolve();
      k++;
    }
    if (k === ws.length) this.waiters = [];
    else if (k > 0) ws.splice(0, k);
    for (const listener of this.listeners) {
      try {
        listener(seq);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }

  private fail(cause: unknown): void {
    if (this.failed !== null) return;
    const detail = cause instanceof Error ? cause.message : String(cause);
    this.failed = new JournalError(
      "JOURNAL_FAILED",
      `${this.dir}: write or fdatasync failed (${detail}); records after seq ${this.durable_seq} are not durable and the journal accepts no more appends; reopen it to recover`,
      { cause },
    );
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w.reject(this.failed);
    this.pending.reset();
    for (const f of this.followers) f.signal();
  }
}

function closedError(dir: string): JournalError {
  return new JournalError("JOURNAL_CLOSED", `${dir} is closed`);
}

function validateOptions(opts: JournalOptions): void {
  const bad = (msg: string) => new JournalError("JOURNAL_BAD_OPTIONS", msg);
  if (opts.sync !== "batch" && opts.sync !== "none") {
    throw bad(`sync must be "batch" or "none", got ${String(opts.sync)}`);
  }
  const seg = opts.segment_bytes_max;
  const minSeg = SEGMENT_HEADER_BYTES + RECORD_OVERHEAD_BYTES + 1;
  if (seg !== undefined && (!Number.isSafeInteger(seg) || seg < minSeg)) {
    throw bad(`segment_bytes_max must be an integer >= ${minSeg}, got ${seg}`);
  }
  const rec = opts.record_bytes_max;
  const recLimit = Math.min(
    RECORD_PAYLOAD_BYTES_LIMIT,
    bufferConstants.MAX_LENGTH - RECORD_OVERHEAD_BYTES,
  );
  if (rec !== undefined && (!Number.isSafeInteger(rec) || rec < 1 || rec > recLimit)) {
    throw bad(`record_bytes_max must be an integer in 1..${recLimit}, got ${rec}`);
  }
}
