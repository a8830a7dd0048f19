// The whole exchange under order load, embedded and distributed, in one run.
// The load comes through the gateway's backend (no HTTP, which `bench http`
// measures on its own), so both modes pay for the same hops after the
// gateway: the sequencer (UBSCore, matching, UBSCore settling the fills) and
// its one durable write, and settlement writing the rows. Embedded: the whole
// exchange in this process (output journal, settlement into SQLite).
// Distributed: the sequencer and settlement as `bourse` child processes over
// NATS JetStream or Apache Kafka (one run each, as asked), settling into
// PostgreSQL, with this process as the gateway.
//
// Order-to-trade-row latency is taken from the moment an order is submitted
// to the moment the store shows the trade it made as taker. The store is
// polled for its newest trade id every poll_ms, so figures carry up to that
// much granularity; a trade already visible when its reply arrives counts at
// the reply's time, which overstates rather than understates.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as delay } from "node:timers/promises";
import { jetstreamManager } from "@nats-io/jetstream";
import pg from "pg";
import {
  CommandKind,
  OrderType,
  Side,
  type Spec,
  STP_DEFAULT,
  type SymbolSpec,
  TimeInForce,
} from "../core/mod.ts";
import { startEmbedded } from "../embedded/exchange.ts";
import type { ExchangeBackend } from "../gateway/backend.ts";
import { PipelineBackend } from "../gateway/pipeline-backend.ts";
import { LogIntake } from "../pipeline/mod.ts";
import { openPostgresStore, type SettlementReads, watchPostgresPosition } from "../store/mod.ts";
import { connectKafkaTransport, connectNats, topicPrefix } from "../transport/mod.ts";
import { streamNamePrefix } from "../transport/nats/names.ts";
import {
  type Child,
  cpuSecondsOf,
  pidsNamed,
  pidsWithArg,
  ROOT,
  spawnNode,
  stopChild,
} from "./child.ts";

/** What a run puts the exchange on: all in this process, or services over NATS or Kafka. */
export type PipelineTransport = "embedded" | "nats" | "kafka";

export interface PipelineOptions {
  spec: Spec;
  orders: number;
  /** Orders in flight at once. */
  window: number;
  /**
   * Open loop: order i is due at i / orders_per_s seconds and is sent then,
   * whatever is in flight; latencies count from when it was due, so a backlog
   * shows in them. Null: closed loop, `window` orders in flight.
   */
  orders_per_s: number | null;
  users: number;
  poll_ms: number;
  nats_url: string;
  kafka_brokers: string;
  database_url: string;
}

export interface Percentiles {
  p50: number;
  p99: number;
  max: number;
}

export interface PipelineResult {
  exchange: "embedded" | "distributed";
  /** The event log between the processes ("local" when embedded). */
  transport: "local" | "nats" | "kafka";
  /** The open-loop rate, or null for a closed loop of `window` orders in flight. */
  orders_per_s_target: number | null;
  window: number | null;
  orders: number;
  trades: number;
  /** From the first order submitted to the last reply. */
  seconds: number;
  orders_per_s: number;
  /** Submit to reply (durable, matched, balances applied). */
  ack_ms: Percentiles;
  /** Submit to the taker's trade row visible in the settlement store. */
  trade_row_ms: Percentiles;
  /** From the first order to the last trade row visible. */
  settled_seconds: number;
  /** CPU seconds each process spent during the order phase. */
  cpu_s: Record<string, number>;
}

interface Exchange {
  backend: ExchangeBackend;
  store: SettlementReads;
  /** CPU seconds so far, per process taking part. */
  cpu(): Record<string, number>;
  stop(): Promise<void>;
}

