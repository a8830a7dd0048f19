// In the log worker: one service's log file. Records become lines in an
// output buffer that is written with one system call per drain; lines go to
// the file of the UTC day of their time (the producer's clock), the file
// rolls over at midnight and the rotated day is compressed in the
// background; files older than the retention are removed; every few MiB of
// lines close an index block (byte range, time range, Bloom filter of ids).
//
// The worker owns the files, so these are plain synchronous calls: they block
// the worker's thread only, never a service's.

import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { compressRotated } from "./compress.ts";
import { type IdSink, LINE_BYTES_MAX, LineFormatter } from "./line-format.ts";
import {
  BLOCK_BYTES_MAX,
  BLOCK_IDS_MAX,
  BLOOM_BYTES,
  BlockFlag,
  bloomAdd,
  decodeIndex,
  encodeEntry,
  GZIP_SUFFIX,
  INDEX_SUFFIX,
  indexBytes,
  indexHeader,
  parseLogFileName,
} from "./log-index.ts";
import { removeExpired, rotatedPath } from "./retention.ts";
import type { RecordView, RingConsumer } from "./ring.ts";
import { RecordKind } from "./ring.ts";
import { DAY_MS, utcDayStart } from "./utc-day.ts";

const OUT_BYTES = 1024 * 1024;
const RETRY_MS = 1000;
const UNAVAILABLE = new Error("log file unavailable: retried at most once a second");

export interface LogFileOptions {
  readonly service: string;
  readonly dir: string;
  readonly retention_days: number;
  /** Compress rotated days (gzip); on unless a test turns it off. */
  readonly compress: boolean;
  readonly on_error: (err: Error) => void;
  /** Counts lines lost to a failed write, where the producer and metrics see them. */
  readonly on_lost: (lines: number) => void;
}

/** The index block being filled. */
class Block implements IdSink {
  raw_start = 0;
  lines = 0;
  ids = 0;
  time_min = Number.POSITIVE_INFINITY;
  time_max = Number.NEGATIVE_INFINITY;
  flags = 0;
  readonly bloom = new Uint8Array(BLOOM_BYTES);

  reset(raw_start: number): void {
    this.raw_start = raw_start;
    this.lines = 0;
    this.ids = 0;
    this.time_min = Number.POSITIVE_INFINITY;
    this.time_max = Number.NEGATIVE_INFINITY;
    this.flags = 0;
    this.bloom.fill(0);
  }

  addId(hash: number): void {
    bloomAdd(this.bloom, hash);
    this.ids++;
  }

  unfiltered(): void {
    this.flags |= BlockFlag.Unfiltered;
  }
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === "ENOENT";
}

export class LogFile {
  readonly path: string;
  readonly index_path: string;
  readonly #o: LogFileOptions;
  readonly #fmt: LineFormatter;
  readonly #block = new Block();
  #fd: number | null = null;
  #idx_fd: number | null = null;
  #file_bytes = 0;
  #file_day_start_ms = 0;
  #file_day_end_ms = 0;
  /** Lines in the output buffer, not yet in the file. */
  #pending_lines = 0;
  #closed = false;
  #retry_at_ms = 0;
  readonly #queue: string[] = [];
  #compressing: Promise<void> | null = null;
  #idle: (() => void)[] = [];

  constructor(opts: LogFileOptions) {
    this.#o = opts;
    this.path = join(opts.dir, `${opts.service}.log`);
    this.index_path = this.path + INDEX_SUFFIX;
    this.#fmt = new LineFormatter(opts.service, OUT_BYTES);
  }

