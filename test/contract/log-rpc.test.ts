// Request/reply carried on two topics of an event log (LogRpc), the way the
// services talk over Kafka: on the embedded file log (always) and on the
// shared Kafka broker (gated). Two processes are played by two LogRpc on two
// logs of the same topics.

import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import {
  connectKafka,
  type EventLog,
  Header,
  LocalLog,
  LogRpc,
  TransportError,
} from "../../src/transport/mod.ts";
import { KAFKA_BROKERS, kafkaGate, uniquePrefix } from "./gate.ts";
import { deleteTopics } from "./kafka-env.ts";

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

interface Pair {
  server: LogRpc;
  client: LogRpc;
  close(): Promise<void>;
}

async function pairOn(open: () => Promise<EventLog>): Promise<Pair> {
  const a = await open();
  const b = await open();
  const server = new LogRpc(a, { name: "server" });
  const client = new LogRpc(b, { name: "client" });
  return {
    server,
    client,
    async close() {
      await Promise.all([server.close(), client.close()]);
      await Promise.all([a.close(), b.close()]);
    },
  };
}

function suite(name: string, pair: () => Promise<Pair & { dispose(): Promise<void> }>) {
  describe(`LogRpc on ${name}`, () => {
    test("requests are answered with their payloads and headers, each to its requester", async () => {
      const p = await pair();
      try {
        const seen: string[] = [];
        p.server.serve("ubscore.balances", (payload, headers) => {
          seen.push(text(payload));
          return bytes(`${text(payload)} ${headers.traceparent ?? "-"}`);
        });
        p.server.serve("matching.depth.BTC_USDT", () => bytes("depth"));
        // The server follows the requests from its tail: give it a request it answers first.
        let first: Uint8Array | null = null;
        for (let i = 0; first === null && i < 50; i++) {
          first = await p.client
            .request("ubscore.balances", bytes("warm"), { timeout_ms: 300 })
            .catch(() => null);
        }
        assert.equal(text(first as Uint8Array), "warm -");
        const answers = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            p.client.request("ubscore.balances", bytes(`user ${i}`), {
              timeout_ms: 5000,
              headers: { traceparent: `t${i}` },
            }),
          ),
        );
        assert.deepEqual(
          answers.map(text),
          Array.from({ length: 20 }, (_, i) => `user ${i} t${i}`),
        );
        assert.equal(
          text(await p.client.request("matching.depth.BTC_USDT", bytes(""), { timeout_ms: 5000 })),
          "depth",
        );
        assert.deepEqual(seen.filter((x) => x !== "warm").length, 20, "each request handled once");
      } finally {
        await p.close();
        await p.dispose();
      }
    });

    test("a handler that throws rejects the request with its message; nobody serving times out", async () => {
      const p = await pair();
      try {
        p.server.serve("sequencer.transfer", () => {
          throw new Error("no such\nstate");
        });
        let err: unknown = null;
        for (let i = 0; i < 50; i++) {
          err = await p.client.request("sequencer.transfer", bytes("{}"), { timeout_ms: 300 }).then(
            () => null,
            (e: unknown) => e,
          );
          if (err instanceof TransportError && err.code === "UNAVAILABLE") break;
        }
        assert.ok(err instanceof TransportError, String(err));
        assert.equal(err.code, "UNAVAILABLE");
        assert.equal(err.message, "no such state");
        await assert.rejects(
          p.client.request("market.book.NOPE", bytes(""), { timeout_ms: 200 }),
          (e: unknown) => e instanceof TransportError && e.code === "TIMEOUT",
        );
      } finally {
        await p.close();
        await p.dispose();
      }
    });

    test("sends reach an inbox in order, with their headers", { timeout: 20_000 }, async () => {
      const p = await pair();
      try {
        const got: string[] = [];
        let done: () => void = () => undefined;
        const all = new Promise<void>((r) => {
          done = r;
        });
        const inbox = p.client.inbox((payload, headers) => {
          got.push(`${text(payload)}/${headers[Header.Correlation]}`);
          if (got.length === 10) done();
        });
        // The inbox receives what is sent once the replies topic is followed.
        await p.client.following();
        for (let i = 0; i < 10; i++)
          p.server.send(inbox.subject, bytes(`r${i}`), { [Header.Correlation]: `c${i}` });
        await all;
        assert.deepEqual(
          got,
          Array.from({ length: 10 }, (_, i) => `r${i}/c${i}`),
        );
        inbox.stop();
      } finally {
        await p.close();
        await p.dispose();
      }
    });

    test("a closed rpc refuses requests and serving", async () => {
      const p = await pair();
      await p.close();
      try {
        await assert.rejects(
          p.client.request("ubscore.balances", bytes(""), { timeout_ms: 100 }),
          (e: unknown) => e instanceof TransportError && e.code === "CLOSED",
        );
        assert.throws(
          () => p.server.serve("ubscore.balances", () => bytes("")),
          (e: unknown) => e instanceof TransportError && e.code === "CLOSED",
        );
      } finally {
        await p.dispose();
      }
    });
  });
}

suite("LocalLog", async () => {
  const dir = await mkdtemp(join(tmpdir(), "bourse-logrpc-"));
  // Two LocalLogs on one folder would be two writers of one file: one log, two rpcs.
  const log = new LocalLog({ dir, sync: "none" });
  const shared: EventLog = {
    ensureTopics: (t) => log.ensureTopics(t),
    publish: (t, p, o) => log.publish(t, p, o),
    subscribe: (t, o, h) => log.subscribe(t, o, h),
    last: (t) => log.last(t),
    close: async () => undefined,
  };
  const p = await pairOn(async () => shared);
  return {
    ...p,
    async dispose() {
      await log.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

const gate = kafkaGate();
if (gate.run) {
  suite("Kafka", async () => {
    const prefix = uniquePrefix();
    const p = await pairOn(() =>
      connectKafka({ brokers: KAFKA_BROKERS, prefix, client_id: prefix }),
    );
    return { ...p, dispose: () => deleteTopics(KAFKA_BROKERS, prefix) };
  });
} else if ("fail" in gate) {
  test("LogRpc on Kafka", () => assert.fail(gate.fail));
} else {
  test("LogRpc on Kafka", { skip: gate.skip }, () => undefined);
}
