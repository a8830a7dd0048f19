// Options shared by the commands that run services: each has a flag and an
// environment variable (flag wins), documented in the README.

import { type Command, Option } from "commander";
// The defaults module has no imports: `bourse --help` must not load the HTTP server.
import { GATEWAY_DEFAULTS } from "../gateway/http/defaults.ts";
import type { GatewayOptions } from "../gateway/http/mod.ts";
import { OBS_ENV, OBS_FLAGS } from "../obs/mod.ts";
import type { KafkaLog } from "../transport/mod.ts";

export const ENV = {
  data_dir: "BOURSE_DATA_DIR",
  port: "BOURSE_PORT",
  host: "BOURSE_HOST",
  config: "BOURSE_CONFIG",
  sync: "BOURSE_SYNC",
  nats: "BOURSE_NATS_URL",
  database_url: "BOURSE_DATABASE_URL",
  database_schema: "BOURSE_DATABASE_SCHEMA",
  admin_port: "BOURSE_ADMIN_PORT",
  symbols: "BOURSE_SYMBOLS",
  prefix: "BOURSE_NATS_PREFIX",
  snapshot_every: "BOURSE_SNAPSHOT_EVERY",
  rate_limit_per_s: "BOURSE_RATE_LIMIT_PER_S",
  rate_limit_burst: "BOURSE_RATE_LIMIT_BURST",
  max_connections: "BOURSE_MAX_CONNECTIONS",
  api_metrics: "BOURSE_API_METRICS",
  control_timeout_ms: "BOURSE_CONTROL_TIMEOUT_MS",
  trace_workers: "BOURSE_TRACE_WORKERS",
  kafka: "BOURSE_KAFKA_BROKERS",
  kafka_prefix: "BOURSE_KAFKA_PREFIX",
} as const;

export function int(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`not a non-negative integer: ${text}`);
  return n;
}

export function configOption(): Option {
  return new Option(
    "--config <file>",
    "assets, symbols and limits (JSON); built-in defaults when omitted",
  ).env(ENV.config);
}

export function syncOption(): Option {
  return new Option(
    "--sync <mode>",
    'journal durability: "batch" (group commit, fsync per batch) or "none" (UNSAFE: no fsync, for benchmarks)',
  )
    .choices(["batch", "none"])
    .default("batch")
    .env(ENV.sync);
}

export function snapshotEveryOption(description: string): Option {
  return new Option("--snapshot-every <n>", description)
    .argParser(int)
    .default(100_000)
    .env(ENV.snapshot_every);
}

export interface GatewayFlags {
  rateLimitPerS: number;
  rateLimitBurst: number;
  maxConnections: number;
  apiMetrics: "on" | "off";
}

/**
 * The gateway's flags, the same on `start` and `gateway` except the default
 * of --api-metrics: `start` has no other place for its metrics unless given
 * --admin-port, a distributed gateway serves them on its admin port.
 */
export function addGatewayOptions(cmd: Command, api_metrics_default: "on" | "off"): Command {
  return cmd
    .addOption(
      new Option(
        "--rate-limit-per-s <n>",
        "requests per second per API key (0 turns the limit off)",
      )
        .argParser(int)
        .default(GATEWAY_DEFAULTS.rate_limit.rate_per_s)
        .env(ENV.rate_limit_per_s),
    )
    .addOption(
      new Option("--rate-limit-burst <n>", "burst allowed above the rate")
        .argParser(int)
        .default(GATEWAY_DEFAULTS.rate_limit.burst)
        .env(ENV.rate_limit_burst),
    )
    .addOption(
      new Option(
        "--max-connections <n>",
        "open HTTP connections at most; more are answered 503 TOO_MANY_CONNECTIONS and closed",
      )
        .argParser(int)
        .default(GATEWAY_DEFAULTS.max_connections)
        .env(ENV.max_connections),
    )
    .addOption(
      new Option(
        "--api-metrics <on|off>",
        "serve /metrics on the public API port too (anyone who reaches the port can read it)",
      )
        .choices(["on", "off"])
        .default(api_metrics_default)
        .env(ENV.api_metrics),
    );
}

/** The gateway options those flags ask for. */
export function gatewayOptionsFrom(o: GatewayFlags): GatewayOptions {
  return {
    rate_limit:
      o.rateLimitPerS === 0
        ? null
        : { rate_per_s: o.rateLimitPerS, burst: Math.max(1, o.rateLimitBurst) },
    max_connections: o.maxConnections,
  };
}

/** The port a listening server got (the asked one unless it was 0). */
export function boundPort(server: { address(): unknown }, asked: number): number {
  const a = server.address();
  return typeof a === "object" && a !== null && "port" in a ? Number(a.port) : asked;
}

/** --log-*, --otel-* flags, the same on every service command. */
export function addObsOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(`${OBS_FLAGS.log_dir} <dir>`, "folder of the JSON log files").env(OBS_ENV.log_dir),
    )
    .addOption(
      new Option(`${OBS_FLAGS.log_level} <level>`, "fatal|error|warn|info|debug|trace|silent").env(
        OBS_ENV.log_level,
      ),
    )
    .addOption(
      new Option(`${OBS_FLAGS.log_retention_days} <n>`, "days a rotated log file is kept").env(
        OBS_ENV.log_retention_days,
      ),
    )
    .addOption(
      new Option(
        `${OBS_FLAGS.log_sample_ppm} <n>`,
        "per-order lines kept, per million (1000000 = all); deposit, withdrawal and refusal lines are always kept",
      ).env(OBS_ENV.log_sample_ppm),
    )
    .addOption(
      new Option(`${OBS_FLAGS.otel_exporter} <kind>`, 'traces: "none" or "otlp"').env(
        OBS_ENV.otel_exporter,
      ),
    )
    .addOption(
      new Option(`${OBS_FLAGS.otel_url} <url>`, "OTLP/HTTP traces endpoint").env(OBS_ENV.otel_url),
    )
    .addOption(
      new Option(`${OBS_FLAGS.otel_sample_ratio} <r>`, "share of traces recorded, 0..1").env(
        OBS_ENV.otel_sample_ratio,
      ),
    );
}

/** One JSON line on stdout: what a process says when it is up (scripts wait for it). */
export function announce(fields: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(fields)}\n`);
}

export interface KafkaFlags {
  /** Comma-separated bootstrap brokers; absent when the process does not use Kafka. */
  kafka?: string;
  kafkaPrefix: string;
}

/** --kafka and --kafka-prefix: the event log on Kafka instead of NATS JetStream. */
export function addKafkaOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        "--kafka <brokers>",
        "Kafka bootstrap brokers, comma-separated (host:port,...): the event log on Apache Kafka (this or --nats)",
      ).env(ENV.kafka),
    )
    .addOption(
      new Option(
        "--kafka-prefix <name>",
        "Kafka topic name prefix (one per exchange sharing the cluster)",
      )
        .default("bourse")
        .env(ENV.kafka_prefix),
    );
}

/** The event log on the brokers those flags name, checked to answer; loads the Kafka client only when called. */
export async function connectKafkaLog(o: KafkaFlags, service: string): Promise<KafkaLog> {
  if (o.kafka === undefined || o.kafka.trim() === "") {
    throw new Error(`--kafka (or ${ENV.kafka}) names no broker`);
  }
  const { connectKafka, splitBrokers } = await import("../transport/mod.ts");
  return connectKafka({
    brokers: splitBrokers(o.kafka),
    prefix: o.kafkaPrefix,
    client_id: `bourse-${service}`,
  });
}
