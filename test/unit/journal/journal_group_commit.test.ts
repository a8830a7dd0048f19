import assert from "node:assert/strict";
import { test } from "node:test";
import { Journal } from "../../../src/journal/mod.ts";
import { hookedIo, payload, readAll, tempDir } from "./helpers.ts";

function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

test("concurrent appenders share fdatasyncs: far fewer syncs than records", async () => {
  const io = hookedIo();
  const j = await Journal.open({ dir: tempDir("group"), sync: "batch", io });
  const producers = 200;
  const each = 50;
  let acked = 0;
  await Promise.all(
    Array.from({ length: producers }, async (_, p) => {
      for (let k = 0; k < each; k++) {
        const seq = j.append(payload(p * each + k));
        await j.flushed(seq);
        assert.ok(j.durableSeq() >= seq);
        acked++;
      }
    }),
  );
  const s = j.stats();
  assert.equal(acked, producers * each);
  assert.equal(s.appends, producers * each);
  assert.equal(io.syncCalls, s.syncs + 1, "plus one at open, creating the first segment");
  assert.ok(
    s.syncs * 20 < s.appends,
    `${s.syncs} syncs for ${s.appends} records: group commit is not grouping`,
  );
  assert.ok(s.batch_records_max >= producers / 2, `largest batch ${s.batch_records_max}`);
  assert.equal((await readAll(j, 1)).length, producers * each);
  await j.close();
});

test("flushed resolves only after the fdatasync returned, and the next batch waits for it", async () => {
  const io = hookedIo();
  let syncStarted!: () => void;
  const started = new Promise<void>((resolve) => {
    syncStarted = resolve;
  });
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const j = await Journal.open({ dir: tempDir("gate"), sync: "batch", io });
  io.syncCalls = 0;
  io.beforeSync = () => {
    syncStarted();
    return gate;
  };

  const first = j.append(payload(1));
  let firstDone = false;
  const firstFlushed = j.flushed(first).then(() => {
    firstDone = true;
  });
  await started;
  // The sync is in flight: more appends accumulate without any write or sync of their own.
  const later: number[] = [];
  for (let i = 2; i <= 1000; i++) later.push(j.append(payload(i)));
  let laterDone = false;
  const laterFlushed = j.flushed(1000).then(() => {
    laterDone = true;
  });
  for (let i = 0; i < 5; i++) await turn();
  assert.equal(firstDone, false, "flushed resolved before its fdatasync returned");
  assert.equal(j.durableSeq(), 0);
  assert.equal(io.syncCalls, 1);
  assert.equal(j.stats().batches, 0, "the first batch is not counted before it is durable");

  io.beforeSync = null;
  release();
  await firstFlushed;
  assert.equal(j.durableSeq() >= 1, true);
  await laterFlushed;
  assert.equal(laterDone, true);
  const s = j.stats();
  assert.equal(io.syncCalls, 2);
  assert.equal(s.syncs, 2, "the 999 records that arrived during the first sync share one sync");
  assert.equal(s.batches, 2);
  assert.equal(s.batch_records_max, 999);
  assert.equal(later.at(-1), 1000);
  await j.close();
});

test("onDurable reports each new durable seq, and unsubscribing stops it", async () => {
  const j = await Journal.open({ dir: tempDir("ondurable"), sync: "batch" });
  const seen: number[] = [];
  const off = j.onDurable((seq) => {
    seen.push(seq);
  });
  j.append(payload(1));
  j.append(payload(2));
  await j.flushed(2);
  j.append(payload(3));
  await j.flushed(3);
  off();
  j.append(payload(4));
  await j.flushed(4);
  assert.deepEqual(seen, [2, 3]);
  await j.close();
});

test('sync "none" (unsafe) never calls fdatasync but still orders and persists to the OS', async () => {
  const io = hookedIo();
  const dir = tempDir("none");
  const j = await Journal.open({ dir, sync: "none", io });
  for (let i = 1; i <= 1000; i++) j.append(payload(i));
  await j.flushed(1000);
  assert.equal(io.syncCalls, 0);
  assert.equal(j.stats().syncs, 0);
  assert.equal(j.stats().sync, "none");
  await j.close();
  const r = await Journal.open({ dir, sync: "batch" });
  assert.equal(r.nextSeq(), 1001);
  await r.close();
});
