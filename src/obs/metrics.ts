// The metrics of one service, in a registry of its own: the four services of
// an embedded process and the tests each get separate series, and every series
// carries a `service` label so merged output stays distinguishable.

import { collectDefaultMetrics, Registry } from "prom-client";
import type { CounterCell } from "./metric-cells.ts";
import { CounterVec, GaugeVec, HistogramVec, LazyCounter, LazyGauge } from "./metric-cells.ts";

/** 5 µs to 1 s: the core stages take microseconds, settlement's database writes milliseconds. */
export const STAGE_BUCKETS_SECONDS: readonly number[] = Object.freeze([
  0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
  0.05, 0.1, 0.25, 0.5, 1,
]);

export interface MetricsOptions {
  /** Adds prom-client's process and Node.js metrics (CPU, memory, event-loop lag, GC). */
  readonly process_metrics?: boolean;
}

/** Anything that counts lost log lines, such as a LogWriter; waits are its back-pressure. */
export interface DropSource {
  readonly dropped: number;
  readonly waits?: number;
  readonly waited_ms?: number;
}

export interface ServiceMetrics {
  readonly service: string;
  readonly registry: Registry;
  // Every series appears once its service first writes it: a registry holds
  // every family, and a series at 0 in a service that never writes it would
  // look like data. The drop counter is the exception: every service logs.
  readonly deposits_total: LazyCounter;
  readonly withdrawals_total: LazyCounter;
  /** outcome: accepted | rejected; reason: a Reject code or "none". */
  readonly orders_total: CounterVec<"outcome" | "reason">;
  readonly trades_total: LazyCounter;
  readonly rejections_total: CounterVec<"reason">;
  readonly errors_total: CounterVec<"kind">;
  readonly stage_latency_seconds: HistogramVec<"stage">;
  /** Seconds from an engine output being produced to settlement committing it. */
  readonly settlement_lag_seconds: LazyGauge;
  readonly log_lines_dropped_total: CounterCell;
  /** Times a service waited for room in its log ring, and the seconds it waited. */
  /** Makes the log counters follow the source's counts, read at each scrape. */
  watchDrops(source: DropSource): void;
}

export function createMetrics(service: string, opts: MetricsOptions = {}): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (opts.process_metrics === true) collectDefaultMetrics({ register: registry });

  const sources: { source: DropSource; seen: number; waits: number; waited_ms: number }[] = [];
  // Reading the writers' own counts at scrape time keeps the log path free of metric work.
  const follow = (
    read: (s: DropSource) => number,
    key: "seen" | "waits" | "waited_ms",
    cell: () => CounterCell,
    scale = 1,
  ) => {
    for (const entry of sources) {
      const now = read(entry.source);
      if (now > entry[key]) cell().inc((now - entry[key]) * scale);
      entry[key] = now;
    }
  };
  const dropped = new CounterVec<never>(
    "bourse_log_lines_dropped_total",
    "Log lines lost because the log writer fell behind or the file system failed",
    [],
    () =>
      follow(
        (s) => s.dropped,
        "seen",
        () => dropped.labels({}),
      ),
  ).register(registry);
  const waits = new CounterVec<never>(
    "bourse_log_backpressure_waits_total",
    "Times a log line waited for room in the log writer's ring (back-pressure)",
    [],
    () =>
      follow(
        (s) => s.waits ?? 0,
        "waits",
        () => waits.labels({}),
      ),
  ).register(registry);
  const waited = new CounterVec<never>(
    "bourse_log_backpressure_seconds_total",
    "Seconds log lines waited for room in the log writer's ring",
    [],
    () =>
      follow(
        (s) => s.waited_ms ?? 0,
        "waited_ms",
        () => waited.labels({}),
        0.001,
      ),
  ).register(registry);

  const counter = (name: string, help: string): LazyCounter =>
    new LazyCounter(new CounterVec<never>(name, help, []).register(registry));

  return {
    service,
    registry,
    deposits_total: counter("bourse_deposits_total", "Deposits credited"),
    withdrawals_total: counter("bourse_withdrawals_total", "Withdrawals debited"),
    orders_total: new CounterVec("bourse_orders_total", "Orders by outcome and reason", [
      "outcome",
      "reason",
    ] as const).register(registry),
    trades_total: counter("bourse_trades_total", "Trades executed"),
    rejections_total: new CounterVec(
      "bourse_rejections_total",
      "Commands refused, by reason code",
      ["reason"] as const,
    ).register(registry),
    errors_total: new CounterVec("bourse_errors_total", "Internal errors, by kind", [
      "kind",
    ] as const).register(registry),
    stage_latency_seconds: new HistogramVec(
      "bourse_stage_latency_seconds",
      "Time spent in one processing stage",
      ["stage"] as const,
      STAGE_BUCKETS_SECONDS,
    ).register(registry),
    settlement_lag_seconds: new LazyGauge(
      new GaugeVec<never>(
        "bourse_settlement_lag_seconds",
        "Seconds between an engine output and its commit by settlement",
        [],
      ).register(registry),
    ),
    log_lines_dropped_total: dropped.labels({}),
    watchDrops(source) {
      sources.push({ source, seen: 0, waits: 0, waited_ms: 0 });
    },
  };
}

/** Process-wide metrics without a service label, for the one endpoint of an embedded process. */
export function createProcessMetrics(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}
