// The transport contract on the Kafka event log, against the shared broker
// (BOURSE_KAFKA_BROKERS, default 127.0.0.1:9092; scripts/services.sh starts
// one). Each test has its own topic prefix, and its topics are deleted
// afterwards. Kafka carries no request/reply, so the RPC tests are left out.

import assert from "node:assert/strict";
import { test } from "node:test";
import { Admin } from "@platformatic/kafka";
import { kafkaTopic } from "../../src/transport/mod.ts";
import { transportContract } from "./contract.ts";
import { KAFKA_BROKERS, kafkaGate } from "./gate.ts";
import { kafkaEnv } from "./kafka-env.ts";

const gate = kafkaGate();
const ENC = new TextEncoder();

if (gate.run) {
  transportContract("KafkaLog", async () => kafkaEnv(KAFKA_BROKERS), { rpc: false });

  test("Kafka: a new process republishing ids gets their first seqs; only new ids are stored", async () => {
    const env = kafkaEnv(KAFKA_BROKERS);
    try {
      const t = "validated_orders.BTC_USDT";
      const h1 = await env.open();
      await h1.log.ensureTopics([t]);
      for (let i = 1; i <= 10; i++) {
        assert.equal(await h1.log.publish(t, ENC.encode(`o${i}`), { id: `o${i}` }), i);
      }
      await h1.close();
      // A restarted producer has a new producer id: the broker cannot dedupe for it.
      const h2 = await env.open();
      await h2.log.ensureTopics([t]);
      const ps = [];
      for (let i = 5; i <= 15; i++)
        ps.push(h2.log.publish(t, ENC.encode(`o${i}`), { id: `o${i}` }));
      assert.deepEqual(
        await Promise.all(ps),
        Array.from({ length: 11 }, (_, i) => i + 5),
      );
      const last = await h2.log.last(t);
      assert.equal(last?.seq, 15);
      assert.equal(last?.id, "o15");
    } finally {
      await env.dispose();
    }
  });

  test("Kafka: at start only ids stored within dedup_window_ms are read back", async () => {
    const env = kafkaEnv(KAFKA_BROKERS, { dedup_window_ms: 0 });
    try {
      const t = "orders";
      const h1 = await env.open();
      await h1.log.ensureTopics([t]);
      for (let i = 1; i <= 3; i++) await h1.log.publish(t, ENC.encode("x"), { id: `o${i}` });
      // Within one process every acknowledged id is remembered.
      assert.equal(await h1.log.publish(t, ENC.encode("x"), { id: "o1" }), 1);
      await h1.close();
      const h2 = await env.open();
      await h2.log.ensureTopics([t]);
      // Stored before the window: not read back, so stored again.
      assert.equal(await h2.log.publish(t, ENC.encode("x"), { id: "o1" }), 4);
      assert.equal(await h2.log.publish(t, ENC.encode("x"), { id: "o1" }), 4);
    } finally {
      await env.dispose();
    }
  });

  test("Kafka: ensureTopics is idempotent and refuses a topic with more than one partition", async () => {
    const env = kafkaEnv(KAFKA_BROKERS);
    const admin = new Admin({
      clientId: "bourse-test",
      bootstrapBrokers: KAFKA_BROKERS.split(","),
    });
    try {
      const h = await env.open();
      await h.log.ensureTopics(["orders", "orders", "engine.outputs.BTC_USDT"]);
      await h.log.ensureTopics(["orders"]);
      const h2 = await env.open();
      await h2.log.ensureTopics(["orders"]);
      await admin.createTopics({
        topics: [kafkaTopic(env.prefix, "split")],
        partitions: 2,
        replicas: 1,
      });
      await assert.rejects(h2.log.ensureTopics(["split"]), /has 2 partitions/);
    } finally {
      await admin.close();
      await env.dispose();
    }
  });

  test("Kafka: a message larger than a batch may hold is refused at publish", async () => {
    const env = kafkaEnv(KAFKA_BROKERS, { batch_bytes_max: 4096 });
    try {
      const h = await env.open();
      await h.log.ensureTopics(["orders"]);
      await assert.rejects(
        h.log.publish("orders", new Uint8Array(5000), { id: "big" }),
        (err) => err instanceof RangeError && /more than the 4096/.test(err.message),
      );
      assert.equal(await h.log.publish("orders", new Uint8Array(100), { id: "small" }), 1);
    } finally {
      await env.dispose();
    }
  });
} else if ("fail" in gate) {
  test("transport contract: KafkaLog", () => assert.fail(gate.fail));
} else {
  test("transport contract: KafkaLog", { skip: gate.skip }, () => {});
}
