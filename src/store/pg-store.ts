// The PostgreSQL store. Each batch is one transaction on one connection:
// lock the stream, read the position, check the ledger's continuity, then
// write every table and the position in one statement. The commit also
// notifies the position's channel, which read-your-writes waiters listen on.

import {
  checkBatch,
  checkTails,
  positionRows,
  resultOf,
  samePosition,
  stepOf,
  unknownTails,
} from "./apply.ts";
import { LedgerTails } from "./ledger-tails.ts";
import { type DbRow, num, toPosition } from "./mappers.ts";
import { MIGRATIONS_TABLE, POSTGRES, pendingMigrations } from "./migrations.ts";
import type { PgConnector, PgSession } from "./pg-connector.ts";
import { pgBatchWrite, pgCopy, pgParams } from "./pg-sql.ts";
import { planTables, type WritePlan } from "./plan.ts";
import { positionQuery, type Query } from "./queries.ts";
import { createReads } from "./reads.ts";
import {
  CORE_STREAM,
  type SettlementStore,
  type StoredPosition,
  type StoreOptions,
  type SymbolAssets,
} from "./types.ts";
import {
  KLINE_UPSERT,
  ORDER_UPDATE,
  POSITION_UPSERT,
  TRANSFER_UPSERT,
  WRITE_ORDER,
} from "./writes.ts";

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function checkSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error(`schema must match ${SCHEMA_NAME.source}, got ${JSON.stringify(schema)}`);
  }
  return schema;
}

/** The channel a store's commits notify with their output_seq (one per schema, within PostgreSQL's 63-byte names). */
export function positionChannel(schema: string): string {
  const name = `bourse_settled_${checkSchemaName(schema)}`;
  if (name.length <= 63) return name;
  let h = 0x811c9dc5;
  for (let i = 0; i < schema.length; i++) h = Math.imul(h ^ schema.charCodeAt(i), 0x01000193);
  return `${name.slice(0, 54)}_${(h >>> 0).toString(16).padStart(8, "0")}`;
}

const LAST_SEQS_SQL = `SELECT a.user_id, a.asset_id,
    (SELECT l.seq FROM balance_ledger l
      WHERE l.user_id = a.user_id AND l.asset_id = a.asset_id
      ORDER BY l.seq DESC LIMIT 1) AS seq
  FROM unnest($1::bigint[], $2::integer[]) AS a(user_id, asset_id)`;

const WRITE_SQL = pgBatchWrite(WRITE_ORDER);
const REST_SQL = pgBatchWrite([ORDER_UPDATE, TRANSFER_UPSERT, KLINE_UPSERT, POSITION_UPSERT]);

/**
 * With COPY: the append-only tables (new orders, trades, ledger), which hold
 * nearly all of a batch's rows, are copied in, then the rest goes in one
 * statement. Without it: one statement for the whole batch (empty arrays
 * make a table's CTE a no-op).
 */
async function write(s: PgSession, plan: WritePlan, position: StoredPosition): Promise<void> {
  const params: string[] = [];
  if (s.copyFrom === undefined) {
    for (const t of [...planTables(plan), positionRows(position)]) params.push(...pgParams(t));
    await s.query(WRITE_SQL, params);
    return;
  }
  for (const t of [plan.orderInserts, plan.trades, plan.ledger]) {
    if (t.count === 0) continue;
    const c = pgCopy(t);
    await s.copyFrom(c.sql, c.text);
  }
  for (const t of [plan.orderUpdates, plan.transfers, plan.klines, positionRows(position)]) {
    params.push(...pgParams(t));
  }
  await s.query(REST_SQL, params);
}

async function inTransaction<T>(s: PgSession, fn: () => Promise<T>): Promise<T> {
  await s.query("BEGIN");
  try {
    const out = await fn();
    await s.query("COMMIT");
    return out;
  } catch (err) {
    // A failed ROLLBACK means a broken connection; the connector discards
    // it, and the caller needs the error that started it all.
    await s.query("ROLLBACK").catch(() => undefined);
    throw err;
  }
}

/**
 * A store over any connector; `schema` must be the schema the connector's
 * connections resolve unqualified names in (their search_path).
 */
export function createPgStore(
  conn: PgConnector,
  opts: StoreOptions & { schema: string },
): SettlementStore {
  const schema = checkSchemaName(opts.schema);
  const symbols = new Map<number, SymbolAssets>(opts.symbols.map((s) => [s.id, s]));
  const all = async (q: Query): Promise<DbRow[]> => (await conn.query(q.text, q.params)).rows;
  // Advisory locks are per database; the schema in the key keeps stores in
  // different schemas from waiting on each other.
  const lockKey = (name: string): string => `bourse/${schema}/${name}`;
  const channel = positionChannel(schema);
  const tails = new LedgerTails();
  let known: StoredPosition | null = null;

  async function learnTails(s: PgSession, plan: WritePlan): Promise<void> {
    const unknown = unknownTails(plan, tails);
    if (unknown.length === 0) return;
    const found = await s.query(LAST_SEQS_SQL, [
      unknown.map((a) => a.user_id),
      unknown.map((a) => a.asset_id),
    ]);
    for (const r of found.rows) {
      tails.learn(num(r.user_id), num(r.asset_id), r.seq === null ? 0 : num(r.seq));
    }
  }

  return {
    ...createReads(all, symbols),
    async migrate() {
      await conn.session((s) =>
        inTransaction(s, async () => {
          await s.query("SELECT pg_advisory_xact_lock(hashtext($1))", [lockKey("migrate")]);
          await s.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
          await s.query(`SET LOCAL search_path TO ${schema}`);
          await s.query(MIGRATIONS_TABLE);
          const done = new Set(
            (await s.query("SELECT version FROM schema_migrations")).rows.map((r) =>
              num(r.version),
            ),
          );
          for (const m of pendingMigrations(done, `PostgreSQL schema ${schema}`)) {
            for (const sql of m.statements(POSTGRES)) await s.query(sql);
            await s.query(
              "INSERT INTO schema_migrations (version, applied_at_ms) VALUES ($1, $2)",
              [m.version, Date.now()],
            );
          }
        }),
      );
    },

    async apply(batch) {
      checkBatch(batch);
      const step = await conn.session((s) =>
        inTransaction(s, async () => {
          // Writers queue here; the position read after the lock is the one
          // the previous writer committed.
          await s.query("SELECT pg_advisory_xact_lock(hashtext($1))", [lockKey(CORE_STREAM)]);
          const q = positionQuery(CORE_STREAM);
          const row = (await s.query(q.text, q.params)).rows[0];
          const stored = row === undefined ? null : toPosition(row);
          if (!samePosition(stored, known)) tails.clear();
          known = stored;
          const step = stepOf(batch, stored, symbols);
          if (step.plan === null || step.position === null) return step;
          await learnTails(s, step.plan);
          checkTails(step.plan, tails);
          await write(s, step.plan, step.position);
          await s.query("SELECT pg_notify($1, $2)", [channel, String(step.position.seq)]);
          return step;
        }),
      );
      if (step.plan !== null) {
        tails.commit(step.plan.accounts);
        known = step.position;
      }
      return resultOf(step);
    },

    async close() {
      await conn.end();
    },
  };
}
