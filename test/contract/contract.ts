// The transport contract: every EventLog and Rpc implementation runs these
// tests unchanged, each test in a fresh environment (its own folder, or its
// own stream prefix on a shared server).

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  type EventLog,
  Header,
  type Message,
  type MessageHandler,
  type Rpc,
  type SubscribeOptions,
  type Subscription,
  TransportError,
} from "../../src/transport/mod.ts";

export interface Handle {
  log: EventLog;
  /** Absent for a transport without request/reply (Kafka): the RPC tests are left out. */
  rpc?: Rpc;
  close(): Promise<void>;
}

export interface Env {
  /** A log and RPC on this environment's storage: reopening sees what was published before. */
  open(): Promise<Handle>;
  /** Messages a durable consumer holds delivered but unhandled, where the log has such a buffer. */
  inFlight?(h: Handle, topic: string, name: string): Promise<number>;
  /** Closes what is open and removes what the environment created. */
  dispose(): Promise<void>;
}

const TEST_TIMEOUT_MS = 60_000;
const ENC = new TextEncoder();
const DEC = new TextDecoder();

function bytes(s: string): Uint8Array {
  return ENC.encode(s);
}

function text(b: Uint8Array): string {
  return DEC.decode(b);
}

/** Records deliveries; until(n) resolves once n messages arrived. */
class Collector {
  readonly got: Message[] = [];
  private waiters: { n: number; resolve: () => void }[] = [];

  readonly handler: MessageHandler = (m) => {
    this.got.push({ ...m, payload: Uint8Array.from(m.payload) });
    this.check();
  };

  check(): void {
    this.waiters = this.waiters.filter((w) => {
      if (this.got.length < w.n) return true;
      w.resolve();
      return false;
    });
  }

  until(n: number): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push({ n, resolve });
      this.check();
    });
  }

  seqs(): number[] {
    return this.got.map((m) => m.seq);
  }

  ids(): string[] {
    return this.got.map((m) => m.id);
  }
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

async function publishMany(
  log: EventLog,
  topic: string,
  from: number,
  to: number,
  tag = "m",
): Promise<number[]> {
  // All in flight at once: nothing awaited between calls.
  const ps: Promise<number>[] = [];
  for (let i = from; i <= to; i++) {
    ps.push(log.publish(topic, bytes(`${tag}${i}`), { id: `${tag}${i}` }));
  }
  return Promise.all(ps);
}

