// A service's structured log. Marker lines, the per-command ones included,
// are written as typed records into the service's ring (`line()`: a few
// stores per field, no string built, nothing allocated), and the log worker
// formats them; free-form lines (errors, notices) go through pino, whose
// text lands in the same ring, so both keep their order in the file.
//
// Line shape: {"level":"info","time":<ms epoch>,"service":"ubscore",
// "event":"ORDER_ACCEPTED","event_id":...,<fields>,"msg":...}. `time` is
// milliseconds since the epoch; `jq` turns it into a date with
// `.time/1000|todate`.

import type { Logger } from "pino";
import { pino } from "pino";
import { allMarkers, FIELD_NAMES, isIdField, type MarkerSpec } from "../core/mod.ts";
import { LogWriter } from "./log-writer.ts";
import { DYNAMIC_FIELD_BASE, LevelCode, type RingProducer } from "./ring.ts";
import type { EventLevel } from "./sampler.ts";
import { isSampled, PPM_ALL } from "./sampler.ts";

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
  /** Share of sampled marker lines kept, per million; 1_000_000 (the default) keeps all. */
  readonly sample_ppm?: number;
  readonly clock?: () => number;
  readonly buffer_bytes_max?: number;
  readonly block_ms_max?: number;
  readonly compress?: boolean;
  readonly on_error?: (err: Error) => void;
}

/**
 * The line being written: add fields by their registry id (`Field.order_id`),
 * then `end()`. The same object serves every line of the logger, so end a
 * line before starting the next; a line not ended is ended by the next one.
 */
export type EventLine = Pick<
  RingProducer,
  "int" | "num" | "idText" | "str" | "bool" | "nul" | "json" | "end"
>;

export interface ServiceLogger {
  readonly service: string;
  /** The pino logger, for free-form lines and child loggers. */
  readonly logger: Logger;
  /** The file writer; null when logging is off. */
  readonly writer: LogWriter | null;
  readonly sample_ppm: number;
  readonly enabled: boolean;
  /**
   * Starts a marker line; null when it will not be written (logging off,
   * level below the threshold, sampled out, or no room: dropped and counted).
   * `sampleKey` is the id sampling decides by (see sampler.ts); a line
   * without one is always written.
   */
  line(marker: MarkerSpec, sampleKey?: string | number, level?: EventLevel): EventLine | null;
  /** The field id of a name, static (the registry's) or named now for this log. */
  field(name: string): number | null;
  /** Opens the file now; rejects when the folder is not writable. */
  open(): Promise<void>;
  flush(): Promise<void>;
  /** flush, then wait for the compression of rotated days (tests, benches). */
  settle(): Promise<void>;
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
  /** Id that decides sampling; defaults to order_id. */
  readonly sampleKey?: string | number;
  /** Overrides the level of the marker. */
  readonly level?: EventLevel;
  readonly msg?: string;
}

function checkPpm(sample_ppm: number): number {
  if (!Number.isInteger(sample_ppm) || sample_ppm < 0 || sample_ppm > PPM_ALL) {
    throw new Error(`logger: sample_ppm must be an integer in 0..${PPM_ALL}`);
  }
  return sample_ppm;
}

const STATIC_FIELDS: ReadonlyMap<string, number> = new Map(FIELD_NAMES.map((n, i) => [n, i]));
/** pino's numeric levels, which `line()` compares with the logger's threshold. */
const PINO_LEVEL = { error: 50, warn: 40, info: 30 } as const;
const DYNAMIC_FIELDS_MAX = 4096;

/** Lines a cached clock reading may stamp before the clock is read again. */
const CLOCK_LINES = 8;

