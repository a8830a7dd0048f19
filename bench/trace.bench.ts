// How long `bourse trace` takes over a day of logs: one JSON line per lookup.
//   node --import tsx bench/trace.bench.ts [--orders 1000000] [--runs 5] [--workers N] [--dir D] [--keep]
//
// Generates the last 24 hours of four services' logs through the real logger
// (the ring, the log worker and its rotating, indexing, compressing writer,
// under a test clock) at full fidelity, as the default settings write them:
// every marker of every event, with the fields the services put on them.
// Noon to noon, so half of it sits in the rotated (compressed) files of the
// first day and half in the live files. Each order is received and answered
// by the gateway, accepted by UBSCore and persisted by settlement; every
// other order takes the one before it (a match, a trade, a persisted trade);
// one resting order in twenty is cancelled a minute later; one step in a
// hundred is a deposit, one in five hundred a withdrawal. Then times trace()
// of a few kinds of id, the median of --runs after one warm-up, with the
// files in the page cache as they are right after writing. --dir keeps the
// logs in (or reuses them from) a folder of your choice.

import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { gunzipSync } from "node:zlib";
import {
  Field,
  Marker,
  type MarkerSpec,
  tradeIdOf,
  transferEventId,
  transferMarkers,
} from "../src/core/mod.ts";
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
        clock: () => now,
        buffer_bytes_max: 64 * 1024 * 1024,
      }),
    ]),
  );
  for (const l of logs.values()) await l.open();
  const put: Put = (service, at, event, fields) => {
    now = at;
    logEvent(logs.get(service) as ServiceLogger, event, fields);
  };
  const line: LinePut = (service, at, event, key) => {
    now = at;
    return (logs.get(service) as ServiceLogger).line(event, key);
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
    order(put, line, t, i, reqId(++req), trade_id);
    if (i === TAKER) {
      m.taker_request = reqId(req);
      m.trade = trade_id ?? 0;
    }
    if (isCancelled(i)) {
      const cancelReq = reqId(++req);
      later.push({ at: t + 60_000, write: () => cancel(put, line, t + 60_000, i, cancelReq) });
    }
    // Lets the writers drain, as a service's event loop would between bursts.
    if (i % 2000 === 0) await Promise.all([...logs.values()].map((l) => l.flush()));
  }
  for (const l of later) l.write();
  for (const l of logs.values()) {
    // The rotated half is compressed and indexed before the lookups.
    await l.settle();
    await l.close();
    if ((l.writer?.dropped ?? 0) > 0) throw new Error(`${l.service}: lines dropped`);
  }
  return m;
}

type Put = (service: Service, at: number, event: MarkerSpec, fields: EventFields) => void;
/** A line written field by field, as the services write their per-order lines. */
type LinePut = (
  service: Service,
  at: number,
  event: MarkerSpec,
  key: number,
) => ReturnType<ServiceLogger["line"]>;

function transfer(put: Put, t: number, type: "deposit" | "withdraw", req: string, n: number) {
  const F = transferMarkers(type);
  const user_id = userOf(n);
  const request_id = `${type}-${n}`;
  const event_id = transferEventId(type, user_id, 2, t, request_id);
  const gw = { event_id, req_id: req, user_id, request_id: req, asset: "USDT", amount: "1000" };
  const ubs = { event_id, user_id, request_id };
  put("gateway", t, F.RECEIVED, gw);
  put("ubscore", t + 1, F.CONSUMED, { ...ubs, asset: "USDT", amount_units: 1_000_000_000 });
  put("ubscore", t + 1, F.VALIDATED, { ...ubs, asset: "USDT", duplicate: false });
  put("ubscore", t + 2, F.TO_SETTLEMENT, { ...ubs, topic: "balance.events" });
  put("ubscore", t + 2, F.EXIT, { ...ubs, replied: true });
  put("gateway", t + 3, F.ANSWERED, { ...gw, duplicate: false });
  put("settlement", t + 20, F.CONSUMED, { ...ubs, asset: "USDT" });
  put("settlement", t + 25, F.PERSISTED, {
    ...ubs,
    table: "balance_ledger",
    outcome: "applied",
  });
  return event_id;
}

