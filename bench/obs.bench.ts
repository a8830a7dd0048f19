// Cost of observability on the hot path: one JSON line per case on stdout.
//   node --import tsx bench/obs.bench.ts [--ops N] [--runs R]
// ns_per_op is the median over runs. For logging to a file, call_ns_per_op is
// what the caller pays inside the logging calls; main_thread_ns_per_op is the
// calling thread's event-loop busy time per operation, and
// main_thread_cpu_ns_per_op its CPU time (Linux, /proc: on a machine busy with
// other work, wall-clock figures mostly measure the scheduler);
// wall_ns_per_op is elapsed time until the last line is in the file, which the
// log worker's formatting and the disk bound. The written cases use a ring
// large enough for the whole run, so the calls never wait for the worker and
// measure what a line costs the caller; waits says whether that held.
// worker_format_ns_per_line is what encoding one line into bytes costs (the
// log worker's formatter, run here on the calling thread, CPU time): what a
// service would pay per line if it encoded lines itself.

import { once } from "node:events";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Counter, Histogram, Registry } from "prom-client";
import { Field, Marker } from "../src/core/mod.ts";
import { LineFormatter } from "../src/obs/line-format.ts";
import type { ServiceLogger } from "../src/obs/mod.ts";
import {
  createLogger,
  createMetrics,
  eventEnabled,
  initTracing,
  logEvent,
  mergeRegistries,
  nullLogger,
  STAGE_BUCKETS_SECONDS,
} from "../src/obs/mod.ts";
import { createRingBuffers, LevelCode, RingConsumer, RingProducer } from "../src/obs/ring.ts";

const { values } = parseArgs({
  options: {
    ops: { type: "string", default: "1000000" },
    runs: { type: "string", default: "5" },
  },
});
const OPS = Number(values.ops);
const RUNS = Number(values.runs);
const BATCH = 1000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function emit(name: string, fields: Record<string, number | string>): void {
  process.stdout.write(
    `${JSON.stringify({
      case: name,
      ...fields,
      ops: OPS,
      runs: RUNS,
      node: process.version,
      cpus: cpus().length,
      // Other work on the machine inflates every figure; the load says how much to trust them.
      loadavg_1m: round(loadavg()[0]!),
    })}\n`,
  );
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

/** A synchronous operation: ns per call, median of RUNS after one warm-up run. */
function measureSync(name: string, op: (i: number) => void): void {
  const samples: number[] = [];
  for (let run = 0; run <= RUNS; run++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < OPS; i++) op(i);
    const ns = Number(process.hrtime.bigint() - t0) / OPS;
    if (run > 0) samples.push(ns);
  }
  emit(name, { ns_per_op: round(median(samples)) });
}

const yieldTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Logging through the real writer: lines are produced in batches of BATCH with
 * an event-loop turn between batches, as a service handling a burst would.
 */
function orderLine(log: ServiceLogger, i: number): boolean {
  return logEvent(log, Marker.ORDER_ACCEPTED, {
    event_id: String(i),
    order_id: i,
    user_id: 1000 + (i % 5000),
    symbol: "BTC_USDT",
    request_id: "r-123456789",
  });
}

/** The hot-path form the services use: the same line, field by field into the ring. */
function typedOrderLine(log: ServiceLogger, i: number): boolean {
  const line = log.line(Marker.ORDER_ACCEPTED, i);
  if (line === null) return false;
  line
    .idText(Field.event_id, i)
    .int(Field.order_id, i)
    .int(Field.user_id, 1000 + (i % 5000))
    .str(Field.symbol, "BTC_USDT")
    .str(Field.request_id, "r-123456789")
    .end();
  return true;
}

/** The object form, asked first: build the line's fields only when it will be written. */
function guardedOrderLine(log: ServiceLogger, i: number): boolean {
  return eventEnabled(log, Marker.ORDER_ACCEPTED, i) && orderLine(log, i);
}

/**
 * Encoding one line into bytes, as the log worker does: records of the same
 * line formatted on this thread. A design that encodes lines on the
 * service's thread pays at least this per line.
 */
