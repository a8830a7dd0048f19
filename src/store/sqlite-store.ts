// The embedded store: one on-disk SQLite file in WAL mode, written by one
// synchronous transaction per batch (in settlement's worker thread), read by
// other connections (the gateway's, read-only) that see whole batches thanks
// to WAL snapshots.

import Database from "better-sqlite3";
import {
  checkBatch,
  checkTails,
  positionRows,
  resultOf,
  type Step,
  samePosition,
  stepOf,
  unknownTails,
} from "./apply.ts";
import { LedgerTails } from "./ledger-tails.ts";
import { type DbRow, num, toPosition } from "./mappers.ts";
import { MIGRATIONS_TABLE, pendingMigrations, SQLITE } from "./migrations.ts";
import { planTables } from "./plan.ts";
import { positionQuery, type Query } from "./queries.ts";
import { createReads } from "./reads.ts";
import { sqliteInsert, sqliteParams, sqliteUpdate } from "./sqlite-sql.ts";
import {
  CORE_STREAM,
  type CoreBatch,
  type SettlementReader,
  type SettlementStore,
  type SqliteStoreOptions,
  type StoredPosition,
  type StoreOptions,
  type SymbolAssets,
} from "./types.ts";
import type { Planned } from "./writes.ts";

type Statements = (sql: string) => Database.Statement;

function statementCache(db: Database.Database): { get: Statements; clear(): void } {
  const cache = new Map<string, Database.Statement>();
  return {
    get(sql) {
      let s = cache.get(sql);
      if (s === undefined) {
        s = db.prepare(sql);
        cache.set(sql, s);
      }
      return s;
    },
    clear: () => cache.clear(),
  };
}

function fetcher(prepared: Statements): (q: Query) => DbRow[] {
  return (q) => {
    const s = prepared(sqliteParams(q.text));
    if (q.big === true) s.safeIntegers(true);
    return s.all(q.params) as DbRow[];
  };
}

function symbolMap(opts: StoreOptions): Map<number, SymbolAssets> {
  return new Map(opts.symbols.map((s) => [s.id, s]));
}

/**
 * A table's rows through its one-row statement, each row's values passed as
 * arguments: cheaper here than multi-row statements, whose parameter arrays
 * cost more to fill and bind than the extra statement steps (measured:
 * bench/results/settlement.md).
 */
function exec(prepared: Statements, t: Planned): void {
  if (t.count === 0) return;
  const stmt = prepared(t.spec.op === "insert" ? sqliteInsert(t.spec) : sqliteUpdate(t.spec));
  for (let i = 0; i < t.count; i++) t.run(stmt, i);
}

function configure(db: Database.Database, cache_mib: number): void {
  db.pragma("busy_timeout = 5000");
  db.pragma(`cache_size = ${-1024 * cache_mib}`);
  // Multi-row statements keep a statement journal (the pages they may have
  // to undo); in a temporary file that is a write syscall per page.
  db.pragma("temp_store = MEMORY");
}

export function openSqliteStore(path: string, opts: SqliteStoreOptions): SettlementStore {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  // The position commits with its rows, so NORMAL's only risk (the last
  // commits vanish on power loss) means handing those outputs over again.
  db.pragma(`synchronous = ${opts.synchronous ?? "NORMAL"}`);
  configure(db, opts.cache_mib ?? 256);
  // Every random-key index insert dirties a whole page, and each checkpoint
  // copies those pages into the database and fsyncs it: checkpointing every
  // 64 MiB of WAL rather than every 4 MiB nearly doubles the rows per second
  // (bench/results/store.md). The WAL file is cut back to that size after.
  db.pragma("wal_autocheckpoint = 16384");
  db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
  const symbols = symbolMap(opts);
  const statements = statementCache(db);
  const all = fetcher(statements.get);
  const tails = new LedgerTails();
  let known: StoredPosition | null = null;

  const readPosition = (): StoredPosition | null => {
    const r = all(positionQuery(CORE_STREAM))[0];
    return r === undefined ? null : toPosition(r);
  };

  const lastSeq =
    "SELECT seq FROM balance_ledger WHERE user_id = ? AND asset_id = ? ORDER BY seq DESC LIMIT 1";

  const applyTx = db.transaction((batch: CoreBatch): Step => {
    const stored = readPosition();
    if (!samePosition(stored, known)) tails.clear();
    known = stored;
    const step = stepOf(batch, stored, symbols);
    const plan = step.plan;
    if (plan === null || step.position === null) return step;
    const seqOf = statements.get(lastSeq).pluck();
    for (const a of unknownTails(plan, tails)) {
      const seq = seqOf.get(a.user_id, a.asset_id);
      tails.learn(a.user_id, a.asset_id, seq === undefined ? 0 : num(seq));
    }
    checkTails(plan, tails);
    for (const t of planTables(plan)) exec(statements.get, t);
    exec(statements.get, positionRows(step.position));
    return step;
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
    for (const m of pendingMigrations(done, `SQLite file ${path}`)) {
      for (const sql of m.statements(SQLITE)) db.exec(sql);
      record.run(m.version, Date.now());
    }
  });

  return {
    ...createReads(async (q) => all(q), symbols),
    async migrate() {
      migrateTx.immediate();
      statements.clear();
    },
    async apply(batch) {
      checkBatch(batch);
      // IMMEDIATE takes the write lock before the position is read, so
      // another writer cannot slip in between the check and the writes.
      const step = applyTx.immediate(batch);
      if (step.plan !== null) {
        tails.commit(step.plan.accounts);
        known = step.position;
      }
      return resultOf(step);
    },
    async close() {
      statements.clear();
      db.close();
    },
  };
}

/**
 * A read-only connection to a store's file (the gateway's, beside the
 * writer in settlement's worker). It never writes, so it needs no lock; WAL
 * lets it read whole committed batches while the writer goes on.
 */
export function openSqliteReader(
  path: string,
  opts: StoreOptions & { cache_mib?: number },
): SettlementReader {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  configure(db, opts.cache_mib ?? 64);
  const statements = statementCache(db);
  const all = fetcher(statements.get);
  return {
    ...createReads(async (q) => all(q), symbolMap(opts)),
    async close() {
      statements.clear();
      db.close();
    },
  };
}
