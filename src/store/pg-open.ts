// Opening the store on a PostgreSQL server through a pg pool. Every
// connection starts with search_path set to the store's schema, so the
// shared SQL needs no schema prefix.

import pg from "pg";
import type { PgConnector } from "./pg-connector.ts";
import { checkSchemaName, createPgStore } from "./pg-store.ts";
import type { PostgresStoreOptions, SettlementStore } from "./types.ts";

function poolConnector(pool: pg.Pool): PgConnector {
  return {
    async session(fn) {
      const client = await pool.connect();
      try {
        const out = await fn(client);
        client.release();
        return out;
      } catch (err) {
        // Destroys the connection instead of returning it: a failure may
        // have left it in an unknown state.
        client.release(err instanceof Error ? err : true);
        throw err;
      }
    },
    query: (text, params) => pool.query(text, params),
    end: () => pool.end(),
  };
}

/** Connects (and fails fast if the server is unreachable); call migrate() before use. */
export async function openPostgresStore(
  url: string,
  opts: PostgresStoreOptions,
): Promise<SettlementStore> {
  const schema = checkSchemaName(opts.schema ?? "public");
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max_connections ?? 4,
    options: `-c search_path=${schema}`,
  });
  // An idle connection that breaks is dropped by the pool; the next query
  // that needs one reports the failure to its caller.
  pool.on("error", () => undefined);
  try {
    await pool.query("SELECT 1");
  } catch (err) {
    await pool.end();
    throw err;
  }
  return createPgStore(poolConnector(pool), { symbols: opts.symbols, schema });
}
