// The observability library's public surface: structured logs, metrics and
// traces for every service. Nothing outside src/obs imports its other files.

export type { AdminServer, AdminServerOptions } from "./admin-server.ts";
export { startAdminServer } from "./admin-server.ts";
export { GZIP_LEVEL } from "./compress.ts";
export type { MetricsSource } from "./exposition.ts";
export { mergeRegistries, renderRegistries } from "./exposition.ts";
export {
  DEFAULT_SETTLEMENT_LAG_MS_MAX,
  logLifecycle,
  logRecovery,
  logSnapshot,
  type RecoveryFacts,
  settlementLagWatch,
  ThresholdWatch,
} from "./lifecycle.ts";
export {
  BLOCK_BYTES_MAX,
  blockMayHold,
  decodeIndex,
  GZIP_SUFFIX,
  INDEX_SUFFIX,
  type IndexEntry,
  idHash,
  indexBytes,
  type LogFileName,
  parseLogFileName,
} from "./log-index.ts";
export type { LogWriterOptions } from "./log-writer.ts";
export { DEFAULT_BLOCK_MS_MAX, DEFAULT_BUFFER_BYTES_MAX, LogWriter } from "./log-writer.ts";
export type {
  EventFields,
  EventLine,
  EventOptions,
  LoggerOptions,
  LogLevel,
  ServiceLogger,
} from "./logger.ts";
export {
  createLogger,
  eventEnabled,
  LOG_LEVELS,
  logEvent,
  nullLogger,
  writeFields,
} from "./logger.ts";
export type { LabelSet } from "./metric-cells.ts";
export {
  CounterCell,
  CounterVec,
  GaugeCell,
  GaugeVec,
  HistogramCell,
  HistogramVec,
  LazyCounter,
  LazyGauge,
} from "./metric-cells.ts";
export type { DropSource, MetricsOptions, ServiceMetrics } from "./metrics.ts";
export { createMetrics, createProcessMetrics, STAGE_BUCKETS_SECONDS } from "./metrics.ts";
export type { ObsFlags, ObsOptions } from "./options.ts";
export { OBS_DEFAULTS, OBS_ENV, OBS_FLAGS, resolveObsOptions } from "./options.ts";
export { removeExpired, SERVICE_NAME_RE } from "./retention.ts";
export type { EventLevel, MarkerPolicy } from "./sampler.ts";
export { isSampled, markerPolicy, PPM_ALL, sampleHash } from "./sampler.ts";
export type { ServiceObs, ServiceObsExtras } from "./service-obs.ts";
export { createServiceObs } from "./service-obs.ts";
export type { MessageHeaders, TraceExporterKind, Tracing, TracingOptions } from "./tracing.ts";
export {
  DEFAULT_OTLP_URL,
  initTracing,
  TRACE_EXPORTERS,
  traceIdOf,
} from "./tracing.ts";
