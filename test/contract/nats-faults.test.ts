// JetStream across server failures, on a private nats-server (the shared one
// stays up): the server is killed and restarted on the same port and store
// while a producer publishes and a consumer handles. Nothing acknowledged may
// be lost, and the handler must see every message once, in publish order.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connectNats, type Message, type NatsTransport } from "../../src/transport/mod.ts";
import { natsServerBin, PrivateNatsServer } from "../support/nats-server.ts";
import { natsBinaryGate, uniquePrefix } from "./gate.ts";

/** Resolves waiters once a counter reaches their target. */
class Counter {
  value = 0;
  private waiters: { n: number; resolve: () => void }[] = [];

  add(): void {
    this.value++;
    this.waiters = this.waiters.filter((w) => {
      if (this.value < w.n) return true;
      w.resolve();
      return false;
    });
  }

  reach(n: number): Promise<void> {
    if (this.value >= n) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }
}

const gate = natsBinaryGate();
if (gate.run) {
  describe("JetStream across server restarts", { timeout: 180_000 }, () => {
    let server: PrivateNatsServer;
    before(async () => {
      server = await PrivateNatsServer.start(natsServerBin() as string);
    });
    after(async () => {
      await server.dispose();
    });

    test("publish and consume go on through a kill and a clean stop; nothing acknowledged is lost; each message is handled once, in order", async () => {
      const n = 3000;
      const window = 64;
      const topic = "validated_orders.BTC_USDT";
      const t: NatsTransport = await connectNats({
        servers: server.url,
        prefix: uniquePrefix(),
        publish_timeout_ms: 1000,
        reconnect_wait_ms: 50,
      });
      try {
        await t.log.ensureTopics([topic]);
        const handled: Message[] = [];
        const handled_count = new Counter();
        const sub = t.log.subscribe(
          topic,
          { from_seq: 1, name: "matching.BTC_USDT" },
          async (m) => {
            handled.push(m);
            handled_count.add();
            if (m.seq % 7 === 0) await new Promise<void>((r) => setImmediate(r));
          },
        );

        const acked = new Map<string, number>();
        const acked_count = new Counter();
        const failures: string[] = [];
        const producer = (async () => {
          const inflight = new Set<Promise<void>>();
          for (let i = 1; i <= n; i++) {
            const id = `o${i}`;
            const p: Promise<void> = t.log
              .publish(topic, new TextEncoder().encode(id), { id })
              .then(
                (seq) => {
                  acked.set(id, seq);
                  acked_count.add();
                },
                (err: Error) => {
                  failures.push(`${id}: ${err.message}`);
                },
              )
              .finally(() => inflight.delete(p));
            inflight.add(p);
            if (inflight.size >= window) await Promise.race(inflight);
          }
          await Promise.all(inflight);
        })();

        await acked_count.reach(n / 3);
        await server.stop("SIGKILL");
        await server.restart();
        await acked_count.reach((2 * n) / 3);
        await server.stop("SIGTERM");
        await server.restart();
        await producer;
        assert.deepEqual(failures, []);
        assert.equal(acked.size, n);

        await handled_count.reach(n);
        await sub.stop();
        const seqs = handled.map((m) => m.seq);
        assert.deepEqual(
          seqs,
          Array.from({ length: n }, (_, i) => i + 1),
          "each seq handled once, none skipped",
        );
        assert.deepEqual(
          handled.map((m) => m.id),
          Array.from({ length: n }, (_, i) => `o${i + 1}`),
          "stored in publish order",
        );
        for (const m of handled) assert.equal(acked.get(m.id), m.seq);
        const last = await t.log.last(topic);
        assert.equal(last?.id, `o${n}`);
      } finally {
        await t.close();
      }
    });

    test("a consumer working through a backlog loses nothing and repeats nothing across restarts", async () => {
      const n = 4000;
      const topic = "balance.events";
      const t = await connectNats({
        servers: server.url,
        prefix: uniquePrefix(),
        publish_timeout_ms: 1000,
        reconnect_wait_ms: 50,
      });
      try {
        await t.log.ensureTopics([topic]);
        const ps: Promise<number>[] = [];
        for (let i = 1; i <= n; i++) {
          ps.push(t.log.publish(topic, new Uint8Array([i % 256]), { id: `b${i}` }));
        }
        await Promise.all(ps);
        const got: number[] = [];
        const count = new Counter();
        const sub = t.log.subscribe(
          topic,
          { from_seq: 1, name: "settlement.balance" },
          async (m) => {
            got.push(m.seq);
            count.add();
            await new Promise<void>((r) => setImmediate(r));
          },
        );
        // Messages are on the wire and in the client's buffer at each stop.
        await count.reach(n / 4);
        await server.stop("SIGKILL");
        await server.restart();
        await count.reach(n / 2);
        await server.stop("SIGTERM");
        await server.restart();
        await count.reach(n);
        await sub.stop();
        assert.deepEqual(
          got,
          Array.from({ length: n }, (_, i) => i + 1),
        );
      } finally {
        await t.close();
      }
    });

    test("a consumer waiting on an idle topic picks up what is published after a restart", async () => {
      const topic = "engine.outputs.BTC_USDT";
      const t = await connectNats({
        servers: server.url,
        prefix: uniquePrefix(),
        publish_timeout_ms: 1000,
        reconnect_wait_ms: 50,
      });
      try {
        await t.log.ensureTopics([topic]);
        const got: number[] = [];
        const count = new Counter();
        const sub = t.log.subscribe(topic, { from_seq: 1, name: "settlement.engine" }, (m) => {
          got.push(m.seq);
          count.add();
        });
        await t.log.publish(topic, new Uint8Array([1]), { id: "e1" });
        await count.reach(1);
        await server.stop("SIGKILL");
        await server.restart();
        for (let i = 2; i <= 20; i++)
          await t.log.publish(topic, new Uint8Array([i]), { id: `e${i}` });
        await count.reach(20);
        await sub.stop();
        assert.deepEqual(
          got,
          Array.from({ length: 20 }, (_, i) => i + 1),
        );
        assert.equal(t.ready, true);
      } finally {
        await t.close();
      }
    });
  });
} else if ("fail" in gate) {
  test("JetStream across server restarts", () => assert.fail(gate.fail));
} else {
  test("JetStream across server restarts", { skip: gate.skip }, () => {});
}
