// How long `bourse trace` takes over a day of logs: one JSON line per lookup.
//   node --import tsx bench/trace.bench.ts [--orders 1000000] [--runs 5] [--workers N] [--dir D] [--keep]
//
// Generates the last 24 hours of four services' logs through the real logger
// (pino and the rotating writer, under a test clock) with every line kept, as
// --log-sample-ppm 1000000 would: noon to noon, so half of it sits in the
// rotated files of the first day and half in the live files. Each order is
// received and answered by the gateway, accepted by UBSCore and persisted by
// settlement; every other order takes the one before it (a match, a trade, a
// persisted trade); one resting order in twenty is cancelled a minute later;
// one step in a hundred is a deposit, one in five hundred a withdrawal.
// Then times trace() of a few kinds of id, the median of --runs after one
// warm-up, with the files in the page cache as they are right after writing.
// --dir keeps the logs in (or reuses them from) a folder of your choice.

import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { tradeIdOf } from "../src/core/mod.ts";
import { createLogger, type EventFields, logEvent, type ServiceLogger } from "../src/obs/mod.ts";
import { listLogFiles, trace } from "../src/trace/mod.ts";

const { values } = parseArgs({
  options: {
    orders: { type: "string", default: "1000000" },
    runs: { type: "string", default: "5" },
    workers: { type: "string" },
    dir: { type: "string" },
    keep: { type: "boolean", default: false },
  },
});
const ORDERS = Number(values.orders);
const RUNS = Number(values.runs);
const WORKERS = values.workers === undefined ? undefined : Number(values.workers);

// Noon UTC to noon: the writers roll over at midnight.
const START_MS = Date.UTC(2030, 0, 1, 12);
const DAY_MS = 86_400_000;
const STEP_MS = DAY_MS / ORDERS;
const INSTANCE = "b3c4d5e6";
const SERVICES = ["gateway", "ubscore", "matching_engine", "settlement"] as const;
type Service = (typeof SERVICES)[number];

const reqId = (n: number) => `${INSTANCE}-${n.toString(36)}`;
const userOf = (order_id: number) => 1000 + (order_id % 5000);
const isTaker = (order_id: number) => order_id % 2 === 0;
const isCancelled = (order_id: number) => order_id % 40 === 1;

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

function emit(name: string, fields: Record<string, unknown>): void {
  process.stdout.write(
    `${JSON.stringify({
      case: name,
      ...fields,
      orders: ORDERS,
      node: process.version,
      cpus: cpus().length,
      // Other work on the machine inflates every figure; the load says how much to trust them.
      loadavg_1m: round(loadavg()[0] as number),
    })}\n`,
  );
}

/** The ids looked up, chosen in the middle of the day so that none is near a file's edge. */
interface Manifest {
  orders: number;
  deposit: string;
  taker: number;
  taker_request: string;
  trade: number;
  cancelled: number;
}

const MID = Math.floor(ORDERS / 2);
const TAKER = isTaker(MID) ? MID : MID + 1;
const CANCELLED = MID - (MID % 40) + 1;

async function generate(dir: string): Promise<Manifest> {
  let now = START_MS;
  const logs = new Map<Service, ServiceLogger>(
    SERVICES.map((service) => [
      service,
      createLogger({
        service,
        dir,
        level: "info",
        retention_days: 30,
        sample_ppm: 1_000_000,
        clock: () => now,
        buffer_bytes_max: 64 * 1024 * 1024,
      }),
    ]),
  );
  for (const l of logs.values()) await l.open();
  const put = (service: Service, at: number, event: string, fields: EventFields) => {
    now = at;
    logEvent(logs.get(service) as ServiceLogger, event, fields);
  };
  let req = 0;
  let trades = 0;
  const m: Manifest = {
    orders: ORDERS,
    deposit: "",
    taker: TAKER,
    taker_request: "",
    trade: 0,
    cancelled: CANCELLED,
  };
  // Lines due later (a cancel a minute on), written when the clock gets there.
  const later: { at: number; write: () => void }[] = [];
  for (let i = 1; i <= ORDERS; i++) {
    const t = Math.floor(START_MS + i * STEP_MS);
    while (later.length > 0 && (later[0]?.at as number) <= t) later.shift()?.write();
    if (i % 100 === 50) {
      const id = transfer(put, t, i % 500 === 50 ? "withdraw" : "deposit", reqId(++req), i);
      if (m.deposit === "" && i >= MID && id.startsWith("deposit")) m.deposit = id;
    }
    const trade_id = isTaker(i) ? tradeIdOf(1, ++trades) : null;
    order(put, t, i, reqId(++req), trade_id);
    if (i === TAKER) {
      m.taker_request = reqId(req);
      m.trade = trade_id ?? 0;
    }
    if (isCancelled(i)) {
      const cancelReq = reqId(++req);
      later.push({ at: t + 60_000, write: () => cancel(put, t + 60_000, i, cancelReq) });
    }
    // Lets the writers drain, as a service's event loop would between bursts.
    if (i % 2000 === 0) await Promise.all([...logs.values()].map((l) => l.flush()));
  }
  for (const l of later) l.write();
  for (const l of logs.values()) {
    await l.close();
    if ((l.writer?.dropped ?? 0) > 0) throw new Error(`${l.service}: lines dropped`);
  }
  return m;
}

type Put = (service: Service, at: number, event: string, fields: EventFields) => void;

