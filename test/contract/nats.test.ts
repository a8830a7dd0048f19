// The transport contract on JetStream and core NATS request/reply, against the
// shared server (127.0.0.1:4222). Each test has its own stream prefix, and its
// streams are deleted afterwards.

import assert from "node:assert/strict";
import { test } from "node:test";
import { type JetStreamLog, NatsLink } from "../../src/transport/mod.ts";
import { transportContract } from "./contract.ts";
import { NATS_URL, natsGate } from "./gate.ts";
import { natsEnv } from "./nats-env.ts";

const gate = natsGate();
if (gate.run) {
  transportContract("JetStreamLog + NatsRpc", async () => natsEnv(NATS_URL));

  test("JetStream: the durable consumer keeps its position across a reconnect of the process", async () => {
    const env = natsEnv(NATS_URL);
    try {
      const t = "balance.events";
      const name = "settlement.balance.events";
      const h1 = await env.open();
      await h1.log.ensureTopics([t]);
      for (let i = 1; i <= 10; i++) await h1.log.publish(t, new Uint8Array([i]), { id: `e${i}` });
      let n = 0;
      let done = () => {};
      const all = new Promise<void>((r) => {
        done = r;
      });
      const sub = h1.log.subscribe(t, { from_seq: 1, name }, () => {
        if (++n === 10) done();
      });
      await all;
      await sub.stop();
      await h1.close();
      const h2 = await env.open();
      await h2.log.ensureTopics([t]);
      const state = await (h2.log as JetStreamLog).consumerState(t, name);
      assert.ok(state !== null, "the durable outlives the connection");
      assert.equal(state.ack_floor_seq, 10);
      assert.equal(state.num_ack_pending, 0);
    } finally {
      await env.dispose();
    }
  });

  test("NATS: writes coalesce per event-loop turn and still arrive whole and in order", async () => {
    const a = await NatsLink.open({ servers: NATS_URL });
    const b = await NatsLink.open({ servers: NATS_URL });
    try {
      assert.equal(
        a.coalesced,
        true,
        "the pinned nats.js has the outbound buffer coalescing expects",
      );
      const subject = `coalesce.${process.pid}.${Date.now()}`;
      const got: number[] = [];
      let done = () => {};
      const all = new Promise<void>((r) => {
        done = r;
      });
      b.nc.subscribe(subject, {
        callback: (_err, m) => {
          got.push(m.data[0] ?? -1, m.data[1] ?? -1);
          if (got.length === 2000) done();
        },
      });
      await b.nc.flush();
      // Across microtask rounds of one turn, then across turns.
      for (let i = 0; i < 1000; i++) {
        a.nc.publish(subject, new Uint8Array([i >> 8, i & 255]));
        if (i % 3 === 0) await Promise.resolve();
        if (i % 250 === 0) await new Promise((r) => setImmediate(r));
      }
      await all;
      const seq = [];
      for (let i = 0; i < got.length; i += 2) seq.push(((got[i] ?? 0) << 8) | (got[i + 1] ?? 0));
      assert.deepEqual(
        seq,
        Array.from({ length: 1000 }, (_, i) => i),
      );
    } finally {
      await a.close();
      await b.close();
    }
  });

  test("JetStream: ensureTopics is idempotent and refuses a stream that holds another subject", async () => {
    const env = natsEnv(NATS_URL);
    try {
      const h = await env.open();
      await h.log.ensureTopics(["orders", "orders", "engine.outputs.BTC_USDT"]);
      await h.log.ensureTopics(["orders"]);
      const h2 = await env.open();
      await h2.log.ensureTopics(["orders"]);
      // "a.b_c" and "a_b.c" share the stream name a_b_c but not the subject.
      await h2.log.ensureTopics(["a.b_c"]);
      await assert.rejects(h2.log.ensureTopics(["a_b.c"]), /holds/);
    } finally {
      await env.dispose();
    }
  });
} else if ("fail" in gate) {
  test("transport contract: JetStreamLog + NatsRpc", () => assert.fail(gate.fail));
} else {
  test("transport contract: JetStreamLog + NatsRpc", { skip: gate.skip }, () => {});
}
