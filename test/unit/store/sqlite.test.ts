import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import Database from "better-sqlite3";
import { openSqliteReader, openSqliteStore, StoreError } from "../../../src/store/mod.ts";
import { storeContract } from "./contract.ts";
import { BUYER, day, SELLER, SYMBOLS } from "./fixtures.ts";

storeContract("SQLite (file on disk, WAL)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "bourse-store-"));
  const store = openSqliteStore(join(dir, "settlement.db"), { symbols: SYMBOLS });
  return {
    store,
    async dispose() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

function withDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), "bourse-store-"));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test(
  "SQLite: a reopened file keeps rows and position; migrate is a no-op",
  withDir(async (dir) => {
    const path = join(dir, "settlement.db");
    const d = day();
    const first = openSqliteStore(path, { symbols: SYMBOLS });
    await first.migrate();
    await first.apply(d.a);
    const position = await first.position();
    await first.close();
    const second = openSqliteStore(path, { symbols: SYMBOLS });
    await second.migrate();
    assert.deepEqual(await second.position(), position);
    assert.deepEqual((await second.apply(d.a)).skipped, 3);
    await second.apply(d.b);
    assert.deepEqual(await second.activeOrders({ user_id: SELLER, limit: 10 }), []);
    await second.close();
  }),
);

test(
  "SQLite: a read-only connection sees each committed batch, never half of one",
  withDir(async (dir) => {
    const path = join(dir, "settlement.db");
    const d = day();
    const writer = openSqliteStore(path, { symbols: SYMBOLS });
    await writer.migrate();
    const reader = openSqliteReader(path, { symbols: SYMBOLS });
    try {
      assert.equal(await reader.position(), null);
      await writer.apply(d.a);
      assert.equal((await reader.position())?.seq, 3);
      await writer.apply(d.b);
      assert.equal((await reader.position())?.seq, 14);
      assert.equal((await reader.orderHistory({ user_id: BUYER, limit: 10 })).length, 4);
      await assert.rejects(
        async () => new Database(path, { readonly: true }).exec("DELETE FROM orders"),
        /readonly/,
      );
    } finally {
      await reader.close();
      await writer.close();
    }
  }),
);

test(
  "SQLite: a file of the previous schema is refused with SCHEMA_UNSUPPORTED",
  withDir(async (dir) => {
    const path = join(dir, "settlement.db");
    const old = new Database(path);
    old.exec(
      "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at_ms BIGINT NOT NULL)",
    );
    old.exec("INSERT INTO schema_migrations VALUES (1, 0)");
    old.exec("CREATE TABLE engine_output_log (symbol_id INTEGER)");
    old.close();
    const store = openSqliteStore(path, { symbols: SYMBOLS });
    try {
      await assert.rejects(store.migrate(), (err: unknown) => {
        assert.ok(err instanceof StoreError);
        assert.equal(err.code, "SCHEMA_UNSUPPORTED");
        assert.match(err.message, /schema 1 .*Start on an empty database/);
        return true;
      });
    } finally {
      await store.close();
    }
  }),
);