export function transportContract(
  name: string,
  makeEnv: () => Promise<Env>,
  opts: { rpc: boolean } = { rpc: true },
): void {
  describe(`transport contract: ${name}`, { timeout: TEST_TIMEOUT_MS }, () => {
    async function within(fn: (env: Env, h: Handle) => Promise<void>): Promise<void> {
      const env = await makeEnv();
      const h = await env.open();
      try {
        await fn(env, h);
      } finally {
        await h.close();
        await env.dispose();
      }
    }

    async function withinRpc(fn: (rpc: Rpc) => Promise<void>): Promise<void> {
      await within(async (_env, h) => {
        assert.ok(h.rpc !== undefined, "the environment has no RPC");
        await fn(h.rpc);
      });
    }

    const rpcTest = opts.rpc ? test : () => {};

    test("concurrent publishes get increasing seqs in call order and are delivered in that order", () =>
      within(async (_env, { log }) => {
        await log.ensureTopics(["orders"]);
        const seqs = await publishMany(log, "orders", 1, 1000);
        assert.deepEqual(seqs, range(1, 1000));
        for (let i = 1001; i <= 1010; i++) {
          assert.equal(await log.publish("orders", bytes(`m${i}`), { id: `m${i}` }), i);
        }
        const c = new Collector();
        const sub = log.subscribe("orders", { from_seq: 1, name: "reader" }, c.handler);
        await c.until(1010);
        await sub.stop();
        assert.deepEqual(c.seqs(), range(1, 1010));
        assert.deepEqual(
          c.ids(),
          range(1, 1010).map((i) => `m${i}`),
        );
        assert.equal(text(c.got[41]?.payload ?? new Uint8Array()), "m42");
        assert.ok(c.got.every((m) => m.topic === "orders"));
      }));

    test("delivery starts at a middle from_seq, then follows the tail", () =>
      within(async (_env, { log }) => {
        await log.ensureTopics(["validated_orders.BTC_USDT"]);
        const topic = "validated_orders.BTC_USDT";
        await publishMany(log, topic, 1, 100);
        const c = new Collector();
        const sub = log.subscribe(topic, { from_seq: 60, name: "matching.BTC_USDT" }, c.handler);
        await c.until(41);
        await publishMany(log, topic, 101, 120);
        await c.until(61);
        await sub.stop();
        assert.deepEqual(c.seqs(), range(60, 120));
        assert.equal(c.got[0]?.id, "m60");
      }));

    test("an id published twice is stored once and answers with the first seq", () =>
      within(async (_env, { log }) => {
        await log.ensureTopics(["balance.operations"]);
        const t = "balance.operations";
        const a = await log.publish(t, bytes("A"), { id: "deposit_1_1_1" });
        const b = await log.publish(t, bytes("B"), { id: "deposit_1_1_2" });
        assert.equal(await log.publish(t, bytes("A again"), { id: "deposit_1_1_1" }), a);
        const [x1, x2] = await Promise.all([
          log.publish(t, bytes("X"), { id: "x" }),
          log.publish(t, bytes("X"), { id: "x" }),
        ]);
        assert.equal(x1, x2);
        assert.deepEqual([a, b, x1], [1, 2, 3]);
        const c = new Collector();
        const sub = log.subscribe(
          t,
          { from_seq: 1, name: "ubscore.balance.operations" },
          c.handler,
        );
        await c.until(3);
        const more = await log.publish(t, bytes("Y"), { id: "y" });
        assert.equal(more, 4);
        await c.until(4);
        await sub.stop();
        assert.deepEqual(c.ids(), ["deposit_1_1_1", "deposit_1_1_2", "x", "y"]);
        assert.equal(text(c.got[0]?.payload ?? new Uint8Array()), "A");
      }));

    test("republished ids among new ones: only the new ones are stored, in call order", () =>
      within(async (_env, { log }) => {
        const t = "validated_orders.ETH_USDT";
        await log.ensureTopics([t]);
        await publishMany(log, t, 1, 5, "x");
        // A producer recovering from its journal republishes what may be missing.
        const ps = [
          log.publish(t, bytes("x3"), { id: "x3" }),
          log.publish(t, bytes("y1"), { id: "y1" }),
          log.publish(t, bytes("x4"), { id: "x4" }),
          log.publish(t, bytes("x5"), { id: "x5" }),
          log.publish(t, bytes("y2"), { id: "y2" }),
          log.publish(t, bytes("y3"), { id: "y3" }),
        ];
        assert.deepEqual(await Promise.all(ps), [3, 6, 4, 5, 7, 8]);
        const c = new Collector();
        const sub = log.subscribe(t, { from_seq: 1, name: "matching.ETH_USDT" }, c.handler);
        await c.until(8);
        await sub.stop();
        assert.deepEqual(c.ids(), ["x1", "x2", "x3", "x4", "x5", "y1", "y2", "y3"]);
      }));

    test("a consumer restarted from an earlier position sees messages again; the service skips them by seq", () =>
      within(async (_env, { log }) => {
        const t = "engine.outputs.BTC_USDT";
        const name = "settlement.engine.outputs.BTC_USDT";
        await log.ensureTopics([t]);
        await publishMany(log, t, 1, 20);
        // The service applies each seq once and remembers its position.
        let position = 0;
        const applied: number[] = [];
        const seen: number[] = [];
        const apply = (m: Message) => {
          seen.push(m.seq);
          if (m.seq <= position) return;
          position = m.seq;
          applied.push(m.seq);
        };
        const reached12 = deferred();
        const hold = deferred();
        const s1 = log.subscribe(t, { from_seq: 1, name }, (m) => {
          // Seq 13 is in hand when the service stops: it is never applied.
          if (m.seq > 12) return hold.promise;
          apply(m);
          if (m.seq === 12) reached12.resolve();
        });
        await reached12.promise;
        const stopped = s1.stop();
        hold.resolve();
        await stopped;
        assert.deepEqual(applied, range(1, 12));
        // Restored from an older snapshot: the service asks for seq 5 again.
        seen.length = 0;
        const c = new Collector();
        const s2 = log.subscribe(t, { from_seq: 5, name }, (m) => {
          apply(m);
          return c.handler(m);
        });
        await c.until(16);
        await s2.stop();
        assert.deepEqual(seen, range(5, 20), "redelivers from the asked position");
        assert.deepEqual(applied, range(1, 20), "each seq applied once");
      }));

    test("after close and reopen, a consumer resumes at its stored position without gaps", async () => {
      const env = await makeEnv();
      const t = "balance.events";
      const name = "settlement.balance.events";
      try {
        const h1 = await env.open();
        await h1.log.ensureTopics([t]);
        await publishMany(h1.log, t, 1, 50);
        let stored = 0;
        const reached = deferred();
        const hold = deferred();
        const s1 = h1.log.subscribe(t, { from_seq: 1, name }, (m) => {
          // Seq 31 is in hand when the process shuts down: never stored.
          if (m.seq > 30) return hold.promise;
          stored = m.seq;
          if (m.seq === 30) reached.resolve();
        });
        await reached.promise;
        const stopped = s1.stop();
        hold.resolve();
        await stopped;
        await h1.close();

        const h2 = await env.open();
        await h2.log.ensureTopics([t]);
        const seqs2 = await publishMany(h2.log, t, 51, 60);
        assert.deepEqual(seqs2, range(51, 60));
        const c = new Collector();
        const s2 = h2.log.subscribe(t, { from_seq: stored + 1, name }, c.handler);
        await c.until(30);
        await s2.stop();
        assert.deepEqual(c.seqs(), range(31, 60));
        assert.deepEqual(
          c.ids(),
          range(31, 60).map((i) => `m${i}`),
        );
        await h2.close();
      } finally {
        await env.dispose();
      }
    });

    test("last() is null on an empty topic, else the last message; headers round-trip exactly", () =>
      within(async (_env, { log }) => {
        await log.ensureTopics(["orders", "balance.events"]);
        assert.equal(await log.last("orders"), null);
        const headers = {
          [Header.EventId]: "deposit_7_2_1717171717000",
          [Header.TraceParent]: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
          [Header.ReplyTo]: "_inbox.abc",
          "X-Mixed-Case": "Value With Spaces",
          empty: "",
        };
        await log.publish("orders", bytes("first"), { id: "o1" });
        const seq = await log.publish("orders", bytes("second"), { id: "o2", headers });
        const last = await log.last("orders");
        assert.ok(last !== null);
        assert.equal(last.seq, seq);
        assert.equal(last.id, "o2");
        assert.equal(last.topic, "orders");
        assert.deepEqual(last.headers, headers);
        assert.equal(text(last.payload), "second");
        assert.equal(await log.last("balance.events"), null);

        const c = new Collector();
        const sub = log.subscribe("orders", { from_seq: 1, name: "ubscore.orders" }, c.handler);
        await c.until(2);
        await sub.stop();
        assert.deepEqual(c.got[0]?.headers, {});
        assert.deepEqual(c.got[1]?.headers, headers);
      }));

    test("a slow handler gets one message at a time and the consumer buffers a bounded number", () =>
      within(async (env, h) => {
        const { log } = h;
        const t = "orders";
        const name = "ubscore.orders";
        await log.ensureTopics([t]);
        const n = 5000;
        const payload = new Uint8Array(1024).fill(7);
        let active = 0;
        let active_max = 0;
        let handled = 0;
        const release = deferred();
        const all = deferred();
        const sub = log.subscribe(t, { from_seq: 1, name }, async (m) => {
          active++;
          active_max = Math.max(active_max, active);
          assert.equal(m.seq, handled + 1);
          if (m.seq === 1) await release.promise;
          else await new Promise<void>((r) => setImmediate(r));
          handled++;
          active--;
          if (handled === n) all.resolve();
        });
        const heap_before = process.memoryUsage().heapUsed;
        const ps: Promise<number>[] = [];
        for (let i = 1; i <= n; i++) ps.push(log.publish(t, payload, { id: `p${i}` }));
        await Promise.all(ps);
        // Everything is published while the handler still holds message 1.
        assert.equal(handled, 0);
        if (env.inFlight !== undefined) {
          const held = await env.inFlight(h, t, name);
          assert.ok(held <= 1024, `consumer holds ${held} unhandled messages`);
        }
        const heap_growth = process.memoryUsage().heapUsed - heap_before;
        release.resolve();
        await all.promise;
        await sub.stop();
        assert.equal(active_max, 1);
        assert.equal(handled, n);
        assert.ok(heap_growth < 64 * 1024 * 1024, `heap grew ${heap_growth} bytes`);
      }));

    test("a throwing handler ends the subscription: done rejects and nothing more is delivered", () =>
      within(async (_env, { log }) => {
        await log.ensureTopics(["orders"]);
        await publishMany(log, "orders", 1, 10);
        const got: number[] = [];
        const sub: Subscription = log.subscribe("orders", { from_seq: 1, name: "r" }, (m) => {
          got.push(m.seq);
          if (m.seq === 3) throw new Error("bad message 3");
        });
        await assert.rejects(sub.done, /bad message 3/);
        assert.deepEqual(got, [1, 2, 3]);
        await assert.rejects(sub.stop(), /bad message 3/);
        // Resubscribing from the failed seq delivers it again.
        const c = new Collector();
        const again = log.subscribe("orders", { from_seq: 3, name: "r" }, c.handler);
        await c.until(8);
        await again.stop();
        assert.deepEqual(c.seqs(), range(3, 10));
      }));

    test("publish and subscribe need ensureTopics first", () =>
      within(async (_env, { log }) => {
        // LocalLog throws at the call, JetStreamLog rejects: callers await either way.
        await assert.rejects(
          async () => log.publish("never.ensured", bytes("x"), { id: "1" }),
          (err) => err instanceof TransportError,
        );
        assert.throws(
          () =>
            log.subscribe(
              "never.ensured",
              { from_seq: 1, name: "x" } as SubscribeOptions,
              () => {},
            ),
          (err) => err instanceof TransportError,
        );
      }));

    rpcTest("rpc: request and reply carry payloads and headers", () =>
      withinRpc(async (rpc) => {
        const seen: Record<string, string>[] = [];
        const srv = rpc.serve("ubscore.balances", async (payload, headers) => {
          seen.push(headers);
          return bytes(`balances of ${text(payload)}`);
        });
        const reply = await rpc.request("ubscore.balances", bytes("user 7"), {
          timeout_ms: 2000,
          headers: { [Header.TraceParent]: "00-aa-bb-01", [Header.Correlation]: "c1" },
        });
        assert.equal(text(reply), "balances of user 7");
        assert.deepEqual(seen, [
          { [Header.TraceParent]: "00-aa-bb-01", [Header.Correlation]: "c1" },
        ]);
        await srv.stop();
      }),
    );

    rpcTest("rpc: a request nobody answers in time rejects with TIMEOUT", () =>
      withinRpc(async (rpc) => {
        const hold = deferred();
        const srv = rpc.serve("matching.depth.BTC_USDT", async () => {
          await hold.promise;
          return bytes("late");
        });
        await assert.rejects(
          rpc.request("matching.depth.BTC_USDT", bytes("{}"), { timeout_ms: 150 }),
          (err) => err instanceof TransportError && err.code === "TIMEOUT",
        );
        hold.resolve();
        await srv.stop();
      }),
    );

    rpcTest("rpc: a request to a subject nobody serves rejects with NO_RESPONDERS", () =>
      withinRpc(async (rpc) => {
        await assert.rejects(
          rpc.request("matching.depth.NOPE_USDT", bytes("{}"), { timeout_ms: 2000 }),
          (err) => err instanceof TransportError && err.code === "NO_RESPONDERS",
        );
        const srv = rpc.serve("matching.depth.NOPE_USDT", () => bytes("now"));
        assert.equal(
          text(await rpc.request("matching.depth.NOPE_USDT", bytes("{}"), { timeout_ms: 2000 })),
          "now",
        );
        await srv.stop();
        await assert.rejects(
          rpc.request("matching.depth.NOPE_USDT", bytes("{}"), { timeout_ms: 2000 }),
          (err) => err instanceof TransportError && err.code === "NO_RESPONDERS",
        );
      }),
    );

    rpcTest("rpc: a handler that throws makes the request reject", () =>
      withinRpc(async (rpc) => {
        const srv = rpc.serve("ubscore.balances", () => {
          throw new Error("no such user");
        });
        await assert.rejects(
          rpc.request("ubscore.balances", bytes("{}"), { timeout_ms: 2000 }),
          /no such user/,
        );
        await srv.stop();
      }),
    );

    rpcTest("rpc: sends reach an inbox with their headers, in order", () =>
      withinRpc(async (rpc) => {
        const got: { payload: string; headers: Record<string, string> }[] = [];
        const all = deferred();
        const inbox = rpc.inbox((payload, headers) => {
          got.push({ payload: text(payload), headers });
          if (got.length === 3) all.resolve();
        });
        for (let i = 1; i <= 3; i++)
          rpc.send(inbox.subject, bytes(`r${i}`), { [Header.Correlation]: `c${i}` });
        await all.promise;
        inbox.stop();
        assert.deepEqual(got, [
          { payload: "r1", headers: { [Header.Correlation]: "c1" } },
          { payload: "r2", headers: { [Header.Correlation]: "c2" } },
          { payload: "r3", headers: { [Header.Correlation]: "c3" } },
        ]);
        // A send to a stopped inbox is dropped, never an error.
        rpc.send(inbox.subject, bytes("late"));
      }),
    );

    rpcTest("rpc: two servers of one subject share the requests", () =>
      withinRpc(async (rpc) => {
        const count = { a: 0, b: 0 };
        const a = rpc.serve("ubscore.balances", () => {
          count.a++;
          return bytes("a");
        });
        const b = rpc.serve("ubscore.balances", () => {
          count.b++;
          return bytes("b");
        });
        const answers = await Promise.all(
          range(1, 60).map(() =>
            rpc.request("ubscore.balances", bytes("{}"), { timeout_ms: 2000 }),
          ),
        );
        assert.equal(answers.length, 60);
        assert.equal(count.a + count.b, 60);
        assert.ok(count.a > 0 && count.b > 0, `a=${count.a} b=${count.b}`);
        await a.stop();
        assert.equal(
          text(await rpc.request("ubscore.balances", bytes("{}"), { timeout_ms: 2000 })),
          "b",
        );
        await b.stop();
      }),
    );
  });
}