function measureFormat(): void {
  const samples: number[] = [];
  const buffers = createRingBuffers(64 * 1024 * 1024);
  for (let run = 0; run <= RUNS; run++) {
    const producer = new RingProducer(buffers, 0, { wake: () => undefined });
    const consumer = new RingConsumer(buffers);
    const fmt = new LineFormatter("matching_engine", 4 * 1024 * 1024);
    const sink = { addId: () => undefined, unfiltered: () => undefined };
    let cpu_us = 0;
    for (let base = 0; base < OPS; base += BATCH) {
      for (let i = base; i < base + BATCH; i++) {
        if (!producer.beginEvent(LevelCode.info, Marker.ORDER_ACCEPTED.id, 1_800_000_000_000 + i)) {
          throw new Error("ring full");
        }
        producer
          .idText(Field.event_id, i)
          .int(Field.order_id, i)
          .int(Field.user_id, 1000 + (i % 5000))
          .str(Field.symbol, "BTC_USDT")
          .str(Field.request_id, "r-123456789")
          .end();
      }
      const c0 = process.cpuUsage();
      consumer.read(BATCH, (r) => {
        if (fmt.room() < 65536) fmt.used = 0;
        fmt.format(r, consumer, sink);
      });
      const c = process.cpuUsage(c0);
      cpu_us += c.user + c.system;
      consumer.release();
    }
    if (run > 0) samples.push((cpu_us * 1000) / OPS);
  }
  emit("worker_format_ns_per_line", { ns_per_op: round(median(samples)) });
}

