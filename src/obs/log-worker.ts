// The log worker: one thread per process that turns the records of every
// service's ring into JSON lines, writes the files, rotates, indexes and
// compresses them. The services' threads only fill their rings.
//
// It drains each ring in turns of up to DRAIN_RECORDS records, as fast as it
// can while there are records, and polls at a falling rate when idle. A
// request (flush, close, settle) is answered once what was published before
// it is in the file. At the process's exit the producer sets EXIT_REQ and
// waits; the worker writes what is left and answers in EXIT_ACK.

import { parentPort } from "node:worker_threads";
import { Marker } from "../core/mod.ts";
import { LogFile } from "./log-file.ts";
import { Ctl, type RecordView, type RingBuffers, RingConsumer } from "./ring.ts";

export type WorkerRequest =
  | {
      readonly op: "open";
      readonly id: number;
      readonly token: number;
      readonly service: string;
      readonly dir: string;
      readonly retention_days: number;
      readonly compress: boolean;
      readonly now_ms: number;
      readonly buffers: RingBuffers;
    }
  | { readonly op: "flush"; readonly token: number; readonly id: number | null }
  | { readonly op: "close"; readonly token: number; readonly id: number }
  | { readonly op: "settle"; readonly token: number; readonly id: number }
  | { readonly op: "pause"; readonly token: number; readonly paused: boolean };

export type WorkerReply =
  | { readonly op: "done"; readonly token: number; readonly error?: string }
  | { readonly op: "error"; readonly id: number; readonly message: string };

const DRAIN_RECORDS = 8192;
const IDLE_POLL_MS_MAX = 20;
const REPORT_EVERY_MS = 1000;

interface Ring {
  readonly id: number;
  readonly service: string;
  readonly consumer: RingConsumer;
  readonly file: LogFile;
  readonly append: (r: RecordView) => void;
  reported_drops: number;
  reported_waits: number;
  reported_waited_ms: number;
  engaged: boolean;
  engaged_waits: number;
  engaged_ms: number;
  last_report_ms: number;
  exited: boolean;
}

const port = parentPort;
if (port === null) throw new Error("log worker: not in a worker thread");

const rings = new Map<number, Ring>();
let paused = false;
let idle_ms = 1;
let timer: NodeJS.Timeout | null = null;

function send(reply: WorkerReply): void {
  port?.postMessage(reply);
}

function reportError(id: number, err: Error): void {
  send({ op: "error", id, message: err.message });
}

/** Reads and formats what the ring holds; true when there was something. */
function drain(ring: Ring, all: boolean): boolean {
  let any = false;
  const t0 = performance.now();
  for (;;) {
    const n = ring.consumer.read(DRAIN_RECORDS, ring.append);
    if (n === 0) break;
    any = true;
    // Slots go back to the producer only once their lines are in the file: a
    // process that exits when its ring is empty has lost nothing.
    ring.file.flush();
    ring.consumer.release();
    Atomics.add(ring.consumer.ctl, Ctl.WRITTEN, n);
    if (!all) break;
  }
  if (any) Atomics.add(ring.consumer.ctl, Ctl.BUSY_US, Math.round((performance.now() - t0) * 1000));
  return any;
}

function report(ring: Ring, now_ms: number): void {
  const ctl = ring.consumer.ctl;
  const drops = (Atomics.load(ctl, Ctl.DROPPED) >>> 0) + (Atomics.load(ctl, Ctl.LOST) >>> 0);
  if (drops > ring.reported_drops) {
    const count = drops - ring.reported_drops;
    ring.reported_drops = drops;
    line(ring, now_ms, "warn", Marker.LOG_LINES_DROPPED.name, {
      count,
      dropped_total: drops,
      msg: "log lines lost: the writer fell behind or the file system failed",
    });
  }
  const waits = Atomics.load(ctl, Ctl.WAITS) >>> 0;
  const waited = Atomics.load(ctl, Ctl.WAITED_MS) >>> 0;
  if (waits > ring.reported_waits) {
    if (!ring.engaged) {
      line(ring, now_ms, "warn", Marker.BACKPRESSURE_ENGAGED.name, {
        stage: "log_writer",
        msg: "the log writer is behind: the service waits for it rather than lose lines",
      });
      ring.engaged = true;
      ring.engaged_waits = 0;
      ring.engaged_ms = 0;
    }
    ring.engaged_waits += waits - ring.reported_waits;
    ring.engaged_ms += waited - ring.reported_waited_ms;
    ring.reported_waits = waits;
    ring.reported_waited_ms = waited;
    ring.last_report_ms = now_ms;
  } else if (ring.engaged && now_ms - ring.last_report_ms >= REPORT_EVERY_MS) {
    ring.engaged = false;
    line(ring, now_ms, "info", Marker.BACKPRESSURE_RELEASED.name, {
      stage: "log_writer",
      count: ring.engaged_waits,
      waited_ms: ring.engaged_ms + (waited - ring.reported_waited_ms),
    });
    ring.reported_waited_ms = waited;
  }
}

