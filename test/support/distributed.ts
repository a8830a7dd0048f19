// The exchange as separate processes over NATS JetStream (or Apache Kafka)
// and PostgreSQL: the sequencer (`bourse ubscore`, UBSCore with the matching
// engines), settlement and a gateway, each run by its `bourse <service>`
// command, with a stream (or topic) prefix and a database schema of their own
// so test runs never meet.

import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import pg from "pg";
import { streamNamePrefix } from "../../src/transport/nats/names.ts";
import { deleteTopics } from "../contract/kafka-env.ts";
import type { Key, Running } from "./exchange-process.ts";
import { spawnBourse } from "./exchange-process.ts";
import { KAFKA_BROKERS, NATS_URL, PG_URL, uniqueName } from "./gates.ts";
import type { LedgerRow } from "./seed-scenario.ts";

export type ServiceName = "ubscore" | "settlement" | "gateway";

const BIN = new URL("../../bin/bourse.js", import.meta.url).pathname;

export interface DistributedOptions {
  /** The event log the services run on; default NATS JetStream. */
  transport?: "nats" | "kafka";
  nats_url?: string;
  kafka_brokers?: string;
  /** The database URL the services use (a proxy in fault tests); checks read PG_URL directly. */
  pg_url?: string;
  /** A fixed gateway port, so clients keep their URL across gateway restarts. */
  gateway_port?: number;
}

export class Distributed {
  readonly prefix = uniqueName("e2e");
  readonly schema = uniqueName("e2e");
  readonly procs = new Map<ServiceName, Running>();
  readonly nats_url: string;
  readonly kafka_brokers: string;
  readonly transport: "nats" | "kafka";
  private readonly service_pg_url: string;

  constructor(
    readonly dir: string,
    private readonly opts: DistributedOptions = {},
  ) {
    mkdirSync(dir, { recursive: true });
    this.nats_url = opts.nats_url ?? NATS_URL;
    this.kafka_brokers = opts.kafka_brokers ?? KAFKA_BROKERS;
    this.transport = opts.transport ?? "nats";
    this.service_pg_url = opts.pg_url ?? PG_URL;
  }

  private args(service: ServiceName): string[] {
    const via =
      this.transport === "kafka"
        ? ["--kafka", this.kafka_brokers, "--kafka-prefix", this.prefix]
        : ["--nats", this.nats_url, "--nats-prefix", this.prefix];
    const common = [
      ...via,
      "--admin-port",
      "0",
      "--log-dir",
      join(this.dir, "logs"),
      "--log-sample-ppm",
      "1000000",
    ];
    const db = ["--database-url", this.service_pg_url, "--database-schema", this.schema];
    switch (service) {
      case "ubscore":
        return ["ubscore", "--data-dir", join(this.dir, "ubscore"), ...common];
      case "settlement":
        return ["settlement", ...db, ...common];
      case "gateway":
        return [
          "gateway",
          "--port",
          String(this.opts.gateway_port ?? 0),
          "--rate-limit-per-s",
          "0",
          "--data-dir",
          join(this.dir, "gateway"),
          ...db,
          ...common,
        ];
    }
  }

  async startService(service: ServiceName): Promise<Running> {
    const r = await spawnBourse(this.args(service), join(this.dir, `${service}.stderr`));
    this.procs.set(service, r);
    return r;
  }

  /** Upstream first, so each service finds what it consumes. */
  async start(): Promise<string> {
    for (const s of ["ubscore", "settlement", "gateway"] as const) await this.startService(s);
    return this.gatewayUrl();
  }

  gatewayUrl(): string {
    return String(this.procs.get("gateway")?.started.url ?? "");
  }

  async stop(): Promise<(number | null)[]> {
    const codes: (number | null)[] = [];
    for (const s of ["gateway", "ubscore", "settlement"] as const) {
      const p = this.procs.get(s);
      if (p !== undefined) codes.push(await p.stop());
      this.procs.delete(s);
    }
    return codes;
  }

  createKey(who: { user: number } | "operator"): Key {
    const args = ["keys", "create", "--data-dir", join(this.dir, "gateway"), "--json"];
    if (who === "operator") args.push("--operator");
    else args.push("--user", String(who.user));
    return JSON.parse(execFileSync(process.execPath, [BIN, ...args], { encoding: "utf8" })) as Key;
  }

  async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      await client.query(`SET search_path = ${this.schema}`);
      const r = await client.query(sql, params);
      return r.rows as T[];
    } finally {
      await client.end();
    }
  }

  async ledger(user_id: number): Promise<LedgerRow[]> {
    const rows = await this.query<Record<string, string>>(
      "SELECT * FROM balance_ledger WHERE user_id = $1 ORDER BY asset_id, seq",
      [user_id],
    );
    return rows.map((r) => ({
      user_id: Number(r.user_id),
      asset_id: Number(r.asset_id),
      seq: Number(r.seq),
      kind: Number(r.kind),
      delta_avail: Number(r.delta_avail),
      delta_frozen: Number(r.delta_frozen),
      avail: Number(r.avail),
      frozen: Number(r.frozen),
    }));
  }

  /** Stop what still runs, drop the schema and the streams (or topics). */
  async dispose(): Promise<void> {
    for (const p of this.procs.values()) await p.kill();
    this.procs.clear();
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      await client.query(`DROP SCHEMA IF EXISTS ${this.schema} CASCADE`);
    } finally {
      await client.end();
    }
    if (this.transport === "kafka") {
      await deleteTopics(this.kafka_brokers, this.prefix);
      return;
    }
    const nc = await connect({ servers: this.nats_url });
    try {
      const jsm = await jetstreamManager(nc);
      const start = streamNamePrefix(this.prefix);
      for await (const name of jsm.streams.names())
        if (name.startsWith(start)) await jsm.streams.delete(name);
    } finally {
      await nc.close();
    }
  }
}