/** CPU seconds of this thread, from /proc on Linux; NaN elsewhere. */
function threadCpuSeconds(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

async function measureLog(
  name: string,
  make: (dir: string) => ServiceLogger,
  op: (log: ServiceLogger, i: number) => boolean = orderLine,
): Promise<void> {
  const calls: number[] = [];
  const mains: number[] = [];
  const cpus_ns: number[] = [];
  const walls: number[] = [];
  let dropped = 0;
  let written = 0;
  let waits = 0;
  for (let run = 0; run <= RUNS; run++) {
    const dir = await mkdtemp(join(tmpdir(), "bourse-obs-bench-"));
    const log = make(dir);
    await log.open();
    let call_ns = 0;
    let lines = 0;
    const elu0 = performance.eventLoopUtilization();
    const cpu0 = threadCpuSeconds();
    const t0 = process.hrtime.bigint();
    for (let base = 0; base < OPS; base += BATCH) {
      const b0 = process.hrtime.bigint();
      for (let i = base; i < base + BATCH; i++) if (op(log, i)) lines++;
      call_ns += Number(process.hrtime.bigint() - b0);
      await yieldTurn();
    }
    const cpu_s = threadCpuSeconds() - cpu0;
    await log.close();
    const wall_ns = Number(process.hrtime.bigint() - t0);
    const busy_ms = performance.eventLoopUtilization(elu0).active;
    await rm(dir, { recursive: true, force: true });
    if (run > 0) {
      calls.push(call_ns / OPS);
      mains.push((busy_ms * 1e6) / OPS);
      cpus_ns.push((cpu_s * 1e9) / OPS);
      walls.push(wall_ns / OPS);
      dropped += log.writer?.dropped ?? 0;
      waits += log.writer?.waits ?? 0;
      written += lines;
    }
  }
  emit(name, {
    call_ns_per_op: round(median(calls)),
    main_thread_ns_per_op: round(median(mains)),
    main_thread_cpu_ns_per_op: round(median(cpus_ns)),
    wall_ns_per_op: round(median(walls)),
    lines_per_op: round(written / (OPS * RUNS)),
    dropped,
    waits,
  });
}

// Room for every line of a run: the calls measure the caller, not the worker's pace.
const RING_BYTES = 512 * 1024 * 1024;
const logger = (dir: string, sample_ppm: number, level: "info" | "warn" = "info") =>
  createLogger({
    service: "matching_engine",
    dir,
    level,
    retention_days: 1,
    sample_ppm,
    buffer_bytes_max: RING_BYTES,
  });

await measureLog("line_typed_written", (dir) => logger(dir, 1_000_000), typedOrderLine);
await measureLog("log_event_written", (dir) => logger(dir, 1_000_000));
await measureLog("line_typed_sampled_1pct", (dir) => logger(dir, 10_000), typedOrderLine);
await measureLog("line_typed_sampled_out", (dir) => logger(dir, 0), typedOrderLine);
await measureLog("log_event_guarded_sampled_out", (dir) => logger(dir, 0), guardedOrderLine);
await measureLog("line_typed_below_level", (dir) => logger(dir, 1_000_000, "warn"), typedOrderLine);
await measureLog("line_typed_off", () => nullLogger("matching_engine"), typedOrderLine);
measureFormat();

const m = createMetrics("matching_engine");
const accepted = m.orders_total.labels({ outcome: "accepted", reason: "none" });
const matchStage = m.stage_latency_seconds.labels({ stage: "match" });
const lag = m.settlement_lag_seconds;
measureSync("metrics_counter_inc", () => accepted.inc());
measureSync("metrics_counter_inc_unlabelled", () => m.trades_total.inc());
measureSync("metrics_histogram_observe", (i) => matchStage.observe((i & 1023) * 1e-6));
measureSync("metrics_gauge_set", (i) => lag.set(i));
measureSync("metrics_labels_lookup", () =>
  m.orders_total.labels({ outcome: "accepted", reason: "none" }),
);

// prom-client's own children, for comparison with the cells above.
const reg = new Registry();
const pc = new Counter({
  name: "c_total",
  help: "c",
  labelNames: ["outcome", "reason"],
  registers: [reg],
}).labels("accepted", "none");
const ph = new Histogram({
  name: "h_seconds",
  help: "h",
  labelNames: ["stage"],
  buckets: [...STAGE_BUCKETS_SECONDS],
  registers: [reg],
}).labels("match");
measureSync("prom_client_counter_child_inc", () => pc.inc());
measureSync("prom_client_histogram_child_observe", (i) => ph.observe((i & 1023) * 1e-6));

measureSync("timer_performance_now_pair", () => {
  const t0 = performance.now();
  matchStage.observe((performance.now() - t0) / 1e3);
});

const none = initTracing({ service: "ubscore", exporter: "none" });
const noTrace: Record<string, string> = { "bourse-event-id": "order_1" };
measureSync("trace_none_span_per_hop", () => {
  const span = none.startSpan("ubscore.handle", noTrace);
  none.inject(span, {});
  span.end();
});
// Recording spans go to a local OTLP/HTTP sink through the batch processor, as in production.
const sink = createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end("{}");
  });
});
sink.listen(0, "127.0.0.1");
await once(sink, "listening");
const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/v1/traces`;

async function measureTracing(name: string, sample_ratio: number): Promise<void> {
  const traceOps = Math.min(OPS, 100_000);
  const samples: number[] = [];
  for (let run = 0; run <= RUNS; run++) {
    const t = initTracing({
      service: "ubscore",
      exporter: "otlp",
      otlp_url: sinkUrl,
      sample_ratio,
    });
    const parent = t.inject(t.startSpan("gateway.handle"), {});
    const t0 = process.hrtime.bigint();
    for (let base = 0; base < traceOps; base += BATCH) {
      for (let i = base; i < base + BATCH; i++) {
        const span = t.startSpan("ubscore.handle", parent);
        t.inject(span, {});
        span.end();
      }
      await yieldTurn();
    }
    if (run > 0) samples.push(Number(process.hrtime.bigint() - t0) / traceOps);
    await t.shutdown();
  }
  emit(name, { ns_per_op: round(median(samples)) });
}

await measureTracing("trace_otlp_span_per_hop", 1);
await measureTracing("trace_otlp_unsampled_span_per_hop", 0);
sink.close();

const four = ["gateway", "ubscore", "matching_engine", "settlement"].map((s) => createMetrics(s));
for (const x of four) {
  for (const stage of ["decode", "risk", "match", "journal", "publish"]) {
    x.stage_latency_seconds.labels({ stage }).observe(0.00002);
  }
}
const merged = mergeRegistries(four.map((x) => x.registry));
{
  const samples: number[] = [];
  for (let run = 0; run <= RUNS; run++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 200; i++) await merged.metrics();
    if (run > 0) samples.push(Number(process.hrtime.bigint() - t0) / 200);
  }
  emit("metrics_scrape_embedded_four_services", { ns_per_op: round(median(samples)) });
}