class RingLogger implements ServiceLogger {
  readonly service: string;
  readonly logger: Logger;
  readonly writer: LogWriter;
  readonly sample_ppm: number;
  readonly enabled = true;
  readonly #producer: RingProducer;
  readonly #clock: () => number;
  readonly #dynamic = new Map<string, number>();
  readonly #sampling: boolean;
  /** Per marker id: written at its own level (the logger's threshold allows it). */
  #allowed: boolean[] = [];
  #threshold = 0;
  #closed = false;
  // The clock is read for the first line of an event-loop turn and then every
  // CLOCK_LINES lines: lines written in one burst of work are microseconds
  // apart, and the read costs more than the rest of a short line.
  #now = 0;
  #stamped = CLOCK_LINES;
  #turn_queued = false;
  readonly #turn = () => {
    this.#turn_queued = false;
    this.#stamped = CLOCK_LINES;
  };
  /** A test's clock is read for every line: it may jump between two of them. */
  readonly #cached_clock: boolean;

  constructor(opts: LoggerOptions, writer: LogWriter, sample_ppm: number) {
    this.service = opts.service;
    this.writer = writer;
    this.sample_ppm = sample_ppm;
    this.#sampling = sample_ppm < PPM_ALL;
    this.#producer = writer.producer;
    this.#clock = writer.clock;
    this.#cached_clock = opts.clock === undefined;
    const clock = this.#clock;
    this.logger = pino(
      {
        level: opts.level,
        base: { service: opts.service },
        messageKey: "msg",
        timestamp: () => `,"time":${clock()}`,
        formatters: { level: (label) => ({ level: label }) },
      },
      writer,
    );
    this.#setThreshold(this.logger.levelVal);
    this.logger.on("level-change", (_label, value) => this.#setThreshold(value));
  }

  #setThreshold(value: number): void {
    this.#threshold = value;
    this.#allowed = allMarkers().map((m) => PINO_LEVEL[m.level] >= value);
  }

  #time(): number {
    if (this.#stamped >= CLOCK_LINES) {
      if (!this.#turn_queued) {
        this.#turn_queued = true;
        queueMicrotask(this.#turn);
      }
      this.#now = this.#clock();
      this.#stamped = 0;
    }
    this.#stamped++;
    return this.#now;
  }

  line(marker: MarkerSpec, sampleKey?: string | number, level?: EventLevel): EventLine | null {
    if (level === undefined) {
      if (this.#allowed[marker.id] !== true) return null;
      // A line that may be thinned, thinned only when sampling is on and there is a key.
      if (
        this.#sampling &&
        marker.sampled &&
        marker.level === "info" &&
        sampleKey !== undefined &&
        !isSampled(sampleKey, this.sample_ppm)
      ) {
        return null;
      }
    } else if (PINO_LEVEL[level] < this.#threshold) {
      return null;
    } else if (
      // A caller raising a line to warn or error makes it a refusal or failure: never thinned.
      this.#sampling &&
      marker.sampled &&
      level === "info" &&
      sampleKey !== undefined &&
      !isSampled(sampleKey, this.sample_ppm)
    ) {
      return null;
    }
    if (this.#closed) {
      this.#producer.countDrop();
      return null;
    }
    const code = LevelCode[level ?? marker.level];
    // Markers that are not business events (start, stop, recovery) read the clock themselves.
    const time = marker.sampled && this.#cached_clock ? this.#time() : this.#clock();
    return this.#producer.beginEvent(code, marker.id, time) ? this.#producer : null;
  }

  field(name: string): number | null {
    const known = STATIC_FIELDS.get(name) ?? this.#dynamic.get(name);
    if (known !== undefined) return known;
    if (this.#dynamic.size >= DYNAMIC_FIELDS_MAX) return null;
    const id = DYNAMIC_FIELD_BASE + this.#dynamic.size;
    // Named in the ring before any line uses it; if there is no room, try again next time.
    if (!this.#producer.define(id, name, isIdField(name))) return null;
    this.#dynamic.set(name, id);
    return id;
  }

  open(): Promise<void> {
    return this.writer.open();
  }

  flush(): Promise<void> {
    return this.writer.flush();
  }

  settle(): Promise<void> {
    return this.writer.settle();
  }

  close(): Promise<void> {
    this.#closed = true;
    return this.writer.close();
  }
}

export function createLogger(opts: LoggerOptions): ServiceLogger {
  if (!LOG_LEVELS.includes(opts.level)) {
    throw new Error(`logger: level must be one of ${LOG_LEVELS.join(", ")}`);
  }
  const sample_ppm = checkPpm(opts.sample_ppm ?? PPM_ALL);
  // Logging off: no file, no worker.
  if (opts.level === "silent") return nullLogger(opts.service);
  const writer = new LogWriter({
    service: opts.service,
    dir: opts.dir,
    retention_days: opts.retention_days,
    ...(opts.clock === undefined ? {} : { clock: opts.clock }),
    ...(opts.buffer_bytes_max === undefined ? {} : { buffer_bytes_max: opts.buffer_bytes_max }),
    ...(opts.block_ms_max === undefined ? {} : { block_ms_max: opts.block_ms_max }),
    ...(opts.compress === undefined ? {} : { compress: opts.compress }),
    ...(opts.on_error === undefined ? {} : { on_error: opts.on_error }),
  });
  return new RingLogger(opts, writer, sample_ppm);
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
    line: () => null,
    field: () => null,
    open: () => Promise.resolve(),
    flush: () => Promise.resolve(),
    settle: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}

/**
 * Whether a line of this marker would be written for this sample key, for
 * callers that must compute something before they can start the line.
 */
export function eventEnabled(
  log: ServiceLogger,
  marker: MarkerSpec,
  sampleKey?: string | number,
): boolean {
  if (!log.enabled) return false;
  if (PINO_LEVEL[marker.level] < log.logger.levelVal) return false;
  if (!marker.sampled || log.sample_ppm >= PPM_ALL || sampleKey === undefined) return true;
  return isSampled(sampleKey, log.sample_ppm);
}

function serializeError(err: Error): string {
  return JSON.stringify({ type: err.name, message: err.message, stack: err.stack });
}

/** Adds one field of any type to a line. */
function put(line: EventLine, id: number, v: unknown): void {
  switch (typeof v) {
    case "string":
      line.str(id, v);
      return;
    case "number":
      if (Number.isSafeInteger(v)) line.int(id, v);
      else line.num(id, v);
      return;
    case "bigint":
      line.json(id, v.toString());
      return;
    case "boolean":
      line.bool(id, v);
      return;
    case "undefined":
      return;
    default:
      if (v === null) line.nul(id);
      else if (v instanceof Error) line.json(id, serializeError(v));
      else line.json(id, JSON.stringify(v) ?? "null");
  }
}

/**
 * Writes one marker line with the given fields as top-level JSON members
 * (for paths where a fields object is convenient: the gateway, transfers,
 * lifecycle). The hot path uses `log.line()` and field ids instead. Returns
 * whether a line was produced.
 */
export function logEvent(
  log: ServiceLogger,
  marker: MarkerSpec,
  fields: EventFields,
  opts?: EventOptions,
): boolean {
  return writeFields(log, marker, fields, opts);
}

/** logEvent without the business-event shape (lifecycle lines have no event id). */
export function writeFields(
  log: ServiceLogger,
  marker: MarkerSpec,
  fields: Readonly<Record<string, unknown>>,
  opts?: EventOptions,
): boolean {
  if (!log.enabled) return false;
  // Field names are resolved first: a new one is named in the ring before the line.
  const ids: number[] = [];
  for (const key in fields) {
    if (fields[key] === undefined) {
      ids.push(-1);
      continue;
    }
    const id = log.field(key);
    if (id === null) return false;
    ids.push(id);
  }
  const key = opts?.sampleKey ?? sampleKeyOf(fields.order_id);
  const line = log.line(marker, key, opts?.level);
  if (line === null) return false;
  let i = 0;
  for (const k in fields) {
    const id = ids[i++] as number;
    if (id >= 0) put(line, id, fields[k]);
  }
  line.end(opts?.msg);
  return true;
}

function sampleKeyOf(v: unknown): string | number | undefined {
  if (typeof v === "string" || typeof v === "number") return v;
  if (typeof v === "bigint") return v.toString();
  return undefined;
}
