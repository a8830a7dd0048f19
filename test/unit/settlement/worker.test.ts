// Settlement's worker thread against a real SQLite file: batches handed over
// as bytes, commits reported back, restarts that resume from the stored
// position, and the failures that stop it with their codes.

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import Database from "better-sqlite3";
import { Core, OrderStatus, Side } from "../../../src/core/mod.ts";
import type { CommitReport } from "../../../src/settlement/mod.ts";
import { startSettlementWorker } from "../../../src/settlement/mod.ts";
import { openSqliteReader } from "../../../src/store/mod.ts";
import {
  BUYER,
  dayCommands,
  HOUR,
  limit,
  outputBatch,
  SELLER,
  SPEC,
  sealedRun,
  T0,
} from "../store/fixtures.ts";

function tempDir(): { dir: string; done(): void } {
  const dir = mkdtempSync(join(tmpdir(), "bourse-settle-"));
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

describe("settlement worker", () => {
  test("a batch that is a view into a larger Buffer is copied, never moved out of it", async () => {
    const t = tempDir();
    try {
      const path = join(t.dir, "settlement.db");
      const { sealed } = sealedRun(dayCommands());
      const w = await startSettlementWorker({ path, catalog: SPEC });
      const bytes = outputBatch(1, sealed);
      // The sender's buffer (a journal page, a writer reused for every batch) holds more.
      const page = Buffer.alloc(bytes.byteLength + 64);
      page.set(bytes, 32);
      w.push(page.subarray(32, 32 + bytes.byteLength));
      assert.equal(page.byteLength, bytes.byteLength + 64, "the sender's buffer is intact");
      assert.deepEqual(page.subarray(32, 32 + bytes.byteLength), Buffer.from(bytes));
      assert.equal(await w.waitFor(sealed.length, 10_000), true);
      await w.stop();
    } finally {
      t.done();
    }
  });

  test("batches handed over as bytes become rows; commits are reported", async () => {
    const t = tempDir();
    try {
      const path = join(t.dir, "settlement.db");
      const { outputs, sealed } = sealedRun(dayCommands());
      const w = await startSettlementWorker({ path, catalog: SPEC });
      assert.deepEqual(w.start, { seq: 0, hash: 0n });
      const reports: CommitReport[] = [];
      w.onCommitted((r) => reports.push(r));
      w.push(outputBatch(1, sealed.slice(0, 5)));
      w.push(outputBatch(6, sealed.slice(5)));
      assert.equal(w.backlog(), 14);
      assert.equal(await w.waitFor(14, 10_000), true);
      assert.equal(w.backlog(), 0);
      assert.equal(w.committedSeq(), 14);
      assert.equal(
        reports.reduce((n, r) => n + r.outputs, 0),
        14,
      );
      assert.equal(reports.at(-1)?.hash, outputs[13]!.hash);
      assert.equal(
        reports.reduce((n, r) => n + r.trades, 0),
        2,
      );
      const reader = openSqliteReader(path, { symbols: SPEC.symbols });
      try {
        assert.deepEqual(
          (await reader.orderHistory({ user_id: BUYER, limit: 10 })).map((o) => [
            o.order_id,
            o.status,
          ]),
          [
            [6, OrderStatus.New],
            [5, OrderStatus.Expired],
            [3, OrderStatus.Rejected],
            [2, OrderStatus.Filled],
          ],
        );
        assert.equal((await reader.position())?.seq, 14);
      } finally {
        await reader.close();
      }
      await w.stop();
      assert.equal(w.failure(), null);
    } finally {
      t.done();
    }
  });

  test("after a restart it starts from the stored position and skips what it holds", async () => {
    const t = tempDir();
    try {
      const path = join(t.dir, "settlement.db");
      const core = new Core(SPEC);
      const day = sealedRun(dayCommands(), core);
      const first = await startSettlementWorker({ path, catalog: SPEC });
      first.push(outputBatch(1, day.sealed));
      await first.waitFor(14, 10_000);
      await first.stop();
      const second = await startSettlementWorker({ path, catalog: SPEC });
      assert.deepEqual(second.start, { seq: 14, hash: day.outputs[13]!.hash });
      // Handed over again (the sequencer re-sends from an older point): skipped.
      second.push(outputBatch(1, day.sealed));
      const more = sealedRun([limit(SELLER, Side.Sell, 4_000_000, 10, T0 + 2 * HOUR)], core);
      second.push(outputBatch(15, more.sealed));
      assert.equal(await second.waitFor(15, 10_000), true);
      assert.equal(second.backlog(), 0);
      await second.stop();
      const db = new Database(path, { readonly: true });
      try {
        assert.equal(db.prepare("SELECT count(*) AS n FROM orders").pluck().get(), 7);
        // Order 7 took the buyer's resting order 6: one more trade.
        assert.equal(db.prepare("SELECT count(*) AS n FROM trades").pluck().get(), 3);
      } finally {
        db.close();
      }
    } finally {
      t.done();
    }
  });

  test("a corrupted output stops settlement with BAD_HASH; nothing of its batch is written", async () => {
    const t = tempDir();
    try {
      const path = join(t.dir, "settlement.db");
      const { sealed } = sealedRun(dayCommands());
      const w = await startSettlementWorker({ path, catalog: SPEC });
      const failed = new Promise((resolve) => w.onFailure(resolve));
      w.push(outputBatch(1, sealed.slice(0, 3)));
      assert.equal(await w.waitFor(3, 10_000), true);
      const bad = sealed.slice(3).map((s) => Buffer.from(s));
      const victim = bad[2] as Buffer;
      victim[20] = (victim[20] as number) ^ 1;
      const waiting = w.waitFor(14, 10_000);
      w.push(outputBatch(4, bad));
      assert.deepEqual(await failed, {
        code: "BAD_HASH",
        message: "BAD_HASH: output 6: its bytes do not match its hash",
      });
      assert.equal(await waiting, false);
      assert.throws(() => w.push(outputBatch(4, sealed.slice(3))), /settlement stopped: BAD_HASH/);
      await w.stop();
      const reader = openSqliteReader(path, { symbols: SPEC.symbols });
      assert.equal((await reader.position())?.seq, 3);
      await reader.close();
    } finally {
      t.done();
    }
  });

  test("a missing output stops settlement with STREAM_GAP", async () => {
    const t = tempDir();
    try {
      const { sealed } = sealedRun(dayCommands());
      const w = await startSettlementWorker({ path: join(t.dir, "s.db"), catalog: SPEC });
      const failed = new Promise<{ code: string }>((resolve) => w.onFailure(resolve));
      w.push(outputBatch(1, sealed.slice(0, 3)));
      assert.equal(await w.waitFor(3, 10_000), true);
      w.push(outputBatch(5, sealed.slice(4)));
      assert.equal((await failed).code, "STREAM_GAP");
      assert.equal(w.committedSeq(), 3);
      await w.stop();
    } finally {
      t.done();
    }
  });

  test("markers are written by the worker into the settlement log", async () => {
    const t = tempDir();
    try {
      const { sealed } = sealedRun(dayCommands());
      const logs = join(t.dir, "logs");
      const w = await startSettlementWorker({
        path: join(t.dir, "s.db"),
        catalog: SPEC,
        log: { dir: logs, level: "info", retention_days: 1, sample_ppm: 1_000_000 },
      });
      w.push(outputBatch(1, sealed));
      await w.waitFor(14, 10_000);
      await w.stop();
      const lines = readFileSync(join(logs, "settlement.log"), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const of = (event: string) => lines.filter((l) => l.event === event);
      assert.deepEqual(
        of("DEPOSIT_PERSISTED").map((l) => [l.request_id, l.outcome, l.table]),
        [
          ["dep-1", "applied", "balance_ledger"],
          ["dep-2", "applied", "balance_ledger"],
          ["dep-1", "duplicate", "none"],
        ],
      );
      assert.deepEqual(
        of("WITHDRAW_PERSISTED").map((l) => [l.request_id, l.outcome, l.table]),
        [
          ["wd-1", "applied", "balance_ledger"],
          ["wd-2", "rejected", "transfers"],
        ],
      );
      assert.equal(of("DEPOSIT_CONSUMED").length, 3);
      assert.deepEqual(
        of("ORDER_PERSISTED").map((l) => l.order_id),
        [1, 2, 3, 4, 5, 6],
      );
      assert.deepEqual(
        of("TRADE_PERSISTED").map((l) => [l.order_id, l.maker_order_id]),
        [
          [2, 1],
          [5, 4],
        ],
      );
      assert.ok(lines.every((l) => l.service === "settlement"));
    } finally {
      t.done();
    }
  });

  test("moving the bytes instead of copying them leaves the caller's view empty", async () => {
    const t = tempDir();
    try {
      const { sealed } = sealedRun(dayCommands());
      const w = await startSettlementWorker({
        path: join(t.dir, "s.db"),
        catalog: SPEC,
        transfer: true,
      });
      // A small Buffer shares Node's pool with others: it is copied, never moved.
      const pooled = outputBatch(1, sealed.slice(0, 2));
      assert.ok(pooled.byteLength < pooled.buffer.byteLength);
      w.push(pooled);
      assert.ok(pooled.byteLength > 0);
      const own = new Uint8Array(outputBatch(3, sealed.slice(2)));
      w.push(own);
      assert.equal(own.byteLength, 0);
      assert.equal(await w.waitFor(14, 10_000), true);
      await w.stop();
    } finally {
      t.done();
    }
  });

  test("a database of the previous schema refuses to start, saying why", async () => {
    const t = tempDir();
    try {
      const path = join(t.dir, "s.db");
      const old = new Database(path);
      old.exec(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at_ms BIGINT)",
      );
      old.exec("INSERT INTO schema_migrations VALUES (1, 0)");
      old.close();
      await assert.rejects(
        startSettlementWorker({ path, catalog: SPEC }),
        /START_FAILED: SCHEMA_UNSUPPORTED: SQLite file .* holds settlement tables of schema 1/,
      );
      writeFileSync(join(t.dir, "keep"), "");
    } finally {
      t.done();
    }
  });
});
