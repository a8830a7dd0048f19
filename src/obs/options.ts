// Observability settings shared by every service: defaults, environment
// variables and command-line flags resolve here, once, into checked values.
// Precedence: flag, then environment, then default.

import { ConfigError } from "../core/mod.ts";
import { OBS_ENV as ENV_NAMES, OBS_FLAGS as FLAG_NAMES } from "./flags.ts";
import { DEFAULT_BLOCK_MS_MAX, DEFAULT_BUFFER_BYTES_MAX } from "./log-writer.ts";
import type { LogLevel } from "./logger.ts";
import { LOG_LEVELS } from "./logger.ts";
import { PPM_ALL } from "./sampler.ts";
import { DEFAULT_OTLP_URL } from "./tracing.ts";

export interface ObsOptions {
  readonly log_dir: string;
  readonly log_level: LogLevel;
  readonly log_retention_days: number;
  readonly log_sample_ppm: number;
  readonly log_buffer_bytes_max: number;
  /** Longest wait of a line for room in the log ring before it is dropped (and counted). */
  readonly log_block_ms_max: number;
  /** "memory" exists for tests only and is not accepted here. */
  readonly otel_exporter: "none" | "otlp";
  readonly otel_url: string;
  /** Share of new traces recorded, 0..1. */
  readonly otel_sample_ratio: number;
}

export const OBS_DEFAULTS: ObsOptions = Object.freeze({
  log_dir: "logs",
  log_level: "info",
  log_retention_days: 7,
  // Everything: a line costs the service's thread a few typed-array stores
  // (the log worker formats and writes it), so every marker of every event is
  // written by default; sampling per-order lines is an operator's opt-in.
  log_sample_ppm: 1_000_000,
  log_buffer_bytes_max: DEFAULT_BUFFER_BYTES_MAX,
  log_block_ms_max: DEFAULT_BLOCK_MS_MAX,
  otel_exporter: "none",
  otel_url: DEFAULT_OTLP_URL,
  otel_sample_ratio: 1,
});

/** Environment variable of each setting; OTEL_EXPORTER_OTLP_TRACES_ENDPOINT also sets otel_url. */
export const OBS_ENV: Readonly<Record<keyof ObsOptions, string>> = ENV_NAMES;

/** Command-line flag of each setting, as the CLI should declare it. */
export const OBS_FLAGS: Readonly<Record<keyof ObsOptions, string>> = FLAG_NAMES;

export type ObsFlags = { readonly [K in keyof ObsOptions]?: string | number | undefined };

function integer(what: string, raw: string | number, min: number, max: number): number {
  const n = typeof raw === "number" ? raw : /^\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new ConfigError(
      `${what} must be an integer in ${min}..${max}, got ${JSON.stringify(raw)}`,
    );
  }
  return n;
}

export function resolveObsOptions(
  flags: ObsFlags = {},
  env: Readonly<Record<string, string | undefined>> = process.env,
): ObsOptions {
  const pick = (key: keyof ObsOptions): string | number | undefined => {
    const flag = flags[key];
    if (flag !== undefined) return flag;
    const fromEnv = env[OBS_ENV[key]];
    return fromEnv === undefined || fromEnv === "" ? undefined : fromEnv;
  };
  const name = (key: keyof ObsOptions): string => `${OBS_FLAGS[key]} (${OBS_ENV[key]})`;

  const log_dir = String(pick("log_dir") ?? OBS_DEFAULTS.log_dir);
  if (log_dir === "") throw new ConfigError(`${name("log_dir")} must not be empty`);

  const level = String(pick("log_level") ?? OBS_DEFAULTS.log_level);
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new ConfigError(`${name("log_level")} must be one of ${LOG_LEVELS.join(", ")}`);
  }

  const exporter = String(pick("otel_exporter") ?? OBS_DEFAULTS.otel_exporter);
  if (exporter !== "none" && exporter !== "otlp") {
    throw new ConfigError(`${name("otel_exporter")} must be none or otlp`);
  }

  const url = String(
    pick("otel_url") ?? env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] ?? OBS_DEFAULTS.otel_url,
  );
  if (!URL.canParse(url)) throw new ConfigError(`${name("otel_url")} is not a URL: ${url}`);

  const ratioRaw = pick("otel_sample_ratio");
  const ratio = ratioRaw === undefined ? OBS_DEFAULTS.otel_sample_ratio : Number(ratioRaw);
  if (
    (typeof ratioRaw === "string" && !/^\d*\.?\d+$/.test(ratioRaw.trim())) ||
    !(ratio >= 0 && ratio <= 1)
  ) {
    throw new ConfigError(`${name("otel_sample_ratio")} must be a number in 0..1`);
  }

  const retention = pick("log_retention_days");
  const ppm = pick("log_sample_ppm");
  const buffer = pick("log_buffer_bytes_max");
  const block = pick("log_block_ms_max");
  return {
    log_dir,
    log_level: level as LogLevel,
    log_retention_days:
      retention === undefined
        ? OBS_DEFAULTS.log_retention_days
        : integer(name("log_retention_days"), retention, 0, 36_500),
    log_sample_ppm:
      ppm === undefined
        ? OBS_DEFAULTS.log_sample_ppm
        : integer(name("log_sample_ppm"), ppm, 0, PPM_ALL),
    log_buffer_bytes_max:
      buffer === undefined
        ? OBS_DEFAULTS.log_buffer_bytes_max
        : integer(name("log_buffer_bytes_max"), buffer, 4096, 2 ** 31),
    log_block_ms_max:
      block === undefined
        ? OBS_DEFAULTS.log_block_ms_max
        : integer(name("log_block_ms_max"), block, 0, 3_600_000),
    otel_exporter: exporter,
    otel_url: url,
    otel_sample_ratio: ratio,
  };
}