function transfer(put: Put, t: number, type: "deposit" | "withdraw", req: string, n: number) {
  const F = type === "deposit" ? "DEPOSIT" : "WITHDRAW";
  const user_id = userOf(n);
  const event_id = `${type}_${user_id}_2_${t}`;
  const gw = { event_id, req_id: req, user_id, request_id: req, asset: "USDT", amount: "1000" };
  const ubs = { event_id, user_id, request_id: `${type}-${n}` };
  put("gateway", t, `${F}_RECEIVED`, gw);
  put("ubscore", t + 1, `${F}_CONSUMED`, { ...ubs, asset: "USDT", amount_units: 1_000_000_000 });
  put("ubscore", t + 1, `${F}_VALIDATED`, { ...ubs, asset: "USDT", duplicate: false });
  put("ubscore", t + 2, `${F}_TO_SETTLEMENT`, { ...ubs, topic: "balance.events" });
  put("ubscore", t + 2, `${F}_EXIT`, { ...ubs, replied: true });
  put("gateway", t + 3, `${F}_ANSWERED`, { ...gw, duplicate: false });
  put("settlement", t + 20, `${F}_CONSUMED`, { ...ubs, asset: "USDT" });
  put("settlement", t + 25, `${F}_PERSISTED`, {
    ...ubs,
    table: "balance_ledger",
    outcome: "applied",
  });
  return event_id;
}

function order(put: Put, t: number, order_id: number, req: string, trade_id: number | null) {
  const user_id = userOf(order_id);
  const id = String(order_id);
  const side = trade_id === null ? "Sell" : "Buy";
  const gw = { req_id: req, user_id, symbol: "BTC_USDT", request_id: req };
  put("gateway", t, "ORDER_RECEIVED", {
    ...gw,
    event_id: req,
    side,
    order_type: "Limit",
    cid: null,
  });
  put("ubscore", t + 1, "ORDER_ACCEPTED", {
    event_id: id,
    order_id,
    user_id,
    request_id: req,
    symbol: "BTC_USDT",
  });
  if (trade_id !== null) {
    put("matching_engine", t + 2, "ORDER_MATCHED", {
      event_id: id,
      order_id,
      user_id,
      symbol: "BTC_USDT",
      trades: 1,
      filled: true,
    });
    put("matching_engine", t + 2, "TRADE_EXECUTED", {
      event_id: String(trade_id),
      trade_id,
      order_id,
      maker_order_id: order_id - 1,
      symbol: "BTC_USDT",
      price_ticks: 4_500_000,
      qty_lots: 5000,
    });
  }
  put("gateway", t + 4, "ORDER_ANSWERED", {
    ...gw,
    event_id: id,
    order_id: id,
    status: trade_id === null ? "New" : "Filled",
    trades: trade_id === null ? 0 : 1,
  });
  put("settlement", t + 30, "ORDER_PERSISTED", {
    event_id: id,
    order_id,
    user_id,
    symbol: "BTC_USDT",
  });
  if (trade_id !== null) {
    put("settlement", t + 30, "TRADE_PERSISTED", {
      event_id: String(trade_id),
      trade_id,
      order_id,
    });
  }
}

function cancel(put: Put, t: number, order_id: number, req: string) {
  const user_id = userOf(order_id);
  const id = String(order_id);
  const gw = { req_id: req, user_id, request_id: req };
  put("gateway", t, "CANCEL_RECEIVED", { ...gw, event_id: id, order_id: id, cid: null });
  put("ubscore", t + 1, "CANCEL_ACCEPTED", { event_id: id, order_id, user_id, request_id: req });
  put("matching_engine", t + 2, "ORDER_CANCELLED", {
    event_id: id,
    order_id,
    user_id,
    symbol: "BTC_USDT",
  });
  put("gateway", t + 4, "CANCEL_ANSWERED", {
    ...gw,
    event_id: id,
    order_id: id,
    status: "Cancelled",
  });
}

async function main(): Promise<void> {
  const dir = values.dir ?? join(tmpdir(), `bourse-trace-bench-${process.pid}`);
  const manifestPath = join(dir, "bench-manifest.json");
  let manifest: Manifest;
  if (existsSync(manifestPath)) {
    manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as Manifest;
    if (manifest.orders !== ORDERS) throw new Error(`${dir} holds ${manifest.orders} orders`);
  } else {
    mkdirSync(dir, { recursive: true });
    const t0 = performance.now();
    manifest = await generate(dir);
    writeFileSync(manifestPath, JSON.stringify(manifest));
    emit("generate", { seconds: round((performance.now() - t0) / 1000) });
  }
  const files = await listLogFiles([dir]);
  const bytes = files.reduce((n, f) => n + statSync(f.path).size, 0);
  emit("logs", {
    files: files.length,
    gib: round(bytes / 2 ** 30),
    names: files.map((f) => f.path.slice(dir.length + 1)),
  });
  const lookups: [string, string][] = [
    ["deposit event id", manifest.deposit],
    ["order id (a taker)", String(manifest.taker)],
    ["order id (a maker, then cancelled)", String(manifest.cancelled)],
    ["trade id", String(manifest.trade)],
    ["gateway request id", `request:${manifest.taker_request}`],
  ];
  try {
    for (const [name, id] of lookups) {
      const samples: number[] = [];
      let last = null;
      for (let run = 0; run <= RUNS; run++) {
        const t0 = performance.now();
        last = await trace(id, { log_dirs: [dir], workers: WORKERS });
        if (run > 0) samples.push(performance.now() - t0);
      }
      emit(name, {
        id,
        ms: Math.round(median(samples)),
        min_ms: Math.round(Math.min(...samples)),
        status: last?.status,
        lines: last?.timeline.length,
        passes: last?.stats.passes,
        mib_scanned: round((last?.stats.bytes_scanned ?? 0) / 2 ** 20),
        workers: WORKERS ?? "default",
        runs: RUNS,
      });
    }
  } finally {
    if (values.dir === undefined && !values.keep) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
