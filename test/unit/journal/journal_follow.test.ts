import assert from "node:assert/strict";
import { test } from "node:test";
import { Journal, type JournalError } from "../../../src/journal/mod.ts";
import { payload, tempDir, text } from "./helpers.ts";

function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Collects deliveries and checks on each one that nothing is missing, repeated or reordered. */
class Collector {
  readonly seqs: number[] = [];
  private readonly waiting = new Map<number, () => void>();
  constructor(private readonly from: number) {}
  readonly handler = (seq: number, p: Uint8Array): void => {
    const expected = this.from + this.seqs.length;
    assert.equal(seq, expected, `delivered ${seq}, expected ${expected}`);
    assert.ok(text(p).startsWith(`record-${seq}`), `seq ${seq} carried ${text(p)}`);
    this.seqs.push(seq);
    this.waiting.get(seq)?.();
  };
  /** Resolves when seq has been delivered. */
  reached(seq: number): Promise<void> {
    assert.ok(seq >= this.from, `waiting for ${seq}, which precedes ${this.from}`);
    if (this.seqs.length > 0 && this.seqs.at(-1)! >= seq) return Promise.resolve();
    return new Promise((resolve) => this.waiting.set(seq, resolve));
  }
}

/** Appends from..to, yielding to the event loop after every burst records. */
async function produce(j: Journal, from: number, to: number, burst: number): Promise<void> {
  for (let i = from; i <= to; i++) {
    j.append(payload(i));
    if (i % burst === 0) await turn();
  }
}

test("followers started before, during and after appends each see every record once, in order", async () => {
  const j = await Journal.open({ dir: tempDir("follow3"), sync: "batch", segment_bytes_max: 4096 });
  const total = 3000;
  const before = new Collector(1);
  const fBefore = j.follow(1, before.handler);

  // Two followers join while appends are still arriving: one replaying from
  // the start, one from the durable end at that moment.
  const during = new Collector(1);
  let tail: Collector | null = null;
  const joined: ReturnType<Journal["follow"]>[] = [];
  for (let i = 1; i <= total; i++) {
    j.append(payload(i));
    if (i === 1500) {
      joined.push(j.follow(1, during.handler));
      tail = new Collector(j.durableSeq() + 1);
      joined.push(j.follow(j.durableSeq() + 1, tail.handler));
    }
    if (i % 37 === 0) await turn();
  }
  await j.flushed(total);

  const after = new Collector(1);
  const late = new Collector(1200);
  joined.push(j.follow(1, after.handler), j.follow(1200, late.handler));

  assert.ok(tail !== null);
  const collectors = [before, during, tail, after, late];
  await Promise.all(collectors.map((c) => c.reached(total)));
  assert.equal(before.seqs.length, total);
  assert.equal(during.seqs.length, total);
  assert.equal(tail.seqs.at(-1), total);
  assert.ok(tail.seqs[0]! <= 1501);
  assert.equal(after.seqs.length, total);
  assert.equal(late.seqs.length, total - 1199);
  assert.ok(j.stats().segments > 5, "the followers crossed segment boundaries");
  for (const f of [fBefore, ...joined]) await f.stop();
  await j.close();
});

test("a follower only ever sees durable records", async () => {
  const j = await Journal.open({ dir: tempDir("durableonly"), sync: "batch" });
  const f = j.follow(1, (seq) => {
    assert.ok(seq <= j.durableSeq(), `delivered ${seq} while durable is ${j.durableSeq()}`);
  });
  await produce(j, 1, 2000, 50);
  await j.flushed(2000);
  await j.close();
  await f.done;
  assert.equal(f.position(), 2001);
});

test("an async handler gets back-pressure: one record at a time, in order", async () => {
  const j = await Journal.open({ dir: tempDir("backpressure"), sync: "batch" });
  let inFlight = 0;
  const got: number[] = [];
  let resolveAll!: () => void;
  const all = new Promise<void>((resolve) => {
    resolveAll = resolve;
  });
  const f = j.follow(1, async (seq) => {
    inFlight++;
    assert.equal(inFlight, 1, "handler re-entered before its promise settled");
    await turn();
    got.push(seq);
    inFlight--;
    if (seq === 300) resolveAll();
  });
  await produce(j, 1, 300, 10);
  await all;
  assert.deepEqual(
    got,
    Array.from({ length: 300 }, (_, k) => k + 1),
  );
  await f.stop();
  await j.close();
});

test("stop() ends delivery; position() says where to resume", async () => {
  const j = await Journal.open({ dir: tempDir("stop"), sync: "batch" });
  const c = new Collector(1);
  const f = j.follow(1, c.handler);
  await produce(j, 1, 100, 10);
  await c.reached(100);
  await f.stop();
  assert.equal(f.position(), 101);
  await produce(j, 101, 200, 10);
  await j.flushed(200);
  await turn();
  assert.equal(c.seqs.length, 100, "nothing delivered after stop");

  const resumed = new Collector(f.position());
  const g = j.follow(f.position(), resumed.handler);
  await resumed.reached(200);
  assert.equal(resumed.seqs[0], 101);
  await g.stop();
  await j.close();
});

test("stop() from inside a handler delivers nothing further", async () => {
  const j = await Journal.open({ dir: tempDir("stopinside"), sync: "batch" });
  for (let i = 1; i <= 50; i++) j.append(payload(i));
  await j.flushed(50);
  const got: number[] = [];
  const f = j.follow(1, (seq) => {
    got.push(seq);
    if (seq === 10) void f.stop();
  });
  await f.done;
  assert.deepEqual(
    got,
    Array.from({ length: 10 }, (_, k) => k + 1),
  );
  assert.equal(f.position(), 11);
  await j.close();
});

test("close() lets followers deliver everything durable, then ends them", async () => {
  const j = await Journal.open({ dir: tempDir("closefollow"), sync: "batch" });
  const c = new Collector(1);
  const f = j.follow(1, c.handler);
  for (let i = 1; i <= 500; i++) j.append(payload(i));
  await j.close();
  await f.done;
  assert.equal(c.seqs.length, 500);
});

test("a handler error ends the follower and rejects done, at the failed record", async () => {
  const j = await Journal.open({ dir: tempDir("throws"), sync: "batch" });
  for (let i = 1; i <= 20; i++) j.append(payload(i));
  await j.flushed(20);
  const f = j.follow(1, (seq) => {
    if (seq === 7) throw new Error("handler broke at 7");
  });
  await assert.rejects(f.done, /handler broke at 7/);
  assert.equal(f.position(), 7);
  await j.close();
});

test("follow() refuses a position outside the retained durable range", async () => {
  const j = await Journal.open({ dir: tempDir("followrange"), sync: "batch" });
  j.append(payload(1));
  await j.flushed(1);
  assert.throws(
    () => j.follow(0, () => undefined),
    (e) => (e as JournalError).code === "JOURNAL_SEQ_OUT_OF_RANGE",
  );
  assert.throws(
    () => j.follow(3, () => undefined),
    (e) => (e as JournalError).code === "JOURNAL_SEQ_OUT_OF_RANGE",
  );
  await j.close();
});
