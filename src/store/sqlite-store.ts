// The embedded store: one on-disk SQLite file in WAL mode, written by one
// synchronous transaction per batch. better-sqlite3 is synchronous, so a
// batch never interleaves with a read of this process; readers in other
// processes see whole batches thanks to WAL snapshots.

import Database from "better-sqlite3";
import { accountKey, checkAccountStarts } from "./balance-plan.ts";
import {
  type DbRow,
  num,
  positionMap,
  toLedger,
  toMarketTrade,
  toOrder,
  toOrderEvent,
  toPosition,
  toTrade,
  toTransfer,
} from "./mappers.ts";
import { MIGRATIONS, MIGRATIONS_TABLE, SQLITE } from "./migrations.ts";
import { planBatch, type Step } from "./plan.ts";
import {
  activeOrdersQuery,
  ledgerQuery,
  marketTradesQuery,
  orderEventsQuery,
  orderHistoryQuery,
  POSITIONS_SQL,
  type Query,
  transferQuery,
  userTradesQuery,
} from "./queries.ts";
import { sqliteParams, sqliteWrite } from "./sqlite-sql.ts";
import { checkBatch, unapplied } from "./streams.ts";
import type {
  ApplyResult,
  SettlementBatch,
  SettlementStore,
  SqliteStoreOptions,
  StoredPosition,
  SymbolAssets,
} from "./types.ts";

export function openSqliteStore(path: string, opts: SqliteStoreOptions): SettlementStore {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  // Positions commit with their rows, so NORMAL's only risk (the last
  // commits vanish on power loss) means consuming those outputs again.
  db.pragma(`synchronous = ${opts.synchronous ?? "NORMAL"}`);
  db.pragma("busy_timeout = 5000");
  db.pragma("cache_size = -65536");
  const symbols = new Map<number, SymbolAssets>(opts.symbols.map((s) => [s.id, s]));
  const statements = new Map<string, Database.Statement>();
  const prepared = (sql: string): Database.Statement => {
    let s = statements.get(sql);
    if (s === undefined) {
      s = db.prepare(sql);
      statements.set(sql, s);
    }
    return s;
  };
  const all = (q: Query): DbRow[] => prepared(sqliteParams(q.text)).all(q.params) as DbRow[];

  const exec = (step: Step): void => {
    const stmt = prepared(sqliteWrite(step.spec));
    for (const row of step.rows) stmt.run(row);
  };

  const lastSeqSql = `SELECT seq FROM balance_ledger WHERE user_id = ? AND asset_id = ?
    ORDER BY seq DESC LIMIT 1`;

  const applyTx = db.transaction((batch: SettlementBatch, streams: string[]): ApplyResult => {
    const positionSql = `${POSITIONS_SQL} WHERE stream = ?`;
    const stored = new Map<string, StoredPosition>();
    for (const stream of streams) {
      const r = prepared(positionSql).get(stream) as DbRow | undefined;
      if (r !== undefined) stored.set(stream, toPosition(r));
    }
    const todo = unapplied(batch, stored);
    const plan = planBatch(todo.engine, todo.balance, todo.positions, symbols);
    for (const step of plan.steps) exec(step);
    const lastSeq = prepared(lastSeqSql).pluck();
    const lasts = new Map<string, number>();
    for (const s of plan.starts) {
      const seq = lastSeq.get(s.user_id, s.asset_id);
      if (seq !== undefined) lasts.set(accountKey(s.user_id, s.asset_id), num(seq));
    }
    checkAccountStarts(plan.starts, lasts);
    exec(plan.ledger);
    exec(plan.positions);
    return { rows: plan.rows, skipped: todo.skipped };
  });

  const migrateTx = db.transaction((): void => {
    db.exec(MIGRATIONS_TABLE);
    const done = new Set(
      db
        .prepare("SELECT version FROM schema_migrations")
        .pluck()
        .all()
        .map((v) => num(v)),
    );
    const record = db.prepare(
      "INSERT INTO schema_migrations (version, applied_at_ms) VALUES (?, ?)",
    );
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      for (const sql of m.statements(SQLITE)) db.exec(sql);
      record.run(m.version, Date.now());
    }
  });

  return {
    async migrate() {
      migrateTx.immediate();
      statements.clear();
    },
    async loadPositions() {
      return positionMap(all({ text: POSITIONS_SQL, params: [] }));
    },
    async apply(batch) {
      const streams = checkBatch(batch);
      // IMMEDIATE takes the write lock before the positions are read, so
      // another writer cannot slip in between the check and the writes.
      return applyTx.immediate(batch, streams);
    },
    async activeOrders(q) {
      return all(activeOrdersQuery(q)).map(toOrder);
    },
    async orderHistory(q) {
      return all(orderHistoryQuery(q)).map(toOrder);
    },
    async orderEvents(q) {
      return all(orderEventsQuery(q.order_id)).map(toOrderEvent);
    },
    async userTrades(q) {
      return all(userTradesQuery(q)).map(toTrade);
    },
    async marketTrades(q) {
      return all(marketTradesQuery(q)).map(toMarketTrade);
    },
    async ledger(q) {
      return all(ledgerQuery(q)).map(toLedger);
    },
    async transfer(request_id) {
      const r = all(transferQuery(request_id))[0];
      return r === undefined ? null : toTransfer(r);
    },
    async close() {
      statements.clear();
      db.close();
    },
  };
}
