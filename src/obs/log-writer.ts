// One service's log file. `write` only appends to memory; the file system is
// touched by a drain that runs after the current event-loop turn, so a burst of
// lines costs one async write, and the hot path never waits on a disk.
//
// Lines are grouped into segments by the UTC day in which they were written.
// The drain writes the segments in order and rolls the file over between two
// segments of different days, so a line always lands in the file of its day
// even though the write happens later.
//
// Memory is bounded: past `buffer_bytes_max` a line is dropped and counted, and
// the next batch written carries a LOG_LINES_DROPPED line with the count.
// `close()` writes everything out and is what a graceful shutdown awaits. A
// process that ends by running out of work is kept alive by the pending drain
// until its lines are written. `process.exit()`, an unhandled signal or a kill
// loses what is still buffered: normally the last event-loop turn's lines and
// the batch in flight, up to `buffer_bytes_max` when the disk is behind.

import type { FileHandle } from "node:fs/promises";
import { mkdir, open, rename, stat } from "node:fs/promises";
import { join } from "node:path";
import { removeExpired, rotatedPath, SERVICE_NAME_RE } from "./retention.ts";
import { DAY_MS, utcDayStart } from "./utc-day.ts";

export const DEFAULT_BUFFER_BYTES_MAX = 8 * 1024 * 1024;

// Lines are encoded one by one into this reusable buffer rather than joined
// into one string first: pino builds each line by concatenation, and joining a
// thousand such strings costs about three times more than encoding them
// separately. A batch larger than this goes out in several writes.
const SCRATCH_BYTES = 1024 * 1024;

// An upper bound of a string's UTF-8 size: every UTF-16 unit takes at most three bytes.
const UTF8_BYTES_PER_UNIT_MAX = 3;

export interface LogWriterOptions {
  readonly service: string;
  readonly dir: string;
  /** Rotated files whose day ended more than this many days ago are deleted. */
  readonly retention_days: number;
  /** Milliseconds since the epoch; decides the day a line belongs to. */
  readonly clock?: () => number;
  /** Upper bound of buffered text, counted in string length (bytes for ASCII). */
  readonly buffer_bytes_max?: number;
  /** Called when the file system refuses an operation; the default prints to stderr. */
  readonly on_error?: (err: Error) => void;
}

interface Segment {
  readonly day_start_ms: number;
  readonly lines: string[];
  bytes: number;
  /** LOG_LINES_DROPPED lines in `lines`: not business lines, not counted if lost. */
  reports: number;
}

function segment(day_start_ms: number): Segment {
  return { day_start_ms, lines: [], bytes: 0, reports: 0 };
}

function stderrReporter(service: string): (err: Error) => void {
  let last = "";
  return (err) => {
    // A full or read-only disk fails every batch; one line per distinct cause is enough.
    if (err.message === last) return;
    last = err.message;
    process.stderr.write(
      `${JSON.stringify({ level: "error", time: Date.now(), service, event: "LOG_WRITE_FAILED", msg: err.message })}\n`,
    );
  };
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === "ENOENT";
}

export class LogWriter {
  readonly service: string;
  readonly dir: string;
  readonly path: string;
  readonly retention_days: number;
  readonly buffer_bytes_max: number;
  readonly #clock: () => number;
  readonly #on_error: (err: Error) => void;

  #segments: Segment[];
  #tail: Segment;
  #tail_day_end_ms: number;
  #buffered_bytes = 0;
  #dropped = 0;
  #unreported = 0;
  #closed = false;
  #closing: Promise<void> | null = null;
  #scheduled = false;
  #draining: Promise<void> | null = null;
  // File operations of drains and explicit opens run one after another on this chain.
  #serial: Promise<void> = Promise.resolve();

  #handle: FileHandle | null = null;
  #scratch: Buffer | null = null;
  #file_day_start_ms = 0;
  #file_bytes = 0;

