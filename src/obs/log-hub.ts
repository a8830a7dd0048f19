// The service side of the log worker: one worker thread per process, shared
// by every service logger in it (four in embedded mode), started with the
// first logger. It holds the process open only while lines wait to be
// written or a request is unanswered, like a pending write would; at exit
// (process.exit included) it gives the worker up to EXIT_WAIT_MS to write
// what the rings still hold. Only kill -9 (or a crash of the process) loses
// the lines still in a ring.

import { Worker } from "node:worker_threads";
import type { WorkerReply, WorkerRequest } from "./log-worker.ts";
import { Ctl, createRingBuffers, type RingBuffers, RingProducer } from "./ring.ts";

const BOOT_URL = new URL("./log-worker-boot.mjs", import.meta.url);
const ENTRY_URL = new URL("./log-worker.ts", import.meta.url);
const EXIT_WAIT_MS = 2000;
/** How often a process with unwritten lines checks whether the worker has written them. */
const KEEPALIVE_MS = 10;

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

export interface RingHandle {
  readonly id: number;
  readonly producer: RingProducer;
  readonly buffers: RingBuffers;
}

type Request = WorkerRequest extends infer R
  ? R extends { token: number }
    ? Omit<R, "token">
    : never
  : never;

export class LogHub {
  static #shared: LogHub | null = null;

  /** The process's hub, started on first use. */
  static shared(): LogHub {
    if (LogHub.#shared === null || LogHub.#shared.#dead) LogHub.#shared = new LogHub();
    return LogHub.#shared;
  }

  readonly #worker: Worker;
  readonly #rings = new Map<number, RingHandle>();
  readonly #errors = new Map<number, (err: Error) => void>();
  readonly #waiters = new Map<number, Waiter>();
  #next_id = 1;
  #next_token = 1;
  #refs = 0;
  #awake = false;
  #dead = false;
  readonly #onExit = () => this.#exitFlush();

  private constructor() {
    this.#worker = new Worker(BOOT_URL, { workerData: { entry: ENTRY_URL.href } });
    this.#worker.unref();
    this.#worker.on("message", (m: WorkerReply) => this.#reply(m));
    this.#worker.on("error", (err) => this.#die(err));
    this.#worker.on("exit", (code) => this.#die(new Error(`log worker exited with code ${code}`)));
    process.on("exit", this.#onExit);
  }

  /** A ring for one service's file; the worker opens the file at once. */
  register(
    opts: {
      service: string;
      dir: string;
      retention_days: number;
      compress: boolean;
      now_ms: number;
      buffer_bytes: number;
      block_ms_max: number;
    },
    on_error: (err: Error) => void,
  ): { ring: RingHandle; opened: Promise<void> } {
    const id = this.#next_id++;
    const buffers = createRingBuffers(opts.buffer_bytes);
    const producer = new RingProducer(buffers, opts.block_ms_max, { wake: () => this.wake() });
    if (this.#dead) Atomics.store(producer.control, Ctl.DEAD, 1);
    const ring = { id, producer, buffers };
    this.#rings.set(id, ring);
    this.#errors.set(id, on_error);
    const opened = this.request({
      op: "open",
      id,
      service: opts.service,
      dir: opts.dir,
      retention_days: opts.retention_days,
      compress: opts.compress,
      now_ms: opts.now_ms,
      buffers,
    });
    return { ring, opened };
  }

  /** Sends a request; resolves when the worker answered. */
  request(req: Request): Promise<void> {
    if (this.#dead) {
      return req.op === "open"
        ? Promise.reject(new Error("log worker is not running"))
        : Promise.resolve();
    }
    const token = this.#next_token++;
    return new Promise<void>((resolve, reject) => {
      this.#waiters.set(token, { resolve, reject });
      this.#ref();
      this.#worker.postMessage({ ...req, token } as WorkerRequest);
    });
  }

  /** Drops a ring once its file is closed. */
  release(id: number): void {
    this.#rings.delete(id);
    this.#errors.delete(id);
  }

  /**
   * Called after every published line. While lines wait, a timer keeps the
   * process alive (the worker does not) and checks every KEEPALIVE_MS whether
   * the worker has read them: no message per line or per burst, and a
   * process that has nothing else to do ends once its lines are out.
   */
  wake(): void {
    if (this.#awake || this.#dead) return;
    this.#awake = true;
    setTimeout(this.#keepalive, KEEPALIVE_MS);
  }

  readonly #keepalive = (): void => {
    for (const r of this.#rings.values()) {
      if (r.producer.pending() > 0 && !this.#dead) {
        setTimeout(this.#keepalive, KEEPALIVE_MS);
        return;
      }
    }
    this.#awake = false;
  };

  #ref(): void {
    if (this.#refs++ === 0) this.#worker.ref();
  }

  #unref(): void {
    if (--this.#refs === 0) this.#worker.unref();
  }

  #reply(m: WorkerReply): void {
    if (m.op === "error") {
      this.#errors.get(m.id)?.(new Error(m.message));
      return;
    }
    const w = this.#waiters.get(m.token);
    if (w === undefined) return;
    this.#waiters.delete(m.token);
    this.#unref();
    if (m.error === undefined) w.resolve();
    else w.reject(new Error(m.error));
  }

  #die(err: Error): void {
    if (this.#dead) return;
    this.#dead = true;
    process.off("exit", this.#onExit);
    for (const r of this.#rings.values()) Atomics.store(r.producer.control, Ctl.DEAD, 1);
    for (const [id, report] of this.#errors) {
      report(err);
      this.#errors.delete(id);
    }
    for (const w of this.#waiters.values()) w.reject(err);
    this.#waiters.clear();
  }

  /** At process exit: let the worker write what the rings hold, within EXIT_WAIT_MS. */
  #exitFlush(): void {
    const waiting = [...this.#rings.values()].filter((r) => r.producer.pending() > 0);
    for (const r of waiting) Atomics.store(r.producer.control, Ctl.EXIT_REQ, 1);
    const deadline = Date.now() + EXIT_WAIT_MS;
    for (const r of waiting) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      Atomics.wait(r.producer.control, Ctl.EXIT_ACK, 0, left);
    }
  }
}
