// One service's log file, as the service sees it: a ring the service's
// logger fills with records (src/obs/ring.ts) and that the process's log
// worker turns into the file (src/obs/log-worker.ts). Writing a line costs
// the service a few typed-array stores; formatting, system calls, rotation
// at UTC midnight, retention, the index and the compression of rotated days
// all happen on the worker's thread.
//
// Nothing is lost silently. When the ring is full the service waits for the
// worker (back-pressure, up to `block_ms_max` per line) rather than drop; a
// line is dropped only when the worker is gone or stuck longer than that,
// and every drop, wait and failed write is counted: in the file
// (LOG_LINES_DROPPED, BACKPRESSURE_ENGAGED / _RELEASED lines) and in the
// metrics. `close()` writes everything and is what a graceful shutdown
// awaits; at process exit the worker is given two seconds to write what the
// ring holds; kill -9 loses what is still in the ring.

import { join } from "node:path";
import { Marker } from "../core/mod.ts";
import { LogHub, type RingHandle } from "./log-hub.ts";
import { SERVICE_NAME_RE } from "./retention.ts";
import { Ctl, LevelCode, type RingProducer } from "./ring.ts";

/** Ring size: how many bytes of records may wait for the worker before the service waits. */
export const DEFAULT_BUFFER_BYTES_MAX = 8 * 1024 * 1024;
/** How long a line may wait for room before it is dropped (and counted). */
export const DEFAULT_BLOCK_MS_MAX = 1000;

export interface LogWriterOptions {
  readonly service: string;
  readonly dir: string;
  /** Rotated files whose day ended more than this many days ago are deleted. */
  readonly retention_days: number;
  /** Milliseconds since the epoch; decides the day a line belongs to. */
  readonly clock?: () => number;
  /** Size of the ring of records waiting for the worker, in bytes. */
  readonly buffer_bytes_max?: number;
  /** Longest wait for room in the ring before a line is dropped. */
  readonly block_ms_max?: number;
  /** Compress rotated days; on by default. */
  readonly compress?: boolean;
  /** Called when the file system refuses an operation; the default prints to stderr. */
  readonly on_error?: (err: Error) => void;
}

function stderrReporter(service: string): (err: Error) => void {
  let last = "";
  return (err) => {
    // A full or read-only disk fails every batch; one line per distinct cause is enough.
    if (err.message === last) return;
    last = err.message;
    process.stderr.write(
      `${JSON.stringify({ level: "error", time: Date.now(), service, event: Marker.LOG_WRITE_FAILED.name, msg: err.message })}\n`,
    );
  };
}

export class LogWriter {
  readonly service: string;
  readonly dir: string;
  readonly path: string;
  readonly retention_days: number;
  readonly buffer_bytes_max: number;
  readonly clock: () => number;
  readonly #hub: LogHub;
  readonly #ring: RingHandle;
  readonly #opened: Promise<void>;
  #closing: Promise<void> | null = null;
  #closed = false;
  #after_close = 0;

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
    const block_ms_max = opts.block_ms_max ?? DEFAULT_BLOCK_MS_MAX;
    if (!Number.isInteger(block_ms_max) || block_ms_max < 0) {
      throw new Error("log writer: block_ms_max must be an integer >= 0");
    }
    this.service = opts.service;
    this.dir = opts.dir;
    this.path = join(opts.dir, `${opts.service}.log`);
    this.retention_days = opts.retention_days;
    this.buffer_bytes_max = buffer_bytes_max;
    this.clock = opts.clock ?? Date.now;
    this.#hub = LogHub.shared();
    const { ring, opened } = this.#hub.register(
      {
        service: opts.service,
        dir: opts.dir,
        retention_days: opts.retention_days,
        compress: opts.compress ?? true,
        now_ms: this.clock(),
        buffer_bytes: buffer_bytes_max,
        block_ms_max,
      },
      opts.on_error ?? stderrReporter(opts.service),
    );
    this.#ring = ring;
    this.#opened = opened;
    // Reported through on_error already; open() rethrows it to a caller that asks.
    opened.catch(() => undefined);
  }

  /** Where the service's logger writes its records. */
  get producer(): RingProducer {
    return this.#ring.producer;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Lines lost since start: dropped for want of room (the worker gone or
   * stuck), written after close, or lost to a failed write.
   */
  get dropped(): number {
    const ctl = this.#ring.producer.control;
    return (
      (Atomics.load(ctl, Ctl.DROPPED) >>> 0) +
      (Atomics.load(ctl, Ctl.LOST) >>> 0) +
      this.#after_close
    );
  }

  /** Times a line waited for room in the ring, and the milliseconds spent waiting. */
  get waits(): number {
    return Atomics.load(this.#ring.producer.control, Ctl.WAITS) >>> 0;
  }

  get waited_ms(): number {
    return Atomics.load(this.#ring.producer.control, Ctl.WAITED_MS) >>> 0;
  }

  /** Lines the worker has written to the file so far. */
  get written(): number {
    return Atomics.load(this.#ring.producer.control, Ctl.WRITTEN) >>> 0;
  }

  /** Wall-clock milliseconds the log worker spent on this file's lines (reading, formatting, writing). */
  get worker_busy_ms(): number {
    return (Atomics.load(this.#ring.producer.control, Ctl.BUSY_US) >>> 0) / 1000;
  }

  /** Bytes of records waiting for the worker. */
  get buffered_bytes(): number {
    return this.#ring.producer.pending() * 8;
  }

  /**
   * Queues one whole line of text (pino's lines; the caller supplies the
   * newline). Returns false when the line was dropped.
   */
  write(line: string): boolean {
    if (this.#closed) {
      this.#after_close++;
      return false;
    }
    const text = line.endsWith("\n") ? line.slice(0, -1) : line;
    return this.#ring.producer.raw(LevelCode.info, this.clock(), text);
  }

  /**
   * Resolves once the worker has opened the file (created the folder, rolled
   * over an earlier day, applied retention); rejects when the folder is not
   * writable, so a service can fail fast at start-up.
   */
  open(): Promise<void> {
    if (this.#closed) return Promise.reject(new Error("log writer: closed"));
    return this.#opened;
  }

  /** Resolves once every line accepted so far is in the file (or counted as lost). */
  async flush(cb?: (err?: Error) => void): Promise<void> {
    if (!this.#closed) await this.#hub.request({ op: "flush", id: this.#ring.id });
    cb?.();
  }

  /** Like flush, then waits for the compression of rotated days to finish (tests, benches). */
  async settle(): Promise<void> {
    if (this.#closed) return;
    await this.#hub.request({ op: "settle", id: this.#ring.id });
  }

  /**
   * For tests of back-pressure and drops: stops (or restarts) the process's
   * log worker reading every ring, as a stalled disk would.
   */
  hold(paused: boolean): Promise<void> {
    return this.#hub.request({ op: "pause", paused });
  }

  /** Writes what is buffered, closes the file; later lines are dropped and counted. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      // A line started and not ended is ended now rather than left out.
      this.#ring.producer.end();
      this.#closed = true;
      try {
        await this.#hub.request({ op: "close", id: this.#ring.id });
      } finally {
        this.#hub.release(this.#ring.id);
      }
    })();
    return this.#closing;
  }
}
