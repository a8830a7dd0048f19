// Settlement under a sustained trade rate, as the sequencer would feed it:
// the combined core makes maker/taker pairs (one trade each) on the main
// thread at a fixed rate, its sealed outputs are cut into output batches
// every batch_ms, and the batches go to settlement: into SQLite through the
// worker thread (embedded), into PostgreSQL through the output topic of a
// local event log and startSettlement (distributed), and the same way into
// Cassandra (the CQL store, one keyspace per run). Open loop: each batch's
// lag runs from when its first output was due to the commit that covers it,
// so a settlement that falls behind shows as lag, never as a slower feed.

import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import {
  type Command,
  CommandKind,
  Core,
  OrderType,
  OutputBatchWriter,
  Side,
  type Spec,
  Stp,
  TimeInForce,
} from "../core/mod.ts";
import { type CommitReport, startSettlement, startSettlementWorker } from "../settlement/mod.ts";
import {
  openCqlStore,
  openPostgresStore,
  parseCqlUrl,
  type SettlementStore,
} from "../store/mod.ts";
import { LocalLog } from "../transport/mod.ts";

export type SettlementBenchDatabase = "sqlite" | "postgres" | "cassandra";

export interface SettlementBenchOptions {
  spec: Spec;
  trades_per_s: number;
  seconds: number;
  databases: readonly SettlementBenchDatabase[];
  pg_url: string;
  /** cassandra://host:port/<keyspace>; the run uses its own keyspace beside it. */
  cql_url?: string;
  /** The sequencer's batching: outputs due in this window travel as one batch. */
  batch_ms?: number;
  users?: number;
  /** PostgreSQL's synchronous_commit for the store's connections (default: the server's). */
  synchronous_commit?: boolean;
  /**
   * The sequencer's back-pressure: the feed pauses while more outputs than
   * this wait to be committed (lag keeps counting from when each was due).
   * Default 500,000 (about 250 MB of batches).
   */
  backlog_limit?: number;
}

export interface SettlementBenchResult {
  mode: "settlement";
  database: SettlementBenchDatabase;
  path: "worker thread" | "output topic + startSettlement";
  trades_per_s_target: number;
  seconds: number;
  trades: number;
  outputs: number;
  batches: number;
  rows: number;
  rows_per_trade: number;
  rows_per_trade_by_table: Record<string, number>;
  /** Rows and trades committed per second, from the first batch due to the last commit. */
  rows_per_s: number;
  trades_per_s: number;
  /** From a batch's first output being due to the commit covering it. */
  lag_ms: { p50: number; p90: number; p99: number; max: number };
  /** How far the feed itself ran behind its schedule (the main thread is shared, or back-pressure paused it). */
  feed_behind_ms_max: number;
  /** How long back-pressure held the feed (backlog above backlog_limit). */
  feed_paused_ms: number;
  /** Outputs handed over and not yet committed, at most. */
  backlog_max_outputs: number;
  transactions: number;
  /** Time from the last batch due to its commit. */
  drain_ms: number;
  db_mib: number;
}

const BASE_TS = 1_700_000_000_000;

/** Deposits for every user, then maker/taker pairs at one price, one trade each. */
class Feed {
  readonly core: Core;
  private readonly writer = new OutputBatchWriter(1 << 20);
  private readonly symbol: Spec["symbols"][number];
  private pair = 0;
  trades = 0;
  outputs = 0;

  constructor(
    spec: Spec,
    private readonly users: number,
  ) {
    const s = spec.symbols[0];
    if (s === undefined) throw new Error("no symbol configured");
    this.symbol = s;
    this.core = new Core(spec);
  }

  private apply(cmd: Command): number {
    const out = this.core.apply(cmd);
    this.writer.push(out.output_seq, this.core.lastEncoded());
    this.outputs++;
    return out.trades.length;
  }

  /** Enough for a long run, and little enough that all deposits stay below an asset's supply bound. */
  fund(): void {
    for (let u = 1; u <= this.users; u++) {
      for (const [a, whole] of [
        [this.symbol.base, 1_000],
        [this.symbol.quote, 1_000_000],
      ] as const) {
        this.apply({
          kind: CommandKind.Deposit,
          request_id: `f${u}-${a.id}`,
          user_id: u,
          asset_id: a.id,
          amount_units: whole * 10 ** a.decimals,
          ts_ms: BASE_TS,
          corr: "",
        });
      }
    }
  }

