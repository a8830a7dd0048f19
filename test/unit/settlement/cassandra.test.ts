// Distributed settlement into Cassandra: output batches published to a topic
// of the file event log, settled by startSettlement into the CQL store in a
// keyspace of this run; after a restart (a new process's store, opened from
// the URL) settlement resumes from the position stored with the rows, and an
// overlapping batch the sequencer publishes again is neither lost nor doubled.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import cassandra from "cassandra-driver";
import { Core, OrderStatus, Side } from "../../../src/core/mod.ts";
import { startSettlement } from "../../../src/settlement/mod.ts";
import { openCqlStore } from "../../../src/store/mod.ts";
import { LocalLog } from "../../../src/transport/mod.ts";
import { CASSANDRA_HOST, CASSANDRA_PORT, cassandraGate, uniqueName } from "../../support/gates.ts";
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

const TOPIC = "engine.outputs";
const gate = cassandraGate();

async function dropKeyspace(keyspace: string): Promise<void> {
  const c = new cassandra.Client({
    contactPoints: [`${CASSANDRA_HOST}:${CASSANDRA_PORT}`],
    localDataCenter: "datacenter1",
  });
  await c.connect();
  try {
    await c.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
  } finally {
    await c.shutdown();
  }
}

if (gate.run) {
  test("settlement into Cassandra: rows and position; a restart resumes where the rows end", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bourse-cql-settle-"));
    const log = new LocalLog({ dir, sync: "batch" });
    const keyspace = uniqueName("bourse_t").toLowerCase();
    const url = `cassandra://${CASSANDRA_HOST}:${CASSANDRA_PORT}/${keyspace}`;
    const open = async () => {
      const s = await openCqlStore(url, { symbols: SPEC.symbols });
      await s.migrate();
      return s;
    };
    try {
      await log.ensureTopics([TOPIC]);
      const core = new Core(SPEC);
      const day = sealedRun(dayCommands(), core);
      await log.publish(TOPIC, outputBatch(1, day.sealed.slice(0, 5)), { id: "ob:1" });
      await log.publish(TOPIC, outputBatch(6, day.sealed.slice(5)), { id: "ob:6" });
      const store = await open();
      const first = await startSettlement({ log, topic: TOPIC, store, catalog: SPEC });
      assert.equal(first.start, null);
      assert.equal(await first.waitFor(14, 20_000), true);
      await first.stop();
      const p = await store.position();
      assert.deepEqual([p?.seq, p?.source_seq], [14, 2]);
      const history = await store.orderHistory({ user_id: BUYER, limit: 10 });
      await store.close();

      // Another process: the sequencer, restarted, publishes an overlapping batch, then a new one.
      const more = sealedRun([limit(SELLER, Side.Sell, 4_000_000, 10, T0 + 2 * HOUR)], core);
      await log.publish(TOPIC, outputBatch(10, day.sealed.slice(9)), { id: "ob:10" });
      await log.publish(TOPIC, outputBatch(15, more.sealed), { id: "ob:15" });
      const reopened = await open();
      try {
        const second = await startSettlement({
          log,
          topic: TOPIC,
          store: reopened,
          catalog: SPEC,
        });
        assert.deepEqual([second.start?.seq, second.start?.source_seq], [14, 2]);
        assert.equal(await second.waitFor(15, 20_000), true);
        await second.stop();
        const at = await reopened.position();
        assert.deepEqual([at?.seq, at?.source_seq], [15, 4]);
        // The new sell took the buyer's resting order 6: its row moved on, the others did not.
        const now = await reopened.orderHistory({ user_id: BUYER, limit: 10 });
        assert.deepEqual(
          now.map((o) => o.order_id),
          history.map((o) => o.order_id),
        );
        assert.equal(history.length, 4);
        const six = now.find((o) => o.order_id === 6);
        assert.deepEqual(
          [six?.status, six?.filled_lots, six?.output_seq],
          [OrderStatus.Filled, 10, 15],
        );
        assert.deepEqual(
          now.filter((o) => o.order_id !== 6),
          history.filter((o) => o.order_id !== 6),
        );
        assert.deepEqual(await reopened.activeOrders({ user_id: BUYER, limit: 10 }), []);
        assert.deepEqual(await reopened.activeOrders({ user_id: SELLER, limit: 10 }), []);
        assert.equal((await reopened.marketTrades({ symbol_id: 1, limit: 10 })).length, 3);
        const events = [...day.outputs, ...more.outputs].flatMap((o) => o.events);
        const ledger = await reopened.ledger({ user_id: BUYER, limit: 100 });
        assert.equal(ledger.length, events.filter((e) => e.user_id === BUYER).length);
        // Each account's rows once, with no seq missing: nothing doubled, nothing lost.
        for (const a of new Set(ledger.map((l) => l.asset_id))) {
          const seqs = ledger.filter((l) => l.asset_id === a).map((l) => l.seq);
          assert.deepEqual(
            seqs,
            Array.from({ length: seqs.length }, (_, i) => seqs.length - i),
          );
        }
      } finally {
        await reopened.close();
      }
    } finally {
      await log.close();
      rmSync(dir, { recursive: true, force: true });
      await dropKeyspace(keyspace);
    }
  });
} else if ("fail" in gate) {
  test("settlement into Cassandra", () => assert.fail(gate.fail));
} else {
  test("settlement into Cassandra", { skip: gate.skip }, () => {});
}
