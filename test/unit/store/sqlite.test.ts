import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { openSqliteStore } from "../../../src/store/mod.ts";
import { storeContract } from "./contract.ts";
import { day, SELLER, SYMBOLS } from "./fixtures.ts";

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

test("SQLite: a reopened file keeps rows and positions; migrate is a no-op", async () => {
  const dir = mkdtempSync(join(tmpdir(), "bourse-store-"));
  const path = join(dir, "settlement.db");
  try {
    const d = day();
    const first = openSqliteStore(path, { symbols: SYMBOLS });
    await first.migrate();
    await first.apply(d.a);
    await first.close();
    const second = openSqliteStore(path, { symbols: SYMBOLS });
    await second.migrate();
    assert.deepEqual(
      await second.loadPositions(),
      new Map(d.a.positions.map((p) => [p.stream, p])),
    );
    assert.deepEqual(await second.apply(d.a), { rows: 0, skipped: 4 });
    await second.apply(d.b);
    assert.equal((await second.activeOrders({ user_id: SELLER, limit: 10 })).length, 0);
    await second.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
