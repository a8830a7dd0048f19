// The PostgreSQL store. Each batch is one transaction on one connection:
// lock the batch's streams, read their positions, check the ledger's
// continuity, then write every table and the positions in one statement.

import { accountKey, checkAccountStarts } from "./balance-plan.ts";
import { type DbRow, num, positionMap } from "./mappers.ts";
import { MIGRATIONS, MIGRATIONS_TABLE, POSTGRES } from "./migrations.ts";
import type { PgConnector, PgSession } from "./pg-connector.ts";
import { pgBatchWrite, pgParams } from "./pg-sql.ts";
import { planBatch, WRITE_ORDER, type WritePlan } from "./plan.ts";
import { POSITIONS_SQL, type Query } from "./queries.ts";
import { createReads } from "./reads.ts";
import { checkBatch, unapplied } from "./streams.ts";
import type { SettlementStore, StoreOptions, SymbolAssets } from "./types.ts";
import { LEDGER_INSERT, POSITION_UPSERT } from "./writes.ts";

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function checkSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error(`schema must match ${SCHEMA_NAME.source}, got ${JSON.stringify(schema)}`);
  }
  return schema;
}

const LAST_SEQS_SQL = `SELECT a.user_id, a.asset_id,
    (SELECT l.seq FROM balance_ledger l
      WHERE l.user_id = a.user_id AND l.asset_id = a.asset_id
      ORDER BY l.seq DESC LIMIT 1) AS seq
  FROM unnest($1::bigint[], $2::integer[]) AS a(user_id, asset_id)`;

const WRITE_SQL = pgBatchWrite([...WRITE_ORDER, LEDGER_INSERT, POSITION_UPSERT]);

/** One statement for the whole batch; empty arrays make a table's CTE a no-op. */
async function write(s: PgSession, plan: WritePlan): Promise<void> {
  const params: string[] = [];
  for (const step of [...plan.steps, plan.ledger, plan.positions]) {
    params.push(...pgParams(step.spec, step.rows));
  }
  await s.query(WRITE_SQL, params);
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

  return {
    ...createReads(all),
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
          for (const m of MIGRATIONS) {
            if (done.has(m.version)) continue;
            for (const sql of m.statements(POSTGRES)) await s.query(sql);
            await s.query(
              "INSERT INTO schema_migrations (version, applied_at_ms) VALUES ($1, $2)",
              [m.version, Date.now()],
            );
          }
        }),
      );
    },

    async loadPositions() {
      return positionMap(await all({ text: POSITIONS_SQL, params: [] }));
    },

    async apply(batch) {
      const streams = checkBatch(batch);
      return conn.session((s) =>
        inTransaction(s, async () => {
          // Writers of the same stream queue here; the positions read after
          // the lock are the ones the previous writer committed.
          await s.query("SELECT pg_advisory_xact_lock(hashtext(k)) FROM unnest($1::text[]) AS k", [
            streams.map(lockKey),
          ]);
          const stored = positionMap(
            (await s.query(`${POSITIONS_SQL} WHERE stream = ANY($1::text[])`, [streams])).rows,
          );
          const todo = unapplied(batch, stored);
          const plan = planBatch(todo.engine, todo.balance, todo.positions, symbols);
          // Checked before the write: the batch's rows go in one statement.
          if (plan.starts.length > 0) {
            const found = await s.query(LAST_SEQS_SQL, [
              plan.starts.map((a) => a.user_id),
              plan.starts.map((a) => a.asset_id),
            ]);
            const lasts = new Map<string, number>();
            for (const r of found.rows) {
              if (r.seq !== null)
                lasts.set(accountKey(num(r.user_id), num(r.asset_id)), num(r.seq));
            }
            checkAccountStarts(plan.starts, lasts);
          }
          if (plan.rows > 0 || plan.positions.rows.length > 0) await write(s, plan);
          return { rows: plan.rows, skipped: todo.skipped };
        }),
      );
    },

    async close() {
      await conn.end();
    },
  };
}