  constructor(opts: LogWriterOptions) {
    if (!SERVICE_NAME_RE.test(opts.service)) {
      throw new Error(`log writer: service name must match ${SERVICE_NAME_RE}`);
    }
    if (!Number.isInteger(opts.retention_days) || opts.retention_days < 0) {
      throw new Error("log writer: retention_days must be an integer >= 0");
    }
    const buffer_bytes_max = opts.buffer_bytes_max ?? DEFAULT_BUFFER_BYTES_MAX;
    if (!Number.isInteger(buffer_bytes_max) || buffer_bytes_max < 1) {
      throw new Error("log writer: buffer_bytes_max must be a positive integer");
    }
    this.service = opts.service;
    this.dir = opts.dir;
    this.path = join(opts.dir, `${opts.service}.log`);
    this.retention_days = opts.retention_days;
    this.buffer_bytes_max = buffer_bytes_max;
    this.#clock = opts.clock ?? Date.now;
    this.#on_error = opts.on_error ?? stderrReporter(opts.service);
    const day_start_ms = utcDayStart(this.#clock());
    this.#tail = segment(day_start_ms);
    this.#segments = [this.#tail];
    this.#tail_day_end_ms = day_start_ms + DAY_MS;
  }

  /** Lines lost since start: refused for lack of buffer space, after close, or by a failed write. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Text accepted and not yet written, in string length. */
  get buffered_bytes(): number {
    return this.#buffered_bytes;
  }

  /**
   * Queues one line; the caller supplies the trailing newline. Returns false
   * when the line was dropped (buffer full or writer closed).
   */
  write(line: string): boolean {
    const bytes = line.length;
    if (this.#closed) {
      this.#dropped++;
      return false;
    }
    if (this.#buffered_bytes + bytes > this.buffer_bytes_max) {
      this.#dropped++;
      this.#unreported++;
      this.#schedule();
      return false;
    }
    this.#append(line, bytes, this.#clock());
    this.#schedule();
    return true;
  }

  /**
   * Creates the folder, opens (or rolls over) the file and applies retention
   * now rather than at the first write, so a service can fail fast at start-up
   * on an unwritable folder.
   */
  open(): Promise<void> {
    if (this.#closed) return Promise.reject(new Error("log writer: closed"));
    return this.#exclusive(async () => {
      const day_start_ms = utcDayStart(this.#clock());
      if (this.#handle === null) await this.#open(day_start_ms);
      if (day_start_ms > this.#file_day_start_ms) await this.#rotate(day_start_ms);
    });
  }

  /** Resolves once every line accepted so far is in the file (or counted as lost). */
  async flush(cb?: (err?: Error) => void): Promise<void> {
    while (this.#hasWork() || this.#draining !== null) await this.#startDrain();
    cb?.();
  }

  /** Writes what is buffered, closes the file; later lines are dropped and counted. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closed = true;
      await this.flush();
      await this.#exclusive(async () => {
        const handle = this.#handle;
        this.#handle = null;
        await handle?.close();
      });
    })();
    return this.#closing;
  }

  #append(line: string, bytes: number, now_ms: number): Segment {
    let seg = this.#tail;
    if (now_ms >= this.#tail_day_end_ms) {
      const day_start_ms = utcDayStart(now_ms);
      seg = segment(day_start_ms);
      this.#segments.push(seg);
      this.#tail = seg;
      this.#tail_day_end_ms = day_start_ms + DAY_MS;
    }
    seg.lines.push(line);
    seg.bytes += bytes;
    this.#buffered_bytes += bytes;
    return seg;
  }

  #hasWork(): boolean {
    return this.#unreported > 0 || this.#segments.length > 1 || this.#tail.lines.length > 0;
  }

  #schedule(): void {
    if (this.#scheduled || this.#draining !== null) return;
    this.#scheduled = true;
    setImmediate(this.#kick);
  }

  readonly #kick = (): void => {
    this.#scheduled = false;
    void this.#startDrain();
  };

  #startDrain(): Promise<void> {
    this.#draining ??= this.#exclusive(() => this.#drain()).finally(() => {
      this.#draining = null;
      if (this.#hasWork()) this.#schedule();
    });
    return this.#draining;
  }

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#serial.then(fn);
    this.#serial = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Hands the buffered segments to the drain, first recording any drops. */
  #take(): Segment[] | null {
    if (this.#unreported > 0) {
      const count = this.#unreported;
      this.#unreported = 0;
      const now_ms = this.#clock();
      const line = `${JSON.stringify({
        level: "warn",
        time: now_ms,
        service: this.service,
        event: "LOG_LINES_DROPPED",
        count,
        dropped_total: this.#dropped,
        msg: "log lines lost: the writer fell behind or the file system failed",
      })}\n`;
      this.#append(line, line.length, now_ms).reports++;
    }
    if (this.#segments.length === 1 && this.#tail.lines.length === 0) return null;
    const batch = this.#segments;
    this.#tail = segment(this.#tail.day_start_ms);
    this.#segments = [this.#tail];
    return batch;
  }

  async #drain(): Promise<void> {
    for (let batch = this.#take(); batch !== null; batch = this.#take()) {
      for (const seg of batch) {
        if (seg.lines.length === 0) continue;
        try {
          if (this.#handle === null) await this.#open(seg.day_start_ms);
          if (seg.day_start_ms > this.#file_day_start_ms) await this.#rotate(seg.day_start_ms);
          await this.#writeLines(seg.lines);
        } catch (err) {
          const lost = seg.lines.length - seg.reports;
          this.#dropped += lost;
          this.#unreported += lost;
          await this.#discardHandle();
          this.#report(err);
        } finally {
          this.#buffered_bytes -= seg.bytes;
        }
      }
    }
  }

  /** A new or empty file covers the day of the first lines about to go in. */
  async #open(first_day_start_ms: number): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    let size = 0;
    let day_start_ms = first_day_start_ms;
    try {
      const st = await stat(this.path);
      size = st.size;
      // A file left by an earlier run covers the day it was last written.
      if (size > 0) day_start_ms = utcDayStart(st.mtimeMs);
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
    this.#handle = await open(this.path, "a");
    this.#file_bytes = size;
    this.#file_day_start_ms = day_start_ms;
    await this.#retain(this.#clock());
  }

  async #rotate(day_start_ms: number): Promise<void> {
    if (this.#file_bytes === 0) {
      this.#file_day_start_ms = day_start_ms;
      return;
    }
    const handle = this.#handle;
    this.#handle = null;
    await handle?.close();
    const target = await rotatedPath(this.dir, this.service, this.#file_day_start_ms);
    try {
      await rename(this.path, target);
    } catch (err) {
      // Someone removed the live file; there is nothing to roll over.
      if (!isMissing(err)) throw err;
    }
    this.#handle = await open(this.path, "a");
    this.#file_bytes = 0;
    this.#file_day_start_ms = day_start_ms;
    await this.#retain(day_start_ms);
  }

  async #retain(now_ms: number): Promise<void> {
    try {
      await removeExpired(this.dir, this.service, now_ms, this.retention_days);
    } catch (err) {
      // Failing to delete old files must not cost the new lines.
      this.#report(err);
    }
  }

  async #writeLines(lines: readonly string[]): Promise<void> {
    this.#scratch ??= Buffer.allocUnsafe(SCRATCH_BYTES);
    const scratch = this.#scratch;
    let used = 0;
    for (const line of lines) {
      const worst = line.length * UTF8_BYTES_PER_UNIT_MAX;
      if (used + worst > scratch.length) {
        if (used > 0) await this.#writeBuffer(scratch, used);
        used = 0;
        if (worst > scratch.length) {
          await this.#writeBuffer(Buffer.from(line, "utf8"), -1);
          continue;
        }
      }
      used += scratch.write(line, used);
    }
    if (used > 0) await this.#writeBuffer(scratch, used);
  }

  /** Writes the first `length` bytes of `buf` (all of it for -1), resuming after short writes. */
  async #writeBuffer(buf: Buffer, length: number): Promise<void> {
    const handle = this.#handle;
    if (handle === null) throw new Error("log writer: file is not open");
    const end = length < 0 ? buf.length : length;
    let offset = 0;
    while (offset < end) {
      const { bytesWritten } = await handle.write(buf, offset, end - offset);
      offset += bytesWritten;
    }
    this.#file_bytes += end;
  }

  async #discardHandle(): Promise<void> {
    const handle = this.#handle;
    this.#handle = null;
    try {
      await handle?.close();
    } catch {
      // The handle is being abandoned after a failure; a second error adds nothing.
    }
  }

  #report(err: unknown): void {
    try {
      this.#on_error(err instanceof Error ? err : new Error(String(err)));
    } catch {
      // A throwing error callback must not stop the drain.
    }
  }
}
