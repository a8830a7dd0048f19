// Distributed settlement against real components: output batches published
// to a topic of the file event log, settled into a PostgreSQL schema of its
// own; restarts resume from the stored transport position, a database that
// goes away is waited out, and a corrupted batch stops settlement.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import pg from "pg";
import { Core, Side } from "../../../src/core/mod.ts";
import { startSettlement } from "../../../src/settlement/mod.ts";
import { openPostgresStore, type SettlementStore } from "../../../src/store/mod.ts";
import { LocalLog } from "../../../src/transport/mod.ts";
import { eventually } from "../../support/exchange-process.ts";
import { TcpProxy } from "../../support/tcp-proxy.ts";
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
import { PG_URL, postgresGate, uniqueSchema } from "../store/services.ts";

const TOPIC = "engine.outputs";

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

interface Fixture {
  log: LocalLog;
  schema: string;
  open(url?: string): Promise<SettlementStore>;
  done(): Promise<void>;
}

async function fixture(): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), "bourse-consumer-"));
  const log = new LocalLog({ dir, sync: "batch" });
  await log.ensureTopics([TOPIC]);
  const schema = uniqueSchema();
  const stores: SettlementStore[] = [];
  return {
    log,
    schema,
    async open(url = PG_URL) {
      const s = await openPostgresStore(url, { symbols: SPEC.symbols, schema });
      await s.migrate();
      stores.push(s);
      return s;
    },
    async done() {
      for (const s of stores) await s.close().catch(() => undefined);
      await log.close();
      rmSync(dir, { recursive: true, force: true });
      await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    },
  };
}

const gate = postgresGate();
describe("distributed settlement (startSettlement)", {
  skip: gate.run ? false : "PostgreSQL not reachable",
}, () => {
  test("batches on the topic become rows; a restart resumes where the rows end", async () => {
    const f = await fixture();
    try {
      const core = new Core(SPEC);
      const day = sealedRun(dayCommands(), core);
      await f.log.publish(TOPIC, outputBatch(1, day.sealed.slice(0, 5)), { id: "ob:1" });
      await f.log.publish(TOPIC, outputBatch(6, day.sealed.slice(5)), { id: "ob:6" });
      const store = await f.open();
      const first = await startSettlement({ log: f.log, topic: TOPIC, store, catalog: SPEC });
      assert.equal(first.start, null);
      assert.equal(await first.waitFor(14, 10_000), true);
      await first.stop();
      const p = await store.position();
      assert.deepEqual([p?.seq, p?.source_seq], [14, 2]);
      assert.equal((await store.orderHistory({ user_id: BUYER, limit: 10 })).length, 4);

      // The sequencer, restarted, publishes an overlapping batch, then a new one.
      const more = sealedRun([limit(SELLER, Side.Sell, 4_000_000, 10, T0 + 2 * HOUR)], core);
      await f.log.publish(TOPIC, outputBatch(10, day.sealed.slice(9)), { id: "ob:10" });
      await f.log.publish(TOPIC, outputBatch(15, more.sealed), { id: "ob:15" });
      const second = await startSettlement({ log: f.log, topic: TOPIC, store, catalog: SPEC });
      assert.deepEqual([second.start?.seq, second.start?.source_seq], [14, 2]);
      assert.equal(await second.waitFor(15, 10_000), true);
      await second.stop();
      assert.deepEqual(
        [(await store.position())?.seq, (await store.position())?.source_seq],
        [15, 4],
      );
      assert.equal((await store.marketTrades({ symbol_id: 1, limit: 10 })).length, 3);
      const events = [...day.outputs, ...more.outputs].flatMap((o) => o.events);
      assert.equal(
        (await store.ledger({ user_id: BUYER, limit: 100 })).length,
        events.filter((e) => e.user_id === BUYER).length,
      );
    } finally {
      await f.done();
    }
  });

  test("a database that goes away is waited out; nothing is lost or doubled", async () => {
    const f = await fixture();
    const proxy = await TcpProxy.start("127.0.0.1", Number(new URL(PG_URL).port || 5432));
    try {
      const day = sealedRun(dayCommands());
      const url = new URL(PG_URL);
      url.port = String(proxy.port);
      const store = await f.open(url.toString());
      const s = await startSettlement({ log: f.log, topic: TOPIC, store, catalog: SPEC });
      await f.log.publish(TOPIC, outputBatch(1, day.sealed.slice(0, 3)), { id: "ob:1" });
      assert.equal(await s.waitFor(3, 10_000), true);
      proxy.pause();
      await f.log.publish(TOPIC, outputBatch(4, day.sealed.slice(3)), { id: "ob:4" });
      await eventually(
        async () => s.healthy(),
        (h) => !h,
        "settlement to notice the outage",
      );
      assert.equal(s.committedSeq(), 3);
      proxy.resume();
      assert.equal(await s.waitFor(14, 30_000), true);
      assert.equal(s.healthy(), true);
      await s.stop();
      const reader = await f.open();
      // Every balance event of the day once: the outage doubled nothing.
      const events = day.outputs.flatMap((o) => o.events).filter((e) => e.user_id === BUYER);
      assert.equal((await reader.ledger({ user_id: BUYER, limit: 100 })).length, events.length);
      assert.equal((await reader.transfer("dep-1"))?.output_seq, 1);
    } finally {
      await proxy.close();
      await f.done();
    }
  });

  test("a corrupted batch stops settlement with BAD_HASH", async () => {
    const f = await fixture();
    try {
      const day = sealedRun(dayCommands());
      const bad = day.sealed.map((b) => Buffer.from(b));
      const victim = bad[4] as Buffer;
      victim[30] = (victim[30] as number) ^ 1;
      await f.log.publish(TOPIC, outputBatch(1, bad), { id: "ob:1" });
      const store = await f.open();
      let failed: (err: unknown) => void = () => undefined;
      const failure = new Promise<unknown>((resolve) => {
        failed = resolve;
      });
      const s = await startSettlement({
        log: f.log,
        topic: TOPIC,
        store,
        catalog: SPEC,
        on_failure: (err) => failed(err),
      });
      const err = (await failure) as { code?: string };
      assert.equal(err.code, "BAD_HASH");
      assert.equal(s.healthy(), false);
      await s.stop();
      assert.equal(await store.position(), null);
    } finally {
      await f.done();
    }
  });
});
