// Opening the store on a PostgreSQL server through a pg pool. Every
// connection starts with search_path set to the store's schema, so the
// shared SQL needs no schema prefix, and with the settings below.

import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import type { PgConnector } from "./pg-connector.ts";
import { checkSchemaName, createPgStore } from "./pg-store.ts";
import type { PostgresStoreOptions, SettlementStore } from "./types.ts";

/**
 * Statements with parameters are named, so each connection parses and
 * plans a statement once and afterwards only binds and executes it. The
 * texts come from a fixed set of shapes, so the names stay few.
 */
function namer(): (text: string, values?: unknown[]) => pg.QueryConfig {
  const names = new Map<string, string>();
  return (text, values) => {
    if (values === undefined || values.length === 0) return { text };
    let name = names.get(text);
    if (name === undefined) {
      name = `bourse_store_${names.size + 1}`;
      names.set(text, name);
    }
    return { name, text, values };
  };
}

function poolConnector(pool: pg.Pool): PgConnector {
  const named = namer();
  return {
    async session(fn) {
      const client = await pool.connect();
      // A connection that breaks while checked out also emits 'error' on the
      // client; the failed query already reports it, so the event is not news.
      const ignore = () => undefined;
      client.on("error", ignore);
      try {
        const out = await fn({
          query: (text, values) => client.query(named(text, values)),
          async copyFrom(sql, text) {
            await pipeline(Readable.from([text]), client.query(copyFrom(sql)));
          },
        });
        client.off("error", ignore);
        client.release();
        return out;
      } catch (err) {
        // Destroys the connection instead of returning it: a failure may
        // have left it in an unknown state.
        client.off("error", ignore);
        client.release(err instanceof Error ? err : true);
        throw err;
      }
    },
    query: (text, values) => pool.query(named(text, values)),
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
    options: [
      `-c search_path=${schema}`,
      // Every statement is prepared and its shape never changes, so one
      // generic plan serves all batches; a custom plan per execution cost
      // more than 4 ms per batch of array parameters.
      "-c plan_cache_mode=force_generic_plan",
      ...(opts.synchronous_commit === false ? ["-c synchronous_commit=off"] : []),
    ].join(" "),
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
