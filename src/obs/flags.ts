// The names of the observability settings (flags and environment variables),
// apart from their parsing so the CLI can declare them without loading the
// logging and tracing libraries.

export const OBS_ENV = Object.freeze({
  log_dir: "BOURSE_LOG_DIR",
  log_level: "BOURSE_LOG_LEVEL",
  log_retention_days: "BOURSE_LOG_RETENTION_DAYS",
  log_sample_ppm: "BOURSE_LOG_SAMPLE_PPM",
  log_buffer_bytes_max: "BOURSE_LOG_BUFFER_BYTES_MAX",
  log_block_ms_max: "BOURSE_LOG_BLOCK_MS_MAX",
  otel_exporter: "BOURSE_OTEL_EXPORTER",
  otel_url: "BOURSE_OTEL_URL",
  otel_sample_ratio: "BOURSE_OTEL_SAMPLE_RATIO",
});

export const OBS_FLAGS = Object.freeze({
  log_dir: "--log-dir",
  log_level: "--log-level",
  log_retention_days: "--log-retention-days",
  log_sample_ppm: "--log-sample-ppm",
  log_buffer_bytes_max: "--log-buffer-bytes-max",
  log_block_ms_max: "--log-block-ms-max",
  otel_exporter: "--otel-exporter",
  otel_url: "--otel-url",
  otel_sample_ratio: "--otel-sample-ratio",
});
