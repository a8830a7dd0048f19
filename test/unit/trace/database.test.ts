import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import Database from "better-sqlite3";
import pg from "pg";
import { openPostgresStore, openSqliteStore } from "../../../src/store/mod.ts";
import {
  openPostgresSource,
  openSqliteSource,
  type SqlSource,
  TraceDatabase,
  trace,
} from "../../../src/trace/mod.ts";
import { PG_URL, postgresGate, uniqueSchema } from "../store/services.ts";
import { order, ServiceLogs, transfer } from "./service-logs.ts";

const SYMBOLS = [{ id: 1, base: { id: 1 }, quote: { id: 2 } }];
const TRADE = 1099511627777;
// A trade the database holds and no log line names.
const UNLOGGED_TRADE = 1099511627778;

type Exec = (sql: string, params: readonly (string | number | null)[]) => Promise<void>;

/** The rows settlement writes for the logged deposit and order 12, and one unlogged trade. */
async function insertRows(exec: Exec, deposit: string): Promise<void> {
  // A deposit's id ends with its time, which the row keeps.
  const ts = Number(deposit.split("_")[3]);
  await exec(
    "INSERT INTO transfers (request_id, kind, user_id, asset_id, amount_units, reject, event_id, ts_ms, output_seq) VALUES (?, 1, 1001, 1, 100, 0, ?, ?, 1)",
    ["dep-1", deposit, ts],
  );
  await exec(
    "INSERT INTO balance_ledger (user_id, asset_id, seq, kind, delta_avail, delta_frozen, avail, frozen, ref_id, ref, ts_ms, output_seq) VALUES (1001, 1, 1, 1, 100, 0, 100, 0, 0, 'dep-1', ?, 1)",
    [ts],
  );
  // Order 12 rests, is taken twice by order 13, and ends filled.
  await exec(
    "INSERT INTO orders (order_id, user_id, symbol_id, side, order_type, tif, post_only, stp, price_ticks, qty_lots, quote_units, cid, created_ts_ms, status, filled_lots, remaining_lots, filled_quote_units, reason, updated_ts_ms, output_seq) VALUES (12, 1001, 1, 2, 1, 1, 0, 2, 100, 10, 0, '', ?, 3, 10, 0, 1000, 0, ?, 3)",
    [ts, ts + 50],
  );
  const trade =
    "INSERT INTO trades (symbol_id, trade_id, price_ticks, qty_lots, quote_units, taker_side, taker_order_id, maker_order_id, taker_user_id, maker_user_id, buyer_fee_units, seller_fee_units, ts_ms, output_seq) VALUES (1, ?, 100, 5, 500, 1, 13, 12, 1002, 1001, 0, 0, ?, ?)";
  await exec(trade, [TRADE, ts + 20, 2]);
  await exec(trade, [UNLOGGED_TRADE, ts + 50, 3]);
}

/** open: a database holding the rows of the deposit and orders in the logs. */
function databaseContract(
  name: string,
  open: (dir: string, deposit: string) => Promise<SqlSource>,
) {
  describe(`trace with database rows: ${name}`, () => {
    let logs: ServiceLogs;
    let db: TraceDatabase;
    let deposit = "";

    before(async () => {
      logs = await ServiceLogs.open();
      deposit = depositLines(logs);
      await logs.close();
      db = new TraceDatabase(await open(logs.dir, deposit));
    });
    after(async () => {
      await db.close();
      logs.remove();
    });

    test("a deposit ends at its transfers and ledger rows", async () => {
      const r = await trace(deposit, { log_dirs: [logs.dir], database: db });
      assert.equal(r.status, "complete");
      const rows = r.timeline.filter((e) => e.source === "db");
      assert.deepEqual(
        rows.map((e) => [e.event, e.gap_ms]),
        [
          ["DB transfers row", null],
          ["DB balance_ledger row", null],
        ],
      );
      assert.equal(rows[0]?.fields.request_id, "dep-1");
    });

    test("a trade in the order's history with no log line is reported missing", async () => {
      const r = await trace("12", { log_dirs: [logs.dir], database: db });
      assert.equal(r.status, "incomplete");
      assert.deepEqual(
        r.missing.map((m) => [m.flow, m.event, m.service]),
        [
          [`trade:${UNLOGGED_TRADE}`, "TRADE_EXECUTED", "matching_engine"],
          [`trade:${UNLOGGED_TRADE}`, "TRADE_PERSISTED", "settlement"],
        ],
      );
      const logged = r.flows.find((f) => f.key === `trade:${TRADE}`);
      assert.equal(logged?.complete, true);
      assert.equal(logged?.entries.filter((e) => e.event === "DB trades row").length, 1);
      const placed = r.flows.find((f) => f.key === "order:12");
      assert.equal(placed?.complete, true);
      assert.deepEqual(
        placed?.entries.filter((e) => e.source === "db").map((e) => [e.event, e.fields.trade_id]),
        [
          ["DB orders row", undefined],
          ["DB trades row", TRADE],
          ["DB trades row", UNLOGGED_TRADE],
        ],
      );
      // A row both the order's and the trade's flows hold is shown once.
      assert.deepEqual(
        r.timeline.filter((e) => e.event === "DB trades row").map((e) => e.fields.trade_id),
        [TRADE, UNLOGGED_TRADE],
      );
    });

    test("an id only the database knows: what the logs lack is listed", async () => {
      const r = await trace(String(UNLOGGED_TRADE), { log_dirs: [logs.dir], database: db });
      assert.deepEqual(r.subject, { kind: "trade", id: String(UNLOGGED_TRADE) });
      assert.equal(r.status, "incomplete");
      assert.ok(r.notes.some((n) => n.includes("sampled")));
    });
  });
}

function depositLines(logs: ServiceLogs): string {
  const id = transfer(logs, {
    type: "deposit",
    user_id: 1001,
    asset_id: 1,
    req_id: "g-1",
    request_id: "dep-1",
    ts_ms: logs.now,
  });
  order(logs, { order_id: 12, req_id: "g-2" });
  order(logs, { order_id: 13, req_id: "g-3", fills: [{ trade_id: TRADE, maker_order_id: 12 }] });
  return id;
}

databaseContract("SQLite", async (dir, deposit) => {
  const path = join(dir, "settlement.db");
  const store = openSqliteStore(path, { symbols: SYMBOLS });
  await store.migrate();
  await store.close();
  const raw = new Database(path);
  await insertRows(async (sql, params) => {
    raw.prepare(sql).run(...params);
  }, deposit);
  raw.close();
  return openSqliteSource(path);
});

const gate = postgresGate();
if (gate.run) {
  const schema = uniqueSchema();
  databaseContract("PostgreSQL", async (_dir, deposit) => {
    const store = await openPostgresStore(PG_URL, { symbols: SYMBOLS, schema });
    await store.migrate();
    await store.close();
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query(`SET search_path = ${schema}`);
    await insertRows(async (sql, params) => {
      let n = 0;
      await client.query(
        sql.replace(/\?/g, () => `$${++n}`),
        [...params],
      );
    }, deposit);
    const source = await openPostgresSource(PG_URL, schema);
    return {
      all: source.all,
      async close() {
        await source.close();
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await client.end();
      },
    };
  });
} else if ("fail" in gate) {
  test("trace with database rows: PostgreSQL", () => assert.fail(gate.fail));
} else {
  test("trace with database rows: PostgreSQL", { skip: gate.skip }, () => {});
}
