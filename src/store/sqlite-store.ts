// The embedded store: one on-disk SQLite file in WAL mode, written by one
// synchronous transaction per batch. better-sqlite3 is synchronous, so a
// batch never interleaves with a read of this process; readers in other
// processes see whole batches thanks to WAL snapshots.

import Database from "better-sqlite3";
import { accountKey, checkAccountStarts } from "./balance-plan.ts";
import { type DbRow, num, positionMap, toPosition } from "./mappers.ts";
import { MIGRATIONS, MIGRATIONS_TABLE, SQLITE } from "./migrations.ts";
import { planBatch, type Step } from "./plan.ts";
import { POSITIONS_SQL, type Query } from "./queries.ts";
import { createReads } from "./reads.ts";
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

/** Rows per multi-row statement: 64 x 16 columns stays far below SQLite's parameter limit. */
const CHUNK_ROWS = 64;

export function openSqliteStore(path: string, opts: SqliteStoreOptions): SettlementStore {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  // Positions commit with their rows, so NORMAL's only risk (the last
  // commits vanish on power loss) means consuming those outputs again.
  const synchronous = opts.synchronous ?? "NORMAL";
  db.pragma(`synchronous = ${synchronous}`);
  db.pragma("busy_timeout = 5000");
  db.pragma(`cache_size = ${-1024 * (opts.cache_mib ?? 256)}`);
  // Multi-row statements keep a statement journal (the pages they may have
  // to undo); in a temporary file that is a write syscall per page.
  db.pragma("temp_store = MEMORY");
  // Every random-key index insert dirties a whole page, and each checkpoint
  // copies those pages into the database and fsyncs it: checkpointing every
  // 64 MiB of WAL rather than every 4 MiB nearly doubles the rows per second
  // (bench/results/store.md). The WAL file is cut back to that size after.
  db.pragma("wal_autocheckpoint = 16384");
  db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
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
    const rows = step.rows;
    if (rows.length === 0) return;
    let i = 0;
    if (step.spec.op !== "update" && rows.length >= CHUNK_ROWS) {
      const many = prepared(sqliteWrite(step.spec, CHUNK_ROWS));
      for (; i + CHUNK_ROWS <= rows.length; i += CHUNK_ROWS) {
        many.run(rows.slice(i, i + CHUNK_ROWS).flat());
      }
    }
    const one = prepared(sqliteWrite(step.spec));
    for (; i < rows.length; i++) one.run(rows[i]);
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
    ...createReads(async (q) => all(q)),
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
    async close() {
      statements.clear();
      db.close();
    },
  };
}
