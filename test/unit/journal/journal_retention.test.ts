import assert from "node:assert/strict";
import { test } from "node:test";
import { Journal, type JournalError } from "../../../src/journal/mod.ts";
import { payload, readAll, segmentFiles, tempDir } from "./helpers.ts";

// 28-byte header + five records of 9 + 40 bytes fit in 300 bytes.
const SEGMENT_BYTES = 300;

async function filled(dir: string, count: number): Promise<Journal> {
  const j = await Journal.open({ dir, sync: "batch", segment_bytes_max: SEGMENT_BYTES });
  for (let i = 1; i <= count; i++) j.append(payload(i, 40));
  await j.flushed(count);
  return j;
}

test("truncateBefore removes only segments whose records all precede the seq", async () => {
  const dir = tempDir("retention");
  const j = await filled(dir, 23); // segments start at 1, 6, 11, 16, 21
  assert.equal(segmentFiles(dir).length, 5);

  assert.equal(await j.truncateBefore(5), 0, "segment 1..5 still holds seq 5");
  assert.equal(await j.truncateBefore(6), 1);
  assert.equal(j.firstSeq(), 6);
  assert.equal(await j.truncateBefore(13), 1, "11..15 holds 13 and stays");
  assert.deepEqual(segmentFiles(dir), [
    "00000000000000000011.seg",
    "00000000000000000016.seg",
    "00000000000000000021.seg",
  ]);
  assert.equal(j.firstSeq(), 11);

  const rest = await readAll(j, 11);
  assert.deepEqual(
    rest.map(([s]) => s),
    [11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23],
  );
  await assert.rejects(
    j.read(10, () => undefined),
    (e) => (e as JournalError).code === "JOURNAL_SEQ_OUT_OF_RANGE",
  );
  await j.close();
});

test("the segment being written is never removed, and reopening keeps the numbering", async () => {
  const dir = tempDir("keepactive");
  const j = await filled(dir, 23);
  assert.equal(await j.truncateBefore(1_000_000), 4);
  assert.deepEqual(segmentFiles(dir), ["00000000000000000021.seg"]);
  assert.equal(j.firstSeq(), 21);
  await j.close();

  const r = await Journal.open({ dir, sync: "batch", segment_bytes_max: SEGMENT_BYTES });
  assert.equal(r.firstSeq(), 21);
  assert.equal(r.nextSeq(), 24);
  assert.equal(r.append(payload(24, 40)), 24);
  await r.flushed(24);
  assert.deepEqual(
    (await readAll(r, 21)).map(([s]) => s),
    [21, 22, 23, 24],
  );
  await r.close();
});

test("records that are not yet durable are never removed", async () => {
  const dir = tempDir("notdurable");
  const j = await filled(dir, 10); // segments 1..5, 6..10
  for (let i = 11; i <= 20; i++) j.append(payload(i, 40));
  // 11.. are pending: only the first segment may go, whatever seq is asked for.
  assert.ok(j.durableSeq() < 11);
  assert.equal(await j.truncateBefore(20), 1);
  assert.equal(j.firstSeq(), 6);
  await j.flushed(20);
  await j.close();
});

test("a follower that falls behind retention fails clearly rather than skipping", async () => {
  const dir = tempDir("behind");
  const j = await filled(dir, 23);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let entered!: () => void;
  const inside = new Promise<void>((resolve) => {
    entered = resolve;
  });
  const seen: number[] = [];
  const f = j.follow(1, async (seq) => {
    seen.push(seq);
    if (seq === 1) {
      entered();
      await gate;
    }
  });
  // The follower is held inside record 1 while segments 1..15 are deleted.
  await inside;
  assert.equal(await j.truncateBefore(16), 3);
  release();
  await assert.rejects(f.done, (e) => {
    assert.equal((e as JournalError).code, "JOURNAL_SEQ_OUT_OF_RANGE");
    assert.match((e as Error).message, /seq 6 is not retained/);
    return true;
  });
  // The file it had open still read to its end; nothing past the gap was delivered.
  assert.deepEqual(seen, [1, 2, 3, 4, 5]);
  await j.close();
});
