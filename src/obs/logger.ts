// A service's structured log: pino formats each line as JSON in the calling
// thread and hands it to the service's LogWriter, which owns the file.
//
// Line shape: {"level":"info","time":<ms epoch>,"service":"ubscore",
// "event":"DEPOSIT_CONSUMED","event_id":...,<ids>,"msg":...}. `time` is
// milliseconds since the epoch, the cheapest form to produce; `jq` turns it into
// a date with `.time/1000|todate`.

import type { Logger } from "pino";
import { pino } from "pino";
import { LogWriter } from "./log-writer.ts";
import type { EventLevel } from "./sampler.ts";
import { isSampled, markerPolicy, PPM_ALL } from "./sampler.ts";

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

export const LOG_LEVELS: readonly LogLevel[] = [
  "fatal",
  "error",
  "warn",
  "info",
  "debug",
  "trace",
  "silent",
];

export interface LoggerOptions {
  readonly service: string;
  readonly dir: string;
  readonly level: LogLevel;
  readonly retention_days: number;
  /** Share of sampled event lines kept, per million; 1_000_000 keeps all. */
  readonly sample_ppm?: number;
  readonly clock?: () => number;
  readonly buffer_bytes_max?: number;
  readonly on_error?: (err: Error) => void;
}

export interface ServiceLogger {
  readonly service: string;
  /** The pino logger, for free-form lines and child loggers. */
  readonly logger: Logger;
  /** The file writer; null when logging is off. */
  readonly writer: LogWriter | null;
  readonly sample_ppm: number;
  readonly enabled: boolean;
  /** Writes one event line at a level the caller checked is enabled. */
  writeEvent(level: EventLevel, event: string, fields: EventFields, msg: string | undefined): void;
  /** Opens the file now; rejects when the folder is not writable. */
  open(): Promise<void>;
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** Identifiers a business-event line may carry; all become top-level JSON fields. */
export interface EventFields {
  readonly event_id: string;
  // Undefined fields are left out of the line, so callers may pass what they have.
  readonly user_id?: number | string | bigint | undefined;
  readonly asset?: string | undefined;
  readonly symbol?: string | undefined;
  readonly order_id?: number | string | bigint | undefined;
  readonly trade_id?: number | string | bigint | undefined;
  readonly request_id?: string | undefined;
  readonly trace_id?: string | undefined;
  readonly [field: string]: unknown;
}

export interface EventOptions {
  /** Id that decides sampling; defaults to order_id, then event_id. */
  readonly sampleKey?: string | number | bigint;
  /** Overrides the level implied by the marker. */
  readonly level?: EventLevel;
  readonly msg?: string;
}

function checkPpm(sample_ppm: number): number {
  if (!Number.isInteger(sample_ppm) || sample_ppm < 0 || sample_ppm > PPM_ALL) {
    throw new Error(`logger: sample_ppm must be an integer in 0..${PPM_ALL}`);
  }
  return sample_ppm;
}

export function createLogger(opts: LoggerOptions): ServiceLogger {
  if (!LOG_LEVELS.includes(opts.level)) {
    throw new Error(`logger: level must be one of ${LOG_LEVELS.join(", ")}`);
  }
  const sample_ppm = checkPpm(opts.sample_ppm ?? PPM_ALL);
  const clock = opts.clock ?? Date.now;
  const writer = new LogWriter({
    service: opts.service,
    dir: opts.dir,
    retention_days: opts.retention_days,
    clock,
    ...(opts.buffer_bytes_max === undefined ? {} : { buffer_bytes_max: opts.buffer_bytes_max }),
    ...(opts.on_error === undefined ? {} : { on_error: opts.on_error }),
  });
  const logger = pino(
    {
      level: opts.level,
      base: { service: opts.service },
      messageKey: "msg",
      timestamp: () => `,"time":${clock()}`,
      formatters: { level: (label) => ({ level: label }) },
    },
    writer,
  );
  const head = {
    info: `{"level":"info","time":`,
    warn: `{"level":"warn","time":`,
    error: `{"level":"error","time":`,
  };
  const service_json = `,"service":${JSON.stringify(opts.service)},"event":`;
  return {
    service: opts.service,
    logger,
    writer,
    sample_ppm,
    enabled: opts.level !== "silent",
    writeEvent(level, event, fields, msg) {
      const body = encodeFlat(fields);
      if (body === null) {
        const line = { event, ...fields };
        if (msg === undefined) logger[level](line);
        else logger[level](line, msg);
        return;
      }
      const tail = msg === undefined ? "}\n" : `,"msg":${JSON.stringify(msg)}}\n`;
      writer.write(`${head[level]}${clock()}${service_json}${JSON.stringify(event)}${body}${tail}`);
    },
    open: () => writer.open(),
    flush: () => writer.flush(),
    close: () => writer.close(),
  };
}

// `,"key":` for each field name seen, so a line costs one concatenation per field.
const KEY_CACHE_MAX = 1024;
const encodedKeys = new Map<string, string>();

function encodedKey(key: string): string {
  let k = encodedKeys.get(key);
  if (k === undefined) {
    k = `,${JSON.stringify(key)}:`;
    if (encodedKeys.size < KEY_CACHE_MAX) encodedKeys.set(key, k);
  }
  return k;
}

/**
 * The fields of an event line as JSON members (each with a leading comma),
 * or null when one is not a primitive: those lines go through pino, whose
 * serializers know errors and nested objects. Event lines are flat ids and
 * amounts, and pino's generic path costs about twice this one per line.
 */
function encodeFlat(fields: EventFields): string | null {
  let out = "";
  for (const key in fields) {
    const v = fields[key];
    switch (typeof v) {
      case "undefined":
        continue;
      case "string":
        out += encodedKey(key) + JSON.stringify(v);
        continue;
      case "number":
        out += encodedKey(key) + (Number.isFinite(v) ? String(v) : "null");
        continue;
      case "bigint":
        out += encodedKey(key) + v.toString();
        continue;
      case "boolean":
        out += encodedKey(key) + (v ? "true" : "false");
        continue;
      default:
        if (v === null) {
          out += `${encodedKey(key)}null`;
          continue;
        }
        return null;
    }
  }
  return out;
}

/** Logging off: every call returns at the first check and nothing is formatted. */
export function nullLogger(service = "none"): ServiceLogger {
  return {
    service,
    // An explicit sink keeps pino from opening its default stdout destination.
    logger: pino({ enabled: false }, { write: () => undefined }),
    writer: null,
    sample_ppm: 0,
    enabled: false,
    writeEvent: () => undefined,
    open: () => Promise.resolve(),
    flush: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}

/**
 * The level a business-event line would be written at, or null when it would
 * not be written (logging off, level below threshold, or sampled out).
 */
function decide(
  log: ServiceLogger,
  event: string,
  key: string | number | bigint | undefined,
  override: EventLevel | undefined,
): EventLevel | null {
  if (!log.enabled) return null;
  const policy = markerPolicy(event);
  const level = override ?? policy.level;
  if (!log.logger.isLevelEnabled(level)) return null;
  // A caller raising a line to warn or error makes it a refusal or failure: never thinned.
  if (!policy.always && level === "info" && log.sample_ppm < PPM_ALL) {
    if (key === undefined || !isSampled(key, log.sample_ppm)) return null;
  }
  return level;
}

/**
 * Whether `logEvent` would write this marker for this id. Lets a hot path skip
 * building the fields of a line that sampling would discard.
 */
export function eventEnabled(
  log: ServiceLogger,
  event: string,
  sampleKey?: string | number | bigint,
): boolean {
  return decide(log, event, sampleKey, undefined) !== null;
}

/**
 * Writes one business-event line with `event` and the given ids as top-level
 * fields. Markers of deposits, withdrawals, refusals and failures are always
 * written; others are kept for the ids the sampler selects. Returns whether a
 * line was produced.
 */
export function logEvent(
  log: ServiceLogger,
  event: string,
  fields: EventFields,
  opts?: EventOptions,
): boolean {
  const level = decide(
    log,
    event,
    opts?.sampleKey ?? fields.order_id ?? fields.event_id,
    opts?.level,
  );
  if (level === null) return false;
  log.writeEvent(level, event, fields, opts?.msg);
  return true;
}