function line(
  ring: Ring,
  time: number,
  level: string,
  event: string,
  fields: Record<string, unknown>,
): void {
  const { msg, ...rest } = fields;
  const text = JSON.stringify({ level, time, service: ring.service, event, ...rest, msg });
  ring.file.appendText(text, time);
  ring.file.flush();
}

function exitRequested(ring: Ring): void {
  const ctl = ring.consumer.ctl;
  if (ring.exited || Atomics.load(ctl, Ctl.EXIT_REQ) !== 1) return;
  ring.exited = true;
  drain(ring, true);
  report(ring, Date.now());
  ring.file.closeBlock();
  Atomics.store(ctl, Ctl.EXIT_ACK, 1);
  Atomics.notify(ctl, Ctl.EXIT_ACK);
}

function tick(): void {
  timer = null;
  let busy = false;
  const now_ms = Date.now();
  for (const ring of rings.values()) {
    try {
      if (!paused) busy = drain(ring, false) || busy;
      exitRequested(ring);
      report(ring, now_ms);
    } catch (err) {
      reportError(ring.id, err instanceof Error ? err : new Error(String(err)));
    }
  }
  idle_ms = busy ? 1 : Math.min(IDLE_POLL_MS_MAX, idle_ms * 2);
  schedule(busy);
}

function schedule(now: boolean): void {
  if (timer !== null) {
    if (!now) return;
    clearTimeout(timer);
  }
  timer = now ? setTimeout(tick, 0) : setTimeout(tick, idle_ms);
}

function ringOf(id: number): Ring {
  const r = rings.get(id);
  if (r === undefined) throw new Error(`log worker: no ring ${id}`);
  return r;
}

async function handle(msg: WorkerRequest): Promise<void> {
  switch (msg.op) {
    case "open": {
      const file = new LogFile({
        service: msg.service,
        dir: msg.dir,
        retention_days: msg.retention_days,
        compress: msg.compress,
        on_error: (err) => reportError(msg.id, err),
        on_lost: (n) => Atomics.add(new Int32Array(msg.buffers.control), Ctl.LOST, n),
      });
      const consumer = new RingConsumer(msg.buffers);
      const ring: Ring = {
        id: msg.id,
        service: msg.service,
        consumer,
        file,
        append: (r) => file.append(r, consumer),
        reported_drops: 0,
        reported_waits: 0,
        reported_waited_ms: 0,
        engaged: false,
        engaged_waits: 0,
        engaged_ms: 0,
        last_report_ms: 0,
        exited: false,
      };
      rings.set(msg.id, ring);
      file.open(msg.now_ms);
      schedule(true);
      return;
    }
    case "flush":
      for (const ring of msg.id === null ? rings.values() : [ringOf(msg.id)]) {
        if (!paused) drain(ring, true);
        report(ring, Date.now());
      }
      return;
    case "close": {
      const ring = rings.get(msg.id);
      if (ring === undefined) return;
      drain(ring, true);
      report(ring, Date.now());
      rings.delete(msg.id);
      ring.file.close();
      return;
    }
    case "settle": {
      const ring = ringOf(msg.id);
      drain(ring, true);
      ring.file.closeBlock();
      await ring.file.settled();
      return;
    }
    case "pause":
      paused = msg.paused;
      schedule(true);
      return;
  }
}

port.on("message", (msg: WorkerRequest) => {
  handle(msg).then(
    () => send({ op: "done", token: msg.token }),
    (err: unknown) =>
      send({
        op: "done",
        token: msg.token,
        error: err instanceof Error ? err.message : String(err),
      }),
  );
});

schedule(true);
