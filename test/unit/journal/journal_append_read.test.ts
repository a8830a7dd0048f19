import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { crc32 } from "node:zlib";
import { crc32Range } from "../../../src/journal/crc32.ts";
import { Journal, type JournalError } from "../../../src/journal/mod.ts";
import { payload, readAll, segmentFiles, tempDir, text } from "./helpers.ts";

function codeOf(err: unknown): string {
  return (err as JournalError).code;
}

test("a new journal starts empty at seq 1", async () => {
  const j = await Journal.open({ dir: tempDir("empty"), sync: "batch" });
  assert.equal(j.firstSeq(), 1);
  assert.equal(j.nextSeq(), 1);
  assert.equal(j.durableSeq(), 0);
  assert.deepEqual(await readAll(j, 1), []);
  assert.deepEqual(j.recovery, { segments: 1, records: 0, torn: null });
  await j.close();
});

test("appends get contiguous seqs and read returns them in order", async () => {
  const j = await Journal.open({ dir: tempDir("order"), sync: "batch" });
  const seqs: number[] = [];
  for (let i = 1; i <= 500; i++) seqs.push(j.append(payload(i)));
  assert.deepEqual(
    seqs,
    Array.from({ length: 500 }, (_, k) => k + 1),
  );
  assert.equal(j.nextSeq(), 501);
  await j.flushed(500);
  assert.equal(j.durableSeq(), 500);
  const all = await readAll(j, 1);
  assert.equal(all.length, 500);
  for (const [seq, t] of all) assert.equal(t, `record-${seq}`);

  const part: number[] = [];
  const last = await j.read(
    100,
    (seq) => {
      part.push(seq);
    },
    109,
  );
  assert.equal(last, 109);
  assert.deepEqual(part, [100, 101, 102, 103, 104, 105, 106, 107, 108, 109]);
  await j.close();
});

test("empty payloads are records too", async () => {
  const j = await Journal.open({ dir: tempDir("zero"), sync: "batch" });
  j.append(new Uint8Array(0));
  const s = j.append(payload(2));
  await j.flushed(s);
  const got = await readAll(j, 1);
  assert.deepEqual(got, [
    [1, ""],
    [2, "record-2"],
  ]);
  await j.close();
});

test("reopening continues the sequence and keeps every record", async () => {
  const dir = tempDir("reopen");
  const a = await Journal.open({ dir, sync: "batch" });
  for (let i = 1; i <= 100; i++) a.append(payload(i));
  await a.close();

  const b = await Journal.open({ dir, sync: "batch" });
  assert.deepEqual(b.recovery, { segments: 1, records: 100, torn: null });
  assert.equal(b.nextSeq(), 101);
  assert.equal(b.durableSeq(), 100);
  assert.equal(b.append(payload(101)), 101);
  await b.close();

  const c = await Journal.open({ dir, sync: "batch" });
  const all = await readAll(c, 1);
  assert.equal(all.length, 101);
  assert.deepEqual(all.at(-1), [101, "record-101"]);
  await c.close();
});

test("segments roll at segment_bytes_max and reads cross them", async () => {
  const dir = tempDir("roll");
  // 28-byte header + records of 9 + 36 bytes: five records per 256-byte segment.
  const j = await Journal.open({ dir, sync: "batch", segment_bytes_max: 256 });
  for (let i = 1; i <= 23; i++) j.append(payload(i, 36));
  await j.flushed(23);
  assert.deepEqual(segmentFiles(dir), [
    "00000000000000000001.seg",
    "00000000000000000006.seg",
    "00000000000000000011.seg",
    "00000000000000000016.seg",
    "00000000000000000021.seg",
  ]);
  for (const name of segmentFiles(dir)) {
    assert.ok(fs.statSync(path.join(dir, name)).size <= 256, `${name} exceeds the maximum`);
  }
  assert.equal(j.stats().segments_rolled, 4);

  // From the middle of a middle segment, across two boundaries.
  const mid: [number, string][] = [];
  await j.read(
    8,
    (seq, p) => {
      mid.push([seq, text(p).trimEnd()]);
    },
    17,
  );
  assert.deepEqual(
    mid.map(([s]) => s),
    [8, 9, 10, 11, 12, 13, 14, 15, 16, 17],
  );
  for (const [seq, t] of mid) assert.equal(t.replace(/\.+$/, ""), `record-${seq}`);
  await j.close();

  const again = await Journal.open({ dir, sync: "batch", segment_bytes_max: 256 });
  assert.equal(again.recovery.segments, 5);
  assert.equal(again.nextSeq(), 24);
  assert.equal((await readAll(again, 12)).length, 12);
  await again.close();
});

test("a record larger than the segment maximum gets a segment of its own", async () => {
  const dir = tempDir("big");
  const j = await Journal.open({ dir, sync: "batch", segment_bytes_max: 128 });
  j.append(payload(1));
  j.append(payload(2, 500));
  j.append(payload(3));
  await j.flushed(3);
  assert.deepEqual(segmentFiles(dir), [
    "00000000000000000001.seg",
    "00000000000000000002.seg",
    "00000000000000000003.seg",
  ]);
  const all = await readAll(j, 1);
  assert.equal(all.length, 3);
  assert.equal(all[1]?.[1].length, 500);
  await j.close();
});