  /** One trade: a resting sell and the buy that takes it. */
  trade(due_ms: number): void {
    const s = this.symbol;
    const i = this.pair++;
    const order = {
      kind: CommandKind.Place,
      symbol_id: s.id,
      order_type: OrderType.Limit,
      tif: TimeInForce.GTC,
      post_only: false,
      stp: Stp.ExpireMaker,
      price_ticks: Math.floor(s.max_price_ticks / 20),
      qty_lots: 10,
      quote_units: 0,
      stop_price_ticks: 0,
      cid: "",
      ts_ms: BASE_TS + Math.floor(due_ms),
      corr: "",
    } as const;
    this.apply({ ...order, user_id: 1 + (i % this.users), side: Side.Sell });
    const made = this.apply({ ...order, user_id: 1 + ((i + 1) % this.users), side: Side.Buy });
    if (made !== 1) throw new Error(`pair ${i} made ${made} trades`);
    this.trades++;
  }

  take(): { bytes: Uint8Array; last_seq: number } | null {
    const bytes = this.writer.take();
    return bytes === null ? null : { bytes, last_seq: this.core.output_seq };
  }
}

interface Sink {
  push(bytes: Uint8Array): void;
  backlog(): number;
  onCommitted(listener: (r: CommitReport) => void): void;
  waitFor(seq: number, timeout_ms: number): Promise<boolean>;
  bytes(): Promise<number>;
  close(): Promise<void>;
}

async function sqliteSink(spec: Spec, dir: string): Promise<Sink> {
  const path = join(dir, "settlement.db");
  const w = await startSettlementWorker({ path, catalog: spec });
  return {
    push: (bytes) => w.push(bytes),
    backlog: () => w.backlog(),
    onCommitted: (l) => w.onCommitted(l),
    waitFor: (seq, t) => w.waitFor(seq, t),
    async bytes() {
      let n = 0;
      for (const f of ["settlement.db", "settlement.db-wal"]) {
        try {
          n += statSync(join(dir, f)).size;
        } catch {}
      }
      return n;
    },
    close: () => w.stop(),
  };
}

/** The distributed path: a local output topic consumed by startSettlement into `store`. */
async function topicSink(
  o: SettlementBenchOptions,
  dir: string,
  store: SettlementStore,
  size: () => Promise<number>,
  drop: () => Promise<void>,
): Promise<Sink> {
  await store.migrate();
  const log = new LocalLog({ dir: join(dir, "log"), sync: "batch" });
  const topic = "engine.outputs";
  const consumer = await startSettlement({ log, topic, store, catalog: o.spec });
  let published = 0;
  let committed = 0;
  let first = 1;
  let published_error: unknown = null;
  consumer.onCommitted((r) => {
    committed += r.consumed;
  });
  return {
    push(bytes) {
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      published += view.getUint32(1, true);
      const id = `ob:${first}`;
      first += view.getUint32(1, true);
      log.publish(topic, bytes, { id }).catch((err) => {
        published_error ??= err;
      });
    },
    backlog: () => published - committed,
    onCommitted: (l) => {
      consumer.onCommitted(l);
    },
    async waitFor(seq, t) {
      const done = await consumer.waitFor(seq, t);
      if (published_error !== null) throw published_error;
      return done;
    },
    bytes: size,
    async close() {
      await consumer.stop();
      await log.close();
      await store.close();
      await drop();
    },
  };
}

/** A keyspace of its own beside the URL's; the store creates it, the run drops it. */
async function cassandraSink(o: SettlementBenchOptions, dir: string): Promise<Sink> {
  const base = o.cql_url ?? "cassandra://127.0.0.1:9042/bourse";
  const t = parseCqlUrl(base);
  const keyspace = `bourse_bench_settle_${process.pid}`;
  const url = base.replace(`/${t.keyspace}`, `/${keyspace}`);
  const store = await openCqlStore(url, { symbols: o.spec.symbols });
  const { default: cassandra } = await import("cassandra-driver");
  const drop = async () => {
    const c = new cassandra.Client({
      contactPoints: t.contact_points,
      localDataCenter: t.datacenter,
    });
    await c.connect();
    try {
      await c.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
    } finally {
      await c.shutdown();
    }
  };
  await drop();
  // The data on disk lives in the server's memtables and SSTables: not measured here.
  return topicSink(o, dir, store, async () => 0, drop);
}

