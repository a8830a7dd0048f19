// A producer killed with SIGKILL while publishing to Kafka, then started again
// from an earlier id (as a service replaying its journal would), twice: every
// id it was told is stored is there with the seq it was told, and the topic
// holds each id exactly once, in publish order. The restarted process has a
// new producer id, so the broker cannot recognise its republished messages:
// the log's id memory, read from the topic's tail at start, must.

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { test } from "node:test";
import { connectKafka } from "../../src/transport/mod.ts";
import { KAFKA_BROKERS, kafkaGate, uniquePrefix } from "./gate.ts";
import { deleteTopics } from "./kafka-env.ts";

const CHILD = new URL("../support/kafka-publisher-child.ts", import.meta.url).pathname;
const TOPIC = "engine.outputs.BTC_USDT";

interface Run {
  child: ChildProcess;
  /** Resolves once the child acknowledged n messages (or exited). */
  acked(n: number): Promise<void>;
  exited: Promise<number | null>;
}

function start(prefix: string, from: number, to: number, acks: Map<string, number>): Run {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", CHILD, KAFKA_BROKERS, prefix, TOPIC, String(from), String(to)],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  let count = 0;
  let waiters: { n: number; resolve: () => void }[] = [];
  const check = () => {
    waiters = waiters.filter((w) => {
      if (count < w.n) return true;
      w.resolve();
      return false;
    });
  };
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
    const m = JSON.parse(line) as { acked?: string; seq?: number };
    if (m.acked === undefined || m.seq === undefined) return;
    const before = acks.get(m.acked);
    assert.ok(
      before === undefined || before === m.seq,
      `${m.acked} acked as ${before} and ${m.seq}`,
    );
    acks.set(m.acked, m.seq);
    count++;
    check();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      count = Number.POSITIVE_INFINITY;
      check();
      resolve(code);
    }),
  );
  return {
    child,
    exited,
    acked: (n) =>
      new Promise((resolve) => {
        waiters.push({ n, resolve });
        check();
      }),
  };
}

const gate = kafkaGate();
if (gate.run) {
  test("a publisher killed with SIGKILL and restarted from an earlier id stores each id once, in order, as acknowledged", {
    timeout: 180_000,
  }, async () => {
    const n = 6000;
    const prefix = uniquePrefix();
    const acks = new Map<string, number>();
    try {
      let from = 1;
      for (const kill_after of [1500, 1500]) {
        const run = start(prefix, from, n, acks);
        await run.acked(kill_after);
        run.child.kill("SIGKILL");
        assert.equal(await run.exited, null, "killed before it finished");
        // Replay from before the last acknowledged id: some of these are stored already.
        const last = Math.max(...[...acks.keys()].map((id) => Number(id.slice(1))));
        from = Math.max(1, last - 200);
      }
      const final = start(prefix, from, n, acks);
      assert.equal(await final.exited, 0);

      const log = await connectKafka({ brokers: KAFKA_BROKERS, prefix });
      try {
        await log.ensureTopics([TOPIC]);
        const ids: string[] = [];
        let done = () => {};
        const all = new Promise<void>((r) => {
          done = r;
        });
        const sub = log.subscribe(TOPIC, { from_seq: 1, name: "check" }, (m) => {
          ids.push(m.id);
          assert.equal(acks.get(m.id) ?? m.seq, m.seq, `${m.id} stored at another seq than acked`);
          if (m.seq === n) done();
        });
        await all;
        await sub.stop();
        assert.deepEqual(
          ids,
          Array.from({ length: n }, (_, i) => `p${i + 1}`),
        );
        assert.equal((await log.last(TOPIC))?.seq, n, "nothing stored twice after the end");
        assert.equal(acks.size, n);
      } finally {
        await log.close();
      }
    } finally {
      await deleteTopics(KAFKA_BROKERS, prefix);
    }
  });
} else if ("fail" in gate) {
  test("Kafka: a publisher killed with SIGKILL", () => assert.fail(gate.fail));
} else {
  test("Kafka: a publisher killed with SIGKILL", { skip: gate.skip }, () => {});
}
