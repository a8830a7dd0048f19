import assert from "node:assert/strict";
import { test } from "node:test";
import pg from "pg";
import {
  createPgStore,
  openPostgresStore,
  StoreError,
  singleConnection,
  watchPostgresPosition,
} from "../../../src/store/mod.ts";
import { storeContract } from "./contract.ts";
import { day, SYMBOLS } from "./fixtures.ts";
import { PG_URL, postgresGate, uniqueSchema } from "./services.ts";

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const gate = postgresGate();
if (gate.run) {
  storeContract("PostgreSQL (own schema)", async () => {
    const schema = uniqueSchema();
    const store = await openPostgresStore(PG_URL, { symbols: SYMBOLS, schema });
    return {
      store,
      async dispose() {
        await store.close();
        await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      },
    };
  });

  // An engine without COPY (PGlite, say): the whole batch in one statement.
  storeContract("PostgreSQL over one connection, without COPY", async () => {
    const schema = uniqueSchema();
    const client = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${schema}` });
    await client.connect();
    const conn = singleConnection({ query: (text, params) => client.query(text, params) }, () =>
      client.end(),
    );
    const store = createPgStore(conn, { symbols: SYMBOLS, schema });
    return {
      store,
      async dispose() {
        await store.close();
        await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      },
    };
  });

  test("PostgreSQL: waiting for a position resolves on the commit's notification", async () => {
    const schema = uniqueSchema();
    const store = await openPostgresStore(PG_URL, { symbols: SYMBOLS, schema });
    try {
      await store.migrate();
      // A long poll interval: only the notification can resolve the wait in time.
      const watch = await watchPostgresPosition(PG_URL, { schema, poll_ms: 60_000 });
      try {
        const d = day();
        assert.equal(watch.committedSeq(), 0);
        assert.equal(await watch.waitFor(3, 20), false);
        const waiting = watch.waitFor(3, 10_000);
        await store.apply(d.a);
        assert.equal(await waiting, true);
        assert.equal(watch.committedSeq(), 3);
        assert.equal(await watch.waitFor(2, 0), true);
      } finally {
        await watch.close();
      }
    } finally {
      await store.close();
      await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    }
  });

  test("PostgreSQL: a schema of the previous generation is refused", async () => {
    const schema = uniqueSchema();
    await admin(
      `CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.schema_migrations (version INTEGER PRIMARY KEY, applied_at_ms BIGINT NOT NULL); INSERT INTO ${schema}.schema_migrations VALUES (1, 0)`,
    );
    const store = await openPostgresStore(PG_URL, { symbols: SYMBOLS, schema });
    try {
      await assert.rejects(
        store.migrate(),
        (err: unknown) => err instanceof StoreError && err.code === "SCHEMA_UNSUPPORTED",
      );
    } finally {
      await store.close();
      await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    }
  });
} else if ("fail" in gate) {
  test("settlement store contract: PostgreSQL", () => assert.fail(gate.fail));
} else {
  test("settlement store contract: PostgreSQL", { skip: gate.skip }, () => {});
}
