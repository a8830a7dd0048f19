// The settlement store contract against Cassandra (the CQL store), plus what
// only a CQL store has to prove: a batch whose rows were written but whose
// position was not is written again to the same rows. One keyspace per run
// (replication factor 1), emptied between cases: creating tables costs
// Cassandra a schema change each, emptying them a truncate.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import cassandra from "cassandra-driver";
import {
  createCqlStore,
  hashToHex,
  openCqlStore,
  type StoredPosition,
  StoreError,
  watchCqlPosition,
} from "../../../src/store/mod.ts";
import { CASSANDRA_HOST, CASSANDRA_PORT, cassandraGate, uniqueName } from "../../support/gates.ts";
import { storeContract } from "./contract.ts";
import { BUYER, batchOf, day, SELLER, SYMBOL, SYMBOLS } from "./fixtures.ts";

const gate = cassandraGate();
const keyspace = uniqueName("bourse_t").toLowerCase();
const url = `cassandra://${CASSANDRA_HOST}:${CASSANDRA_PORT}/${keyspace}`;

if (gate.run) {
  let client: cassandra.Client;
  before(async () => {
    client = new cassandra.Client({
      contactPoints: [`${CASSANDRA_HOST}:${CASSANDRA_PORT}`],
      localDataCenter: "datacenter1",
      encoding: { useBigIntAsLong: true },
    });
    await client.connect();
    await createCqlStore(client, { symbols: SYMBOLS, keyspace }).migrate();
  });
  after(async () => {
    await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
    await client.shutdown();
  });

  async function empty(): Promise<void> {
    const rs = await client.execute(
      "SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?",
      [keyspace],
    );
    await Promise.all(
      rs.rows
        .filter((r) => r.table_name !== "schema_migrations")
        .map((r) => client.execute(`TRUNCATE ${keyspace}.${r.table_name}`)),
    );
  }

  storeContract("Cassandra (CQL)", async () => {
    await empty();
    const store = createCqlStore(client, { symbols: SYMBOLS, keyspace });
    return { store, dispose: () => store.close() };
  });

  test("Cassandra: a batch written without its position is written again to the same rows", async () => {
    await empty();
    const d = day();
    const store = createCqlStore(client, { symbols: SYMBOLS, keyspace });
    await store.migrate();
    await store.apply(d.a);
    const at_a = (await store.position()) as StoredPosition;
    await store.apply(d.b);
    const want = {
      history: await store.orderHistory({ user_id: BUYER, limit: 100 }),
      active: await store.activeOrders({ user_id: SELLER, limit: 100 }),
      trades: await store.userTrades({ user_id: SELLER, limit: 100 }),
      ledger: await store.ledger({ user_id: BUYER, limit: 100 }),
      klines: await store.klines({ symbol_id: SYMBOL, interval: "1m", limit: 100 }),
      day: await store.klines({ symbol_id: SYMBOL, interval: "1d", limit: 100 }),
      position: await store.position(),
    };
    // Put the position back to after batch a: as if batch b's rows were
    // written and the process died before its conditional update.
    await client.execute(
      `UPDATE ${keyspace}.consumer_positions SET seq = ?, hash = ?, clock_ms = ?, source_seq = ?
        WHERE stream = 'core' IF seq = ?`,
      [
        BigInt(at_a.seq),
        hashToHex(at_a.hash),
        BigInt(at_a.clock_ms),
        BigInt(at_a.source_seq),
        BigInt(want.position?.seq ?? 0),
      ],
      { prepare: true },
    );
    // Handed over again, cut shorter: the first part finds rows (ledger, the
    // day's candle) written ahead of the position and must not count them twice.
    const again = createCqlStore(client, { symbols: SYMBOLS, keyspace });
    const first = await again.apply(batchOf(d.b.outputs.slice(0, 4)));
    assert.deepEqual([first.skipped, first.trades], [0, 1]);
    const rest = await again.apply(batchOf(d.b.outputs.slice(4)));
    assert.deepEqual([rest.skipped, rest.trades], [0, 1]);
    assert.deepEqual(await again.position(), want.position);
    assert.deepEqual(
      {
        history: await again.orderHistory({ user_id: BUYER, limit: 100 }),
        active: await again.activeOrders({ user_id: SELLER, limit: 100 }),
        trades: await again.userTrades({ user_id: SELLER, limit: 100 }),
        ledger: await again.ledger({ user_id: BUYER, limit: 100 }),
        klines: await again.klines({ symbol_id: SYMBOL, interval: "1m", limit: 100 }),
        day: await again.klines({ symbol_id: SYMBOL, interval: "1d", limit: 100 }),
        position: await again.position(),
      },
      want,
    );
  });

  test("Cassandra: a writer sees the position another writer moved and skips what it applied", async () => {
    await empty();
    const d = day();
    const first = createCqlStore(client, { symbols: SYMBOLS, keyspace });
    await first.migrate();
    await first.apply(d.a);
    const second = await openCqlStore(url, { symbols: SYMBOLS });
    try {
      await second.apply(d.b);
      assert.equal((await first.apply(d.b)).skipped, d.b.outputs.length);
    } finally {
      await second.close();
    }
  });

  test("Cassandra: waiting for a position resolves once the position row moves", async () => {
    await empty();
    const d = day();
    const store = createCqlStore(client, { symbols: SYMBOLS, keyspace });
    await store.migrate();
    const watch = await watchCqlPosition(url, { poll_ms: 10, idle_poll_ms: 60_000 });
    try {
      assert.equal(watch.committedSeq(), 0);
      assert.equal(await watch.waitFor(3, 30), false);
      const waiting = watch.waitFor(3, 10_000);
      await store.apply(d.a);
      assert.equal(await waiting, true);
      assert.equal(watch.committedSeq(), 3);
      assert.equal(await watch.waitFor(2, 0), true);
    } finally {
      await watch.close();
    }
  });

  test("Cassandra: a keyspace of another CQL schema generation is refused", async () => {
    const store = createCqlStore(client, { symbols: SYMBOLS, keyspace });
    const row = `${keyspace}.schema_migrations (version, applied_at_ms) VALUES (99, 0)`;
    await client.execute(`INSERT INTO ${row}`);
    try {
      await assert.rejects(store.migrate(), (err: unknown) => {
        assert.ok(err instanceof StoreError);
        assert.equal(err.code, "SCHEMA_UNSUPPORTED");
        assert.match(err.message, /CQL schema 99;.*Start on an empty keyspace/);
        return true;
      });
    } finally {
      await client.execute(`DELETE FROM ${keyspace}.schema_migrations WHERE version = 99`);
    }
  });
} else if ("fail" in gate) {
  test("settlement store contract: Cassandra", () => assert.fail(gate.fail));
} else {
  test("settlement store contract: Cassandra", { skip: gate.skip }, () => {});
}