async function postgresSink(o: SettlementBenchOptions, dir: string): Promise<Sink> {
  const schema = `bourse_bench_settle_${process.pid}`;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: o.pg_url });
    await c.connect();
    try {
      return await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  const store = await openPostgresStore(o.pg_url, {
    symbols: o.spec.symbols,
    schema,
    ...(o.synchronous_commit === undefined ? {} : { synchronous_commit: o.synchronous_commit }),
  });
  const size = async () => {
    const r = await admin(
      `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint AS b FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '${schema}' AND c.relkind = 'r'`,
    );
    return Number(r.rows[0]?.b ?? 0);
  };
  return topicSink(o, dir, store, size, async () => {
    await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

const per = (n: number, d: number) => (d === 0 ? 0 : Math.round((n / d) * 100) / 100);

async function runOne(
  o: SettlementBenchOptions,
  database: SettlementBenchDatabase,
): Promise<SettlementBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), "bourse-bench-settle-"));
  const sink =
    database === "sqlite"
      ? await sqliteSink(o.spec, dir)
      : database === "postgres"
        ? await postgresSink(o, dir)
        : await cassandraSink(o, dir);
  try {
    const feed = new Feed(o.spec, o.users ?? 1000);
    const batch_ms = o.batch_ms ?? 5;
    const total = Math.round(o.trades_per_s * o.seconds);
    const pending: { last_seq: number; due_ms: number }[] = [];
    const lags: number[] = [];
    const tables: Record<string, number> = {};
    let rows = 0;
    let transactions = 0;
    let start = 0;
    let last_commit_ms = 0;
    let backlog_max = 0;
    let behind_max = 0;
    let batches = 0;
    let paused_ms = 0;
    const backlog_limit = o.backlog_limit ?? 500_000;
    sink.onCommitted((r) => {
      const now = performance.now();
      transactions++;
      rows += r.rows;
      for (const [t, n] of Object.entries(r.tables)) tables[t] = (tables[t] ?? 0) + n;
      while (pending.length > 0 && (pending[0]?.last_seq ?? 0) <= r.seq) {
        lags.push(now - start - (pending.shift()?.due_ms ?? 0));
      }
      last_commit_ms = now;
    });
    const send = (due_ms: number) => {
      const b = feed.take();
      if (b === null) return;
      pending.push({ last_seq: b.last_seq, due_ms });
      sink.push(b.bytes);
      batches++;
      backlog_max = Math.max(backlog_max, sink.backlog());
    };
    feed.fund();
    start = performance.now();
    send(0);
    let made = 0;
    let batch_due = 0;
    await new Promise<void>((resolve) => {
      let last_tick = performance.now();
      const tick = () => {
        const now = performance.now();
        const elapsed = now - start;
        if (sink.backlog() > backlog_limit) {
          paused_ms += now - last_tick;
          last_tick = now;
          setTimeout(tick, 1);
          return;
        }
        last_tick = now;
        while (made < total && (made * 1000) / o.trades_per_s <= elapsed) {
          const due = (made * 1000) / o.trades_per_s;
          if (due - batch_due >= batch_ms) {
            send(batch_due);
            batch_due = due;
          }
          feed.trade(due);
          made++;
        }
        if (made < total) {
          behind_max = Math.max(behind_max, elapsed - (made * 1000) / o.trades_per_s);
          setTimeout(tick, 1);
          return;
        }
        send(batch_due);
        resolve();
      };
      tick();
    });
    const last_due = (total * 1000) / o.trades_per_s;
    const done = await sink.waitFor(feed.core.output_seq, 600_000);
    if (!done) throw new Error("settlement did not catch up within 10 minutes");
    const wall_s = (last_commit_ms - start) / 1000;
    lags.sort((a, b) => a - b);
    const db_mib = Math.round((await sink.bytes()) / 2 ** 20);
    const trades = feed.trades;
    const byTable: Record<string, number> = {};
    for (const [t, n] of Object.entries(tables)) byTable[t] = per(n, trades);
    return {
      mode: "settlement",
      database,
      path: database === "sqlite" ? "worker thread" : "output topic + startSettlement",
      trades_per_s_target: o.trades_per_s,
      seconds: o.seconds,
      trades,
      outputs: feed.outputs,
      batches,
      rows,
      rows_per_trade: per(rows, trades),
      rows_per_trade_by_table: byTable,
      rows_per_s: Math.round(rows / wall_s),
      trades_per_s: Math.round(trades / wall_s),
      lag_ms: {
        p50: Math.round(percentile(lags, 0.5)),
        p90: Math.round(percentile(lags, 0.9)),
        p99: Math.round(percentile(lags, 0.99)),
        max: Math.round(lags[lags.length - 1] ?? 0),
      },
      feed_behind_ms_max: Math.round(behind_max),
      feed_paused_ms: Math.round(paused_ms),
      backlog_max_outputs: backlog_max,
      transactions,
      drain_ms: Math.round(last_commit_ms - start - last_due),
      db_mib,
    };
  } finally {
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One result per database, in the order given. */
export async function benchSettlement(o: SettlementBenchOptions): Promise<SettlementBenchResult[]> {
  const out: SettlementBenchResult[] = [];
  for (const db of o.databases) out.push(await runOne(o, db));
  return out;
}