  /** Creates the folder, opens (or rolls over) the file, applies retention, resumes compression. */
  open(now_ms: number): void {
    const day = utcDayStart(now_ms);
    if (this.#fd === null) this.#open(day);
    if (day > this.#file_day_start_ms) this.#rotate(day);
    this.#retain(now_ms);
    this.#resumeCompression();
  }

  /** One record from the ring: a line in the buffer (written at the next flush). */
  append(r: RecordView, ring: RingConsumer): void {
    if (r.kind === RecordKind.Define) {
      this.#fmt.format(r, ring, this.#block);
      return;
    }
    // Most lines fall in the file's day: one comparison, no day arithmetic.
    if ((this.#fd === null && this.#mayRetry()) || r.time_ms >= this.#file_day_end_ms) {
      try {
        const day = utcDayStart(r.time_ms);
        if (this.#fd === null) this.#open(day);
        if (day > this.#file_day_start_ms) this.#rotate(day);
      } catch (err) {
        // The line is still buffered; the flush counts it as lost if the file is still not there.
        this.#failed(err);
      }
    }
    if (this.#fmt.room() < LINE_BYTES_MAX) this.flush();
    this.#fmt.format(r, ring, this.#block);
    this.#pending_lines++;
    const b = this.#block;
    b.lines++;
    if (r.time_ms < b.time_min) b.time_min = r.time_ms;
    if (r.time_ms > b.time_max) b.time_max = r.time_ms;
    if (
      this.#file_bytes + this.#fmt.used - b.raw_start >= BLOCK_BYTES_MAX ||
      b.ids >= BLOCK_IDS_MAX
    ) {
      this.closeBlock();
    }
  }

  /**
   * A line the worker writes itself (drop and back-pressure reports): not a
   * service's line, so not counted as lost if the write fails.
   */
  appendText(text: string, time_ms: number): void {
    if (this.#fmt.room() < LINE_BYTES_MAX) this.flush();
    this.#fmt.writeText(text);
    const b = this.#block;
    b.lines++;
    if (time_ms < b.time_min) b.time_min = time_ms;
    if (time_ms > b.time_max) b.time_max = time_ms;
  }

  /** Writes the output buffer to the file; a failure loses (and counts) its lines. */
  flush(): void {
    const fmt = this.#fmt;
    if (fmt.used === 0) return;
    try {
      if (this.#fd === null) {
        if (!this.#mayRetry()) throw UNAVAILABLE;
        this.#open(this.#file_day_start_ms || utcDayStart(Date.now()));
      }
      let at = 0;
      while (at < fmt.used) at += writeSync(this.#fd as number, fmt.out, at, fmt.used - at);
      this.#file_bytes += fmt.used;
    } catch (err) {
      this.#o.on_lost(this.#pending_lines);
      this.#failed(err);
      this.#discard();
      // What the block covered is no longer where it thought: start a new one.
      this.#block.reset(this.#file_bytes);
    } finally {
      fmt.used = 0;
      this.#pending_lines = 0;
    }
  }

  /** Ends the index block at the current end of the file. */
  closeBlock(): void {
    this.flush();
    const b = this.#block;
    if (b.lines === 0 || this.#fd === null) {
      b.reset(this.#file_bytes);
      return;
    }
    if (this.#file_bytes > b.raw_start) {
      try {
        if (this.#idx_fd === null) this.#openIndex();
        writeSync(
          this.#idx_fd as number,
          encodeEntry({
            raw_start: b.raw_start,
            raw_end: this.#file_bytes,
            gz_start: -1,
            gz_end: -1,
            time_min: b.time_min,
            time_max: b.time_max,
            lines: b.lines,
            flags: b.flags,
            ids: b.ids,
            bloom: b.bloom,
          }),
        );
      } catch (err) {
        // The lines are in the file; without their entry a trace scans them whole.
        this.#o.on_error(asError(err));
        this.#closeIndex();
      }
    }
    b.reset(this.#file_bytes);
  }

  /** Writes everything, closes the index block and the file; stops compressing. */
  close(): void {
    this.closeBlock();
    this.#closed = true;
    this.#closeIndex();
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
  }

  /** Resolves once no compression is queued or running. */
  settled(): Promise<void> {
    if (this.#compressing === null && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** A new or empty file covers the day of the first lines about to go in. */
  #open(first_day_start_ms: number): void {
    mkdirSync(this.#o.dir, { recursive: true });
    let size = 0;
    let day_start_ms = first_day_start_ms;
    try {
      const st = statSync(this.path);
      size = st.size;
      // A file left by an earlier run covers the day it was last written.
      if (size > 0) day_start_ms = utcDayStart(st.mtimeMs);
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
    this.#fd = openSync(this.path, "a");
    this.#file_bytes = size;
    this.#setDay(day_start_ms);
    this.#block.reset(size);
    this.#openIndex();
  }

  /** Opens the live file's index for appending; an index that does not match the file restarts. */
  #openIndex(): void {
    this.#closeIndex();
    let keep = false;
    try {
      const bytes = readFileSync(this.index_path);
      const entries = decodeIndex(bytes);
      const last = entries?.[entries.length - 1];
      keep =
        entries !== null &&
        bytes.length === indexBytes(entries.length) &&
        (last === undefined || last.raw_end <= this.#file_bytes);
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
    if (keep) {
      this.#idx_fd = openSync(this.index_path, "a");
      return;
    }
    // Lines before this point are left without entries: a trace reads them whole.
    this.#idx_fd = openSync(this.index_path, "w");
    writeSync(this.#idx_fd, indexHeader());
  }

  #closeIndex(): void {
    if (this.#idx_fd === null) return;
    try {
      closeSync(this.#idx_fd);
    } catch {
      // Closing after a failure: nothing more to lose.
    }
    this.#idx_fd = null;
  }

  #rotate(day_start_ms: number): void {
    if (this.#file_bytes === 0 && this.#fmt.used === 0) {
      this.#setDay(day_start_ms);
      return;
    }
    this.closeBlock();
    this.#closeIndex();
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
    const target = rotatedPath(this.#o.dir, this.#o.service, this.#file_day_start_ms);
    try {
      renameSync(this.path, target);
      if (existsSync(this.index_path)) renameSync(this.index_path, target + INDEX_SUFFIX);
      this.#enqueue(target);
    } catch (err) {
      // Someone removed the live file; there is nothing to roll over.
      if (!isMissing(err)) throw err;
    }
    if (existsSync(this.index_path)) unlinkSync(this.index_path);
    this.#open(day_start_ms);
    this.#setDay(day_start_ms);
    this.#retain(day_start_ms);
  }

  /** After a failure the file is tried again at most once a second (a full or read-only disk). */
  #mayRetry(): boolean {
    return Date.now() >= this.#retry_at_ms;
  }

  #failed(err: unknown): void {
    // Waiting out the retry delay is no new failure: nothing to report, no further delay.
    if (err === UNAVAILABLE) return;
    this.#retry_at_ms = Date.now() + RETRY_MS;
    this.#o.on_error(asError(err));
  }

  #setDay(day_start_ms: number): void {
    this.#file_day_start_ms = day_start_ms;
    this.#file_day_end_ms = day_start_ms + DAY_MS;
  }

  #retain(now_ms: number): void {
    try {
      removeExpired(this.#o.dir, this.#o.service, now_ms, this.#o.retention_days);
    } catch (err) {
      // Failing to delete old files must not cost the new lines.
      this.#o.on_error(asError(err));
    }
  }

  /** Rotated days left plain by an earlier run are compressed; half-written ones restart. */
  #resumeCompression(): void {
    let names: string[];
    try {
      names = readdirSync(this.#o.dir);
    } catch (err) {
      this.#o.on_error(asError(err));
      return;
    }
    const present = new Set(names);
    for (const name of names.sort()) {
      const f = parseLogFileName(name);
      if (f === null || f.service !== this.#o.service || f.day === null) continue;
      const path = join(this.#o.dir, name);
      if (f.tmp) {
        tryUnlink(path);
      } else if (!f.gzip && !f.index) {
        if (present.has(name + GZIP_SUFFIX)) {
          // Compressed before a crash cut the clean-up short.
          tryUnlink(path);
          tryUnlink(path + INDEX_SUFFIX);
        } else {
          this.#enqueue(path);
        }
      }
    }
  }

  #enqueue(path: string): void {
    if (!this.#o.compress) return;
    if (!this.#queue.includes(path)) this.#queue.push(path);
    this.#compressing ??= this.#compressQueue();
  }

  async #compressQueue(): Promise<void> {
    try {
      for (let path = this.#queue.shift(); path !== undefined; path = this.#queue.shift()) {
        if (this.#closed) break;
        try {
          await compressRotated(path, { aborted: () => this.#closed });
        } catch (err) {
          this.#o.on_error(asError(err));
        }
      }
    } finally {
      this.#compressing = null;
      this.#queue.length = 0;
      const idle = this.#idle;
      this.#idle = [];
      for (const f of idle) f();
    }
  }

  #discard(): void {
    const fd = this.#fd;
    this.#fd = null;
    this.#closeIndex();
    if (fd === null) return;
    try {
      closeSync(fd);
    } catch {
      // The handle is being abandoned after a failure; a second error adds nothing.
    }
  }
}

function tryUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
