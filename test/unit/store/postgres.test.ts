import assert from "node:assert/strict";
import { test } from "node:test";
import pg from "pg";
import { openPostgresStore } from "../../../src/store/mod.ts";
import { storeContract } from "./contract.ts";
import { SYMBOLS } from "./fixtures.ts";
import { PG_URL, postgresGate, uniqueSchema } from "./services.ts";

async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
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
        await dropSchema(schema);
      },
    };
  });
} else if ("fail" in gate) {
  test("settlement store contract: PostgreSQL", () => assert.fail(gate.fail));
} else {
  test("settlement store contract: PostgreSQL", { skip: gate.skip }, () => {});
}