function percentiles(xs: number[]): Percentiles {
  xs.sort((a, b) => a - b);
  const at = (p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? 0;
  const r = (x: number) => Math.round(x * 100) / 100;
  return { p50: r(at(0.5)), p99: r(at(0.99)), max: r(xs[xs.length - 1] ?? 0) };
}

function selfCpu(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

function sumCpu(pids: number[]): number {
  let s = 0;
  for (const p of pids) s += cpuSecondsOf(p);
  return s;
}

async function embedded(spec: Spec, dir: string): Promise<Exchange> {
  const ex = await startEmbedded({ spec, data_dir: dir, sync: "batch" });
  return {
    backend: ex.backend,
    store: ex.store,
    cpu: () => ({ bourse_all_services: selfCpu() }),
    stop: () => ex.stop(),
  };
}

/** Deletes what a distributed run left on its transport: the streams or topics of its prefix. */
async function dropTransport(transport: "nats" | "kafka", o: PipelineOptions, name: string) {
  if (transport === "kafka") {
    const { Admin } = await import("@platformatic/kafka");
    const admin = new Admin({
      clientId: "bench-cleanup",
      bootstrapBrokers: o.kafka_brokers.split(","),
    });
    try {
      const mine = (await admin.listTopics()).filter((t) => t.startsWith(topicPrefix(name)));
      if (mine.length > 0) await admin.deleteTopics({ topics: mine });
    } finally {
      await admin.close();
    }
    return;
  }
  const { connect } = await import("@nats-io/transport-node");
  const nc = await connect({ servers: o.nats_url });
  try {
    const jsm = await jetstreamManager(nc);
    const start = streamNamePrefix(name);
    for await (const s of jsm.streams.names()) if (s.startsWith(start)) await jsm.streams.delete(s);
  } finally {
    await nc.close();
  }
}

async function distributed(
  spec: Spec,
  dir: string,
  o: PipelineOptions,
  via: "nats" | "kafka",
): Promise<Exchange> {
  const name = `bench${process.pid}${Date.now().toString(36)}`;
  const common = [
    ...(via === "kafka"
      ? ["--kafka", o.kafka_brokers, "--kafka-prefix", name]
      : ["--nats", o.nats_url, "--nats-prefix", name]),
    "--admin-port",
    "0",
    "--log-dir",
    join(dir, "logs"),
    "--log-level",
    "silent",
  ];
  const children: Record<string, Child> = {};
  const cleanup = async () => {
    for (const c of Object.values(children)) await stopChild(c.proc);
    const db = new pg.Client({ connectionString: o.database_url });
    await db.connect();
    try {
      await db.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
    } finally {
      await db.end();
    }
    await dropTransport(via, o, name);
  };
  const services: [string, string[]][] = [
    ["ubscore", ["ubscore", "--data-dir", join(dir, "ubscore")]],
    ["settlement", ["settlement", "--database-url", o.database_url, "--database-schema", name]],
  ];
  try {
    for (const [service, args] of services) {
      children[service] = await spawnNode(
        ["--max-semi-space-size=64", join(ROOT, "bin/bourse.js"), ...args, ...common],
        (m) => m.event === "BOURSE_STARTED",
      );
    }
  } catch (err) {
    await cleanup();
    throw err;
  }
  const transport =
    via === "kafka"
      ? await connectKafkaTransport({
          brokers: o.kafka_brokers,
          prefix: name,
          client_id: "bench-gw",
          name: "bench-gw",
        })
      : await connectNats({ servers: [o.nats_url], prefix: name, name: "bench-gw" });
  const store = await openPostgresStore(o.database_url, { symbols: spec.symbols, schema: name });
  await store.migrate();
  const intake = new LogIntake({
    spec,
    log: transport.log,
    rpc: transport.rpc,
    transport_ready: () => transport.ready,
  });
  await intake.start();
  const settled = await watchPostgresPosition(o.database_url, { schema: name });
  const backend = new PipelineBackend({ spec, intake, store, settled });
  const broker = via === "kafka" ? pidsWithArg("kafka.Kafka") : pidsNamed("nats-server");
  const postgres = pidsNamed("postgres");
  return {
    backend,
    store,
    cpu: () => {
      const out: Record<string, number> = { gateway_and_load: selfCpu() };
      for (const [k, c] of Object.entries(children)) out[k] = cpuSecondsOf(c.proc.pid ?? 0);
      out[via === "kafka" ? "kafka_broker" : "nats_server"] = sumCpu(broker);
      out.postgres = sumCpu(postgres);
      return out;
    },
    stop: async () => {
      await intake.stop();
      await settled.close();
      await store.close();
      await transport.close();
      await cleanup();
    },
  };
}

const QTY_LOTS = 10;
const priceTicks = (s: SymbolSpec) => Math.floor(s.max_price_ticks / 20);

/** Enough of both assets for every user to place all its orders as either side, twice over. */
async function fund(ex: Exchange, s: SymbolSpec, users: number, orders: number): Promise<void> {
  const per_user = 2 * Math.ceil(orders / users);
  const amount = new Map([
    [s.base.id, per_user * QTY_LOTS * s.lot_units],
    [s.quote.id, per_user * QTY_LOTS * priceTicks(s) * s.notional_per_tick_lot],
  ]);
  await Promise.all(
    Array.from({ length: users }, (_, u) =>
      Promise.all(
        [s.base, s.quote].map(async (a) => {
          const r = await ex.backend.transfer({
            kind: CommandKind.Deposit,
            request_id: `pipeline-${u + 1}-${a.id}`,
            user_id: u + 1,
            asset_id: a.id,
            amount_units: amount.get(a.id) ?? 0,
            ts_ms: Date.now(),
            corr: "",
          });
          if (r.code !== null) throw new Error(`deposit refused: ${r.code}`);
        }),
      ),
    ),
  );
}

/** Sellers are odd users and buyers even ones, all at one price: every buy/sell pair trades. */
async function drive(
  ex: Exchange,
  s: SymbolSpec,
  o: PipelineOptions,
): Promise<Omit<PipelineResult, "exchange" | "transport" | "cpu_s">> {
  const pairs = Math.max(1, Math.floor(o.users / 2));
  const price_ticks = priceTicks(s);
  const ack: number[] = [];
  const row: number[] = [];
  // Taker trades whose rows are not visible yet: trade id and submit time.
  let pending: { trade_id: number; t0: number }[] = [];
  let visible = 0;
  let trades = 0;
  let last_row_ms = 0;
  const see = (now: number) => {
    const still: typeof pending = [];
    for (const p of pending) {
      if (p.trade_id <= visible) row.push(now - p.t0);
      else still.push(p);
    }
    if (still.length < pending.length) last_row_ms = now;
    pending = still;
  };
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const [t] = await ex.store.marketTrades({ symbol_id: s.id, limit: 1 });
      if (t !== undefined && t.trade_id > visible) {
        visible = t.trade_id;
        see(performance.now());
      }
      await delay(o.poll_ms);
    }
  })();
  const place = async (i: number, t0: number) => {
    const pair = (i >> 1) % pairs;
    const sell = (i & 1) === 0;
    const r = await ex.backend.place({
      kind: CommandKind.Place,
      user_id: sell ? 2 * pair + 1 : 2 * pair + 2,
      symbol_id: s.id,
      side: sell ? Side.Sell : Side.Buy,
      order_type: OrderType.Limit,
      tif: TimeInForce.GTC,
      post_only: false,
      stp: STP_DEFAULT,
      price_ticks,
      qty_lots: QTY_LOTS,
      quote_units: 0,
      stop_price_ticks: 0,
      cid: "",
      ts_ms: Date.now(),
      corr: "",
    });
    const now = performance.now();
    if (r.code !== null) throw new Error(`order refused: ${r.code}`);
    ack.push(now - t0);
    for (const t of r.trades) {
      if (t.is_maker) continue;
      trades++;
      if (t.trade_id <= visible) {
        row.push(now - t0);
        last_row_ms = now;
      } else pending.push({ trade_id: t.trade_id, t0 });
    }
  };
  const started_ms = performance.now();
  let last_reply_ms = started_ms;
  await new Promise<void>((resolve, reject) => {
    let next = 0;
    let done = 0;
    let inflight = 0;
    const send = (t0: number) => {
      inflight++;
      place(next++, t0).then(() => {
        inflight--;
        if (++done === o.orders) {
          last_reply_ms = performance.now();
          resolve();
        } else if (o.orders_per_s === null) pump();
      }, reject);
    };
    const pump = () => {
      while (inflight < o.window && next < o.orders) send(performance.now());
    };
    const rate = o.orders_per_s;
    const tick = () => {
      if (rate === null) return;
      const now = performance.now();
      while (next < o.orders && started_ms + (next * 1000) / rate <= now)
        send(started_ms + (next * 1000) / rate);
      if (next < o.orders) setTimeout(tick, 1);
    };
    if (rate === null) pump();
    else tick();
  });
  const deadline = performance.now() + 120_000;
  while (pending.length > 0) {
    if (performance.now() > deadline)
      throw new Error(`${pending.length} trade rows never appeared`);
    await delay(o.poll_ms);
  }
  polling = false;
  await poller;
  const seconds = (last_reply_ms - started_ms) / 1000;
  return {
    orders_per_s_target: o.orders_per_s,
    window: o.orders_per_s === null ? o.window : null,
    orders: o.orders,
    trades,
    seconds: Math.round(seconds * 100) / 100,
    orders_per_s: Math.round(o.orders / seconds),
    ack_ms: percentiles(ack),
    trade_row_ms: percentiles(row),
    settled_seconds: Math.round((last_row_ms - started_ms) / 10) / 100,
  };
}