test("reads from any position in a large segment land on the right record", async () => {
  const dir = tempDir("index");
  const j = await Journal.open({ dir, sync: "batch" });
  // 20,000 records of ~109 bytes span dozens of sparse-index strides.
  for (let i = 1; i <= 20_000; i++) j.append(payload(i, 100));
  await j.flushed(20_000);
  await j.close();
  const r = await Journal.open({ dir, sync: "batch" });
  for (const from of [1, 2, 599, 600, 601, 9_999, 12_345, 19_999, 20_000]) {
    const got: number[] = [];
    await r.read(
      from,
      (seq, p) => {
        assert.ok(text(p).startsWith(`record-${seq}.`));
        got.push(seq);
      },
      Math.min(from + 2, 20_000),
    );
    assert.equal(got[0], from);
  }
  await r.close();
});

test("payloads handed to a read handler stay valid after the read", async () => {
  const j = await Journal.open({ dir: tempDir("views"), sync: "batch" });
  const data: Buffer[] = [];
  for (let i = 0; i < 40; i++) {
    const b = randomBytes(100_000);
    data.push(b);
    j.append(b);
  }
  await j.flushed(40);
  const kept: Uint8Array[] = [];
  await j.read(1, (_seq, p) => {
    kept.push(p);
  });
  assert.equal(kept.length, 40);
  for (let i = 0; i < 40; i++) assert.ok(Buffer.from(kept[i]!).equals(data[i]!), `record ${i + 1}`);
  await j.close();
});

test("an async read handler is awaited before the next record", async () => {
  const j = await Journal.open({ dir: tempDir("asyncread"), sync: "batch" });
  for (let i = 1; i <= 50; i++) j.append(payload(i));
  await j.flushed(50);
  let inFlight = 0;
  const order: number[] = [];
  await j.read(1, async (seq) => {
    inFlight++;
    assert.equal(inFlight, 1);
    await new Promise<void>((resolve) => setImmediate(resolve));
    order.push(seq);
    inFlight--;
  });
  assert.deepEqual(
    order,
    Array.from({ length: 50 }, (_, k) => k + 1),
  );
  await j.close();
});

test("append refuses a payload over record_bytes_max and appends nothing", async () => {
  const j = await Journal.open({ dir: tempDir("toolarge"), sync: "batch", record_bytes_max: 64 });
  j.append(new Uint8Array(64));
  assert.throws(
    () => j.append(new Uint8Array(65)),
    (e) => codeOf(e) === "JOURNAL_RECORD_TOO_LARGE",
  );
  assert.equal(j.nextSeq(), 2);
  await j.close();
});

test("reads outside the retained durable range are refused with a stable code", async () => {
  const j = await Journal.open({ dir: tempDir("range"), sync: "batch" });
  for (let i = 1; i <= 5; i++) j.append(payload(i));
  await j.flushed(5);
  const noop = () => undefined;
  await assert.rejects(j.read(0, noop), (e) => codeOf(e) === "JOURNAL_SEQ_OUT_OF_RANGE");
  await assert.rejects(j.read(7, noop), (e) => codeOf(e) === "JOURNAL_SEQ_OUT_OF_RANGE");
  await assert.rejects(j.read(1, noop, 6), (e) => codeOf(e) === "JOURNAL_SEQ_OUT_OF_RANGE");
  assert.equal(await j.read(6, noop), 5, "reading from the next seq delivers nothing");
  await assert.rejects(j.flushed(6), (e) => codeOf(e) === "JOURNAL_SEQ_OUT_OF_RANGE");
  await j.close();
});

test("a directory is opened by one journal at a time in a process", async () => {
  const dir = tempDir("inuse");
  const a = await Journal.open({ dir, sync: "batch" });
  await assert.rejects(Journal.open({ dir, sync: "batch" }), (e) => codeOf(e) === "JOURNAL_IN_USE");
  await a.close();
  const b = await Journal.open({ dir, sync: "batch" });
  await b.close();
});

test("after close, appends and reads are refused", async () => {
  const j = await Journal.open({ dir: tempDir("closed"), sync: "batch" });
  j.append(payload(1));
  await j.close();
  assert.equal(j.durableSeq(), 1, "close flushed the pending record");
  assert.throws(
    () => j.append(payload(2)),
    (e) => codeOf(e) === "JOURNAL_CLOSED",
  );
  await assert.rejects(
    j.read(1, () => undefined),
    (e) => codeOf(e) === "JOURNAL_CLOSED",
  );
  await j.close();
});

test("bad options are refused", async () => {
  const dir = tempDir("opts");
  await assert.rejects(
    Journal.open({ dir, sync: "batch", segment_bytes_max: 10 }),
    (e) => codeOf(e) === "JOURNAL_BAD_OPTIONS",
  );
  await assert.rejects(
    Journal.open({ dir, sync: "batch", record_bytes_max: 0 }),
    (e) => codeOf(e) === "JOURNAL_BAD_OPTIONS",
  );
});

test("the record checksum equals zlib's CRC-32 at every size", () => {
  for (let len = 0; len <= 600; len++) {
    const b = randomBytes(len + 7);
    assert.equal(crc32Range(b, 3, 3 + len), crc32(b.subarray(3, 3 + len)), `length ${len}`);
  }
});
