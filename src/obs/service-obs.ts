// Everything one service needs to be observable, built from the resolved
// options and wired together: the writer's drop and back-pressure counts feed
// the metrics, the log opens with SERVICE_STARTED and ends with
// SERVICE_STOPPED, and closing exports the last spans before the last log
// lines are written.

import { Marker } from "../core/mod.ts";
import { logLifecycle } from "./lifecycle.ts";
import type { ServiceLogger } from "./logger.ts";
import { createLogger, nullLogger } from "./logger.ts";
import type { ServiceMetrics } from "./metrics.ts";
import { createMetrics } from "./metrics.ts";
import type { ObsOptions } from "./options.ts";
import type { TraceExporterKind, Tracing } from "./tracing.ts";
import { initTracing } from "./tracing.ts";

export interface ServiceObs {
  readonly service: string;
  readonly log: ServiceLogger;
  readonly metrics: ServiceMetrics;
  readonly tracing: Tracing;
  /** SERVICE_READY: recovered and taking traffic (when /readyz turns true). */
  ready(fields?: Readonly<Record<string, unknown>>): void;
  /** SERVICE_STOPPING: a stop was asked for; the service drains before close(). */
  stopping(fields?: Readonly<Record<string, unknown>>): void;
  /** Flushes spans, then log lines (SERVICE_STOPPED last); for a graceful shutdown. Idempotent. */
  close(): Promise<void>;
}

export interface ServiceObsExtras {
  readonly clock?: () => number;
  /** prom-client's process metrics in this service's registry (distributed mode). */
  readonly process_metrics?: boolean;
  /** Replaces options.otel_exporter; tests pass "memory". */
  readonly trace_exporter?: TraceExporterKind;
}

export function createServiceObs(
  service: string,
  options: ObsOptions,
  extras: ServiceObsExtras = {},
): ServiceObs {
  const log =
    options.log_level === "silent"
      ? nullLogger(service)
      : createLogger({
          service,
          dir: options.log_dir,
          level: options.log_level,
          retention_days: options.log_retention_days,
          sample_ppm: options.log_sample_ppm,
          buffer_bytes_max: options.log_buffer_bytes_max,
          block_ms_max: options.log_block_ms_max,
          ...(extras.clock === undefined ? {} : { clock: extras.clock }),
        });
  const metrics = createMetrics(service, { process_metrics: extras.process_metrics === true });
  if (log.writer !== null) metrics.watchDrops(log.writer);
  logLifecycle(log, Marker.SERVICE_STARTED, {
    pid: process.pid,
    path: options.log_dir,
    mode:
      options.log_sample_ppm >= 1_000_000 ? "every line" : `sampled ${options.log_sample_ppm} ppm`,
  });
  const tracing = initTracing({
    service,
    exporter: extras.trace_exporter ?? options.otel_exporter,
    otlp_url: options.otel_url,
    sample_ratio: options.otel_sample_ratio,
  });
  let closing: Promise<void> | null = null;
  return {
    service,
    log,
    metrics,
    tracing,
    ready(fields = {}) {
      logLifecycle(log, Marker.SERVICE_READY, fields);
    },
    stopping(fields = {}) {
      logLifecycle(log, Marker.SERVICE_STOPPING, fields);
    },
    close() {
      closing ??= (async () => {
        try {
          await tracing.shutdown();
        } catch (err) {
          logLifecycle(log, Marker.TRACE_EXPORT_FAILED, { error: err }, "spans lost at shutdown");
        }
        logLifecycle(log, Marker.SERVICE_STOPPED, { pid: process.pid });
        await log.close();
      })();
      return closing;
    },
  };
}