function order(
  put: Put,
  line: LinePut,
  t: number,
  order_id: number,
  req: string,
  trade_id: number | null,
) {
  const user_id = userOf(order_id);
  const id = String(order_id);
  const side = trade_id === null ? "Sell" : "Buy";
  const gw = { req_id: req, user_id, symbol: "BTC_USDT", request_id: req };
  put("gateway", t, Marker.ORDER_RECEIVED, {
    ...gw,
    event_id: req,
    side,
    order_type: "Limit",
    cid: null,
  });
  line("ubscore", t + 1, Marker.ORDER_ACCEPTED, order_id)
    ?.idText(Field.event_id, order_id)
    .int(Field.order_id, order_id)
    .int(Field.user_id, user_id)
    .str(Field.request_id, req)
    .str(Field.symbol, "BTC_USDT")
    .end();
  if (trade_id !== null) {
    line("matching_engine", t + 2, Marker.ORDER_MATCHED, order_id)
      ?.idText(Field.event_id, order_id)
      .int(Field.order_id, order_id)
      .int(Field.user_id, user_id)
      .str(Field.symbol, "BTC_USDT")
      .int(Field.trades, 1)
      .bool(Field.filled, true)
      .end();
    line("matching_engine", t + 2, Marker.TRADE_EXECUTED, order_id)
      ?.idText(Field.event_id, trade_id)
      .int(Field.trade_id, trade_id)
      .int(Field.order_id, order_id)
      .int(Field.maker_order_id, order_id - 1)
      .int(Field.user_id, user_id)
      .int(Field.maker_user_id, userOf(order_id - 1))
      .str(Field.symbol, "BTC_USDT")
      .int(Field.price_ticks, 4_500_000)
      .int(Field.qty_lots, 5000)
      .end();
  }
  put("gateway", t + 4, Marker.ORDER_ANSWERED, {
    ...gw,
    event_id: id,
    order_id,
    status: trade_id === null ? "New" : "Filled",
    trades: trade_id === null ? 0 : 1,
  });
  line("settlement", t + 30, Marker.ORDER_PERSISTED, order_id)
    ?.idText(Field.event_id, order_id)
    .int(Field.order_id, order_id)
    .int(Field.user_id, user_id)
    .str(Field.symbol, "BTC_USDT")
    .str(Field.table, "orders")
    .end();
  if (trade_id !== null) {
    line("settlement", t + 30, Marker.TRADE_PERSISTED, order_id)
      ?.idText(Field.event_id, trade_id)
      .int(Field.trade_id, trade_id)
      .int(Field.order_id, order_id)
      .int(Field.maker_order_id, order_id - 1)
      .str(Field.table, "trades")
      .end();
  }
}

function cancel(put: Put, line: LinePut, t: number, order_id: number, req: string) {
  const user_id = userOf(order_id);
  const id = String(order_id);
  const gw = { req_id: req, user_id, request_id: req };
  put("gateway", t, Marker.CANCEL_RECEIVED, { ...gw, event_id: id, order_id, cid: null });
  line("ubscore", t + 1, Marker.CANCEL_ACCEPTED, order_id)
    ?.idText(Field.event_id, order_id)
    .int(Field.order_id, order_id)
    .int(Field.user_id, user_id)
    .str(Field.request_id, req)
    .end();
  line("matching_engine", t + 2, Marker.ORDER_CANCELLED, order_id)
    ?.idText(Field.event_id, order_id)
    .int(Field.order_id, order_id)
    .int(Field.user_id, user_id)
    .str(Field.symbol, "BTC_USDT")
    .end();
  put("gateway", t + 4, Marker.CANCEL_ANSWERED, {
    ...gw,
    event_id: id,
    order_id,
    status: "Cancelled",
  });
}

/** Bytes on disk (compressed days, their indexes, live files) and of the day's text. */
function sizes(dir: string): Record<string, number> {
  let disk = 0;
  let index = 0;
  let text = 0;
  let gz = 0;
  let gz_text = 0;
  for (const name of readdirSync(dir)) {
    if (!name.includes(".log")) continue;
    const bytes = statSync(join(dir, name)).size;
    disk += bytes;
    if (name.endsWith(".idx")) {
      index += bytes;
    } else if (name.endsWith(".gz")) {
      gz += bytes;
      const inflated = gunzipSync(readFileSync(join(dir, name))).length;
      gz_text += inflated;
      text += inflated;
    } else {
      text += bytes;
    }
  }
  return {
    day_text_mib: round(text / 2 ** 20),
    on_disk_mib: round(disk / 2 ** 20),
    rotated_text_mib: round(gz_text / 2 ** 20),
    rotated_gz_mib: round(gz / 2 ** 20),
    gzip_ratio: round(gz_text / Math.max(1, gz)),
    index_mib: round(index / 2 ** 20),
  };
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
  emit("logs", {
    files: files.length,
    ...sizes(dir),
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
        mib_read: round((last?.stats.bytes_read ?? 0) / 2 ** 20),
        workers: WORKERS ?? "default",
        runs: RUNS,
      });
    }
  } finally {
    if (values.dir === undefined && !values.keep) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
