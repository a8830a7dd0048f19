// CPU per trade of each step of settlement's write path, in one thread: read
// the output batches (verify and decode), plan the rows, and write each table
// into SQLite. CPU time rather than wall time, so that a machine shared with
// other work still says what a core of it costs; 1e6 / (µs per trade) is
// what one core could settle.
//
//   node --import tsx bench/settlement-cpu.bench.ts [--trades 100000] [--users 1000]
//        [--batch 20000] [--file]   (--file: on disk, WAL; default: in memory)
//
// The flow is `bourse bench settlement`'s: a resting sell and the buy that
// takes it, one trade each.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";
import {
  CommandKind,
  Core,
  type CoreOutput,
  compile,
  DEFAULT_CONFIG,
  OrderType,
  OutputBatchWriter,
  Side,
  Stp,
  TimeInForce,
} from "../src/core/mod.ts";
import { ChainReader } from "../src/settlement/decode.ts";
import { MIGRATIONS, SQLITE } from "../src/store/migrations.ts";
import { planOutputs, planTables } from "../src/store/plan.ts";
import { sqliteInsert, sqliteUpdate } from "../src/store/sqlite-sql.ts";

const { values: args } = parseArgs({
  options: {
    trades: { type: "string", default: "100000" },
    users: { type: "string", default: "1000" },
    batch: { type: "string", default: "20000" },
    file: { type: "boolean", default: false },
  },
});
const TRADES = Number(args.trades);
const USERS = Number(args.users);
const BATCH = Number(args.batch);

function batches(): Uint8Array[] {
  const spec = compile(DEFAULT_CONFIG);
  const core = new Core(spec);
  const s = spec.symbols[0]!;
  const w = new OutputBatchWriter(1 << 24);
  const out: Uint8Array[] = [];
  const apply = (cmd: Parameters<Core["apply"]>[0]) => {
    const o = core.apply(cmd);
    w.push(o.output_seq, core.lastEncoded());
    if (w.size >= BATCH) out.push(w.take()!);
  };
  for (let u = 1; u <= USERS; u++) {
    for (const [a, whole] of [
      [s.base, 1_000],
      [s.quote, 1_000_000],
    ] as const) {
      apply({
        kind: CommandKind.Deposit,
        request_id: `f${u}-${a.id}`,
        user_id: u,
        asset_id: a.id,
        amount_units: whole * 10 ** a.decimals,
        ts_ms: 1_700_000_000_000,
        corr: "",
      });
    }
  }
  for (let i = 0; i < TRADES; i++) {
    const order = {
      kind: CommandKind.Place,
      symbol_id: s.id,
      order_type: OrderType.Limit,
      tif: TimeInForce.GTC,
      post_only: false,
      stp: Stp.ExpireMaker,
      price_ticks: Math.floor(s.max_price_ticks / 20),
      stop_price_ticks: 0,
      qty_lots: 10,
      quote_units: 0,
      cid: "",
      ts_ms: 1_700_000_000_000 + Math.floor(i / 20),
      corr: "",
    } as const;
    apply({ ...order, user_id: 1 + (i % USERS), side: Side.Sell });
    apply({ ...order, user_id: 1 + ((i + 1) % USERS), side: Side.Buy });
  }
  const last = w.take();
  if (last !== null) out.push(last);
  return out;
}

const cpu_ms = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const input = batches();
const dir = mkdtempSync(join(tmpdir(), "bourse-settle-cpu-"));
const db = new Database(args.file ? join(dir, "s.db") : ":memory:");
db.pragma("journal_mode = WAL");
db.pragma("synchronous = NORMAL");
db.pragma("cache_size = -262144");
db.pragma("temp_store = MEMORY");
db.pragma("wal_autocheckpoint = 16384");
for (const sql of MIGRATIONS[0]!.statements(SQLITE)) db.exec(sql);
const symbols = new Map(compile(DEFAULT_CONFIG).symbols.map((x) => [x.id, x]));
const chain = new ChainReader();
const steps: Record<string, number> = { read: 0, plan: 0 };
const rows: Record<string, number> = {};
let clock = 0;
for (const bytes of input) {
  let t = cpu_ms();
  const outputs: CoreOutput[] = [];
  chain.read(bytes, outputs);
  steps.read = (steps.read ?? 0) + cpu_ms() - t;
  t = cpu_ms();
  const plan = planOutputs(outputs, clock, symbols);
  clock = plan.clock_ms;
  steps.plan = (steps.plan ?? 0) + cpu_ms() - t;
  db.transaction(() => {
    for (const table of planTables(plan)) {
      if (table.count === 0) continue;
      const key = table.spec.op === "update" ? `${table.spec.table}:update` : table.spec.table;
      const stmt = db.prepare(
        table.spec.op === "insert" ? sqliteInsert(table.spec) : sqliteUpdate(table.spec),
      );
      const t0 = cpu_ms();
      for (let i = 0; i < table.count; i++) table.run(stmt, i);
      steps[key] = (steps[key] ?? 0) + cpu_ms() - t0;
      rows[key] = (rows[key] ?? 0) + table.count;
    }
  })();
}
db.close();
rmSync(dir, { recursive: true, force: true });
const us = (ms: number) => Math.round((ms * 1000 * 100) / TRADES) / 100;
const total = Object.values(steps).reduce((a, b) => a + b, 0);
console.log(
  JSON.stringify({
    trades: TRADES,
    storage: args.file ? "file (WAL)" : "memory",
    cpu_us_per_trade: Object.fromEntries(Object.entries(steps).map(([k, v]) => [k, us(v)])),
    rows_per_trade: Object.fromEntries(
      Object.entries(rows).map(([k, v]) => [k, Math.round((v / TRADES) * 100) / 100]),
    ),
    total_cpu_us_per_trade: us(total),
    one_core_trades_per_s: Math.round((TRADES * 1000) / total),
  }),
);
