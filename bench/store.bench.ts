// Settlement store write throughput on settlement's real write pattern.
//
//   node --import tsx bench/store.bench.ts [--trades 200000] [--batch 500]
//        [--backends sqlite,sqlite-full,pglite,postgres,postgres-async,sqlite-memory]
//        [--users 10000] [--seed 7] [--pg-url postgres://...]
//
// The input is the real one: the seeded mixed order flow of `bourse bench
// generate` goes through the combined core, and its outputs are cut into
// batches of --batch outputs. Only store.apply() is timed; producing the
// outputs is not. Prints one JSON line per backend, with the rows per trade
// of each table.

import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { generateFlow, toCommand } from "../src/bench/mod.ts";
import { Core, type CoreOutput, compile, DEFAULT_CONFIG, type Spec } from "../src/core/mod.ts";
import {
  type CoreBatch,
  createPgStore,
  openPostgresStore,
  openSqliteStore,
  type SettlementStore,
  singleConnection,
} from "../src/store/mod.ts";

const { values: args } = parseArgs({
  options: {
    trades: { type: "string", default: "200000" },
    batch: { type: "string", default: "500" },
    backends: {
      type: "string",
      default: "sqlite,sqlite-full,pglite,postgres,postgres-async",
    },
    "pg-url": { type: "string", default: "postgres://postgres@127.0.0.1:5432/test" },
    seed: { type: "string", default: "7" },
    users: { type: "string", default: "10000" },
  },
});
const TRADES = Number(args.trades);
const BATCH = Number(args.batch);

/** The core's outputs of a real flow, cut into batches of settlement's size. */
function* batches(spec: Spec): Generator<{ batch: CoreBatch; trades: number }> {
  const core = new Core(spec);
  let outputs: CoreOutput[] = [];
  let trades = 0;
  let batchTrades = 0;
  let ts_ms = 1_700_000_000_000;
  const cut = () => {
    const out = { batch: { outputs }, trades: batchTrades };
    outputs = [];
    batchTrades = 0;
    return out;
  };
  for (const line of generateFlow(spec, {
    commands: Number.MAX_SAFE_INTEGER,
    seed: Number(args.seed),
    users: Number(args.users),
  })) {
    let cmd: ReturnType<typeof toCommand>;
    try {
      cmd = toCommand(spec, line, ts_ms++);
    } catch {
      continue; // refused at the gateway: never reaches the core
    }
    const o = core.apply(cmd);
    outputs.push(o);
    trades += o.trades.length;
    batchTrades += o.trades.length;
    if (outputs.length >= BATCH) yield cut();
    if (trades >= TRADES) break;
  }
  if (outputs.length > 0) yield cut();
}

interface Opened {
  store: SettlementStore;
  bytes(): Promise<number>;
  dispose(): Promise<void>;
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const s = statSync(join(dir, name));
    if (s.isFile()) total += s.size;
  }
  return total;
}

async function openBackend(name: string, spec: Spec): Promise<Opened> {
  const symbols = spec.symbols;
  if (name === "sqlite" || name === "sqlite-full") {
    const dir = mkdtempSync(join(os.tmpdir(), "bourse-store-bench-"));
    const synchronous = name === "sqlite" ? "NORMAL" : "FULL";
    const store = openSqliteStore(join(dir, "settlement.db"), { symbols, synchronous });
    return {
      store,
      bytes: async () => dirBytes(dir),
      async dispose() {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  if (name === "sqlite-memory") {
    // Not durable, not an option for settlement: the CPU ceiling of the same writes.
    const store = openSqliteStore(":memory:", { symbols });
    return { store, bytes: async () => 0, dispose: () => store.close() };
  }
  if (name === "pglite") {
    const dir = mkdtempSync(join(os.tmpdir(), "bourse-store-bench-pglite-"));
    const db = await PGlite.create(dir);
    const store = createPgStore(
      singleConnection(db, () => db.close()),
      { symbols, schema: "public" },
    );
    return {
      store,
      bytes: async () => dirBytes(dir),
      async dispose() {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  if (name === "postgres" || name === "postgres-async") {
    const url = args["pg-url"];
    const schema = `bourse_bench_${process.pid}`;
    const synchronous_commit = name === "postgres";
    const store = await openPostgresStore(url, { symbols, schema, synchronous_commit });
    const admin = async (sql: string) => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        return await c.query(sql);
      } finally {
        await c.end();
      }
    };
    return {
      store,
      async bytes() {
        const r = await admin(
          `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint AS b FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '${schema}' AND c.relkind = 'r'`,
        );
        return Number(r.rows[0]?.b ?? 0);
      },
      async dispose() {
        await store.close();
        await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      },
    };
  }
  throw new Error(`unknown backend ${name}`);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

async function run(name: string, spec: Spec): Promise<Record<string, unknown>> {
  const opened = await openBackend(name, spec);
  const { store } = opened;
  await store.migrate();
  let rows = 0;
  const tables: Record<string, number> = {};
  let outputs = 0;
  let trades = 0;
  let apply_ns = 0n;
  let cpu_us = 0;
  const batch_ms: number[] = [];
  const wall0 = process.hrtime.bigint();
  for (const { batch, trades: t } of batches(spec)) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const r = await store.apply(batch);
    const dt = process.hrtime.bigint() - t0;
    const c = process.cpuUsage(c0);
    cpu_us += c.user + c.system;
    apply_ns += dt;
    batch_ms.push(Number(dt) / 1e6);
    rows += r.rows;
    for (const [t, n] of Object.entries(r.tables)) tables[t] = (tables[t] ?? 0) + n;
    outputs += batch.outputs.length;
    trades += t;
  }
  const wall_s = Number(process.hrtime.bigint() - wall0) / 1e9;
  // Prove the data landed: a sample of reads right after the writes.
  const position = await store.position();
  const bytes = await opened.bytes();
  await opened.dispose();
  const seconds = Number(apply_ns) / 1e9;
  batch_ms.sort((a, b) => a - b);
  return {
    backend: name,
    trades,
    outputs,
    rows,
    rows_per_trade: Math.round((rows / trades) * 10) / 10,
    rows_per_trade_by_table: Object.fromEntries(
      Object.entries(tables).map(([t, n]) => [t, Math.round((n / trades) * 100) / 100]),
    ),
    batches: batch_ms.length,
    batch_outputs: BATCH,
    apply_seconds: Math.round(seconds * 100) / 100,
    rows_per_s: Math.round(rows / seconds),
    /** This process only: for PostgreSQL the server's CPU is not in it. */
    client_cpu_seconds: Math.round(cpu_us / 1e4) / 100,
    trades_per_s: Math.round(trades / seconds),
    outputs_per_s: Math.round(outputs / seconds),
    batch_ms_p50: Math.round(percentile(batch_ms, 0.5) * 10) / 10,
    batch_ms_p99: Math.round(percentile(batch_ms, 0.99) * 10) / 10,
    wall_seconds_incl_generation: Math.round(wall_s * 10) / 10,
    db_mib: Math.round(bytes / 2 ** 20),
    position: position?.seq ?? 0,
  };
}

const spec = compile(DEFAULT_CONFIG);
for (const name of args.backends.split(",")) {
  console.log(JSON.stringify(await run(name.trim(), spec)));
}