async function runOne(via: PipelineTransport, o: PipelineOptions): Promise<PipelineResult> {
  const s = o.spec.symbols[0];
  if (s === undefined) throw new Error("no symbol configured");
  const dir = mkdtempSync(join(tmpdir(), `bourse-pipeline-${via}-`));
  const exchange = via === "embedded" ? "embedded" : "distributed";
  const transport = via === "embedded" ? "local" : via;
  try {
    const ex =
      via === "embedded" ? await embedded(o.spec, dir) : await distributed(o.spec, dir, o, via);
    try {
      const users = 2 * Math.max(1, Math.floor(o.users / 2));
      await fund(ex, s, users, o.orders);
      const before = ex.cpu();
      const r = await drive(ex, s, o);
      const after = ex.cpu();
      const cpu_s: Record<string, number> = {};
      for (const [k, v] of Object.entries(after))
        cpu_s[k] = Math.round((v - (before[k] ?? 0)) * 100) / 100;
      return { exchange, transport, ...r, cpu_s };
    } finally {
      await ex.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Each transport in turn (embedded first, as listed), on the same load. */
export async function benchPipeline(
  o: PipelineOptions,
  modes: readonly PipelineTransport[],
): Promise<PipelineResult[]> {
  const out: PipelineResult[] = [];
  for (const m of modes) out.push(await runOne(m, o));
  return out;
}
