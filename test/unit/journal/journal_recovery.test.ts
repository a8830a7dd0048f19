import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { Journal, JournalCorruptError } from "../../../src/journal/mod.ts";
import { payload, readAll, segmentFiles, tempDir } from "./helpers.ts";

// Fixed-size records make byte offsets easy to compute: a 28-byte segment
// header, then records of 9 bytes of framing plus the payload.
const HEADER_BYTES = 28;
const PAYLOAD_BYTES = 40;
const RECORD_BYTES = PAYLOAD_BYTES + 9;

function recordOffset(indexInSegment: number): number {
  return HEADER_BYTES + indexInSegment * RECORD_BYTES;
}

async function writeRecords(dir: string, count: number, segmentBytesMax?: number): Promise<void> {
  const j = await Journal.open({
    dir,
    sync: "batch",
    ...(segmentBytesMax === undefined ? {} : { segment_bytes_max: segmentBytesMax }),
  });
  for (let i = 1; i <= count; i++) j.append(payload(i, PAYLOAD_BYTES));
  await j.close();
}

function lastSegment(dir: string): string {
  return path.join(dir, segmentFiles(dir).at(-1)!);
}

function flipByte(file: string, offset: number): void {
  const fd = fs.openSync(file, "r+");
  const b = Buffer.alloc(1);
  fs.readSync(fd, b, 0, 1, offset);
  b[0] = b[0]! ^ 0x5a;
  fs.writeSync(fd, b, 0, 1, offset);
  fs.closeSync(fd);
}

async function expectContiguous(j: Journal, count: number): Promise<void> {
  const all = await readAll(j, 1);
  assert.equal(all.length, count);
  all.forEach(([seq, t], k) => {
    assert.equal(seq, k + 1);
    assert.ok(t.startsWith(`record-${seq}.`), `seq ${seq} holds ${t}`);
  });
}

test("a last record cut short is a torn tail: truncated, reported, and appends continue", async () => {
  const dir = tempDir("torn");
  await writeRecords(dir, 10);
  const file = lastSegment(dir);
  const size = fs.statSync(file).size;
  fs.truncateSync(file, size - 3);

  const j = await Journal.open({ dir, sync: "batch" });
  assert.deepEqual(j.recovery.torn, {
    file,
    offset: recordOffset(9),
    truncated_bytes: RECORD_BYTES - 3,
    reason: `record claims ${PAYLOAD_BYTES} payload bytes, past the end of the file at ${size - 3}`,
  });
  assert.equal(j.recovery.records, 9);
  assert.equal(fs.statSync(file).size, recordOffset(9));
  assert.equal(j.nextSeq(), 10);
  await expectContiguous(j, 9);

  j.append(payload(10, PAYLOAD_BYTES));
  j.append(payload(11, PAYLOAD_BYTES));
  await j.close();
  const again = await Journal.open({ dir, sync: "batch" });
  assert.equal(again.recovery.torn, null);
  await expectContiguous(again, 11);
  await again.close();
});

test("half a record header at the end is a torn tail", async () => {
  const dir = tempDir("halfheader");
  await writeRecords(dir, 4);
  const file = lastSegment(dir);
  fs.appendFileSync(file, Buffer.from([0x28, 0x00]));
  const j = await Journal.open({ dir, sync: "batch" });
  assert.equal(j.recovery.torn?.offset, recordOffset(4));
  assert.equal(j.recovery.torn?.truncated_bytes, 2);
  await expectContiguous(j, 4);
  await j.close();
});

test("a last record with a bad checksum that ends exactly at the end of the file is torn", async () => {
  const dir = tempDir("tornlast");
  await writeRecords(dir, 6);
  const file = lastSegment(dir);
  flipByte(file, recordOffset(5) + 20);
  const j = await Journal.open({ dir, sync: "batch" });
  assert.equal(j.recovery.torn?.offset, recordOffset(5));
  assert.match(j.recovery.torn?.reason ?? "", /checksum mismatch/);
  await expectContiguous(j, 5);
  await j.close();
});

test("a zero-filled tail (extended size, data never written) is torn", async () => {
  const dir = tempDir("zerotail");
  await writeRecords(dir, 3);
  const file = lastSegment(dir);
  fs.appendFileSync(file, Buffer.alloc(8192));
  const j = await Journal.open({ dir, sync: "batch" });
  assert.equal(j.recovery.torn?.offset, recordOffset(3));
  assert.equal(j.recovery.torn?.truncated_bytes, 8192);
  await expectContiguous(j, 3);
  await j.close();
});

test("a flipped byte in the middle is corruption: open throws naming file and offset, and changes nothing", async () => {
  const dir = tempDir("corrupt");
  await writeRecords(dir, 10);
  const file = lastSegment(dir);
  const size = fs.statSync(file).size;
  flipByte(file, recordOffset(4) + 12);
  await assert.rejects(Journal.open({ dir, sync: "batch" }), (e) => {
    assert.ok(e instanceof JournalCorruptError);
    assert.equal(e.code, "JOURNAL_CORRUPT");
    assert.equal(e.file, file);
    assert.equal(e.offset, recordOffset(4));
    assert.ok(e.message.includes(file), e.message);
    assert.ok(e.message.includes(`at byte ${recordOffset(4)}`), e.message);
    assert.match(e.message, /checksum mismatch/);
    assert.match(e.message, /not a torn tail/);
    return true;
  });
  assert.equal(fs.statSync(file).size, size, "a corrupt journal is never truncated");
  // The directory is released: a repaired journal can be opened again in this process.
  flipByte(file, recordOffset(4) + 12);
  const j = await Journal.open({ dir, sync: "batch" });
  await expectContiguous(j, 10);
  await j.close();
});

test("a damaged length field is caught, not trusted", async () => {
  const dir = tempDir("badlen");
  await writeRecords(dir, 10);
  const file = lastSegment(dir);
  flipByte(file, recordOffset(2)); // low byte of record 3's length
  await assert.rejects(
    Journal.open({ dir, sync: "batch" }),
    (e) => e instanceof JournalCorruptError && e.offset === recordOffset(2),
  );
});

test("any bad record in a segment that is not the last is corruption, even at its end", async () => {
  const dir = tempDir("corruptold");
  // Five 49-byte records per 300-byte segment.
  await writeRecords(dir, 12, 300);
  const files = segmentFiles(dir);
  assert.equal(files.length, 3);
  const first = path.join(dir, files[0]!);
  fs.truncateSync(first, fs.statSync(first).size - 2);
  await assert.rejects(Journal.open({ dir, sync: "batch" }), (e) => {
    assert.ok(e instanceof JournalCorruptError);
    assert.equal(e.file, first);
    assert.equal(e.offset, recordOffset(4));
    return true;
  });
});

test("a missing middle segment is a gap and refused", async () => {
  const dir = tempDir("gap");
  await writeRecords(dir, 12, 300);
  const files = segmentFiles(dir);
  fs.rmSync(path.join(dir, files[1]!));
  await assert.rejects(Journal.open({ dir, sync: "batch" }), (e) => {
    assert.ok(e instanceof JournalCorruptError);
    assert.equal(e.file, path.join(dir, files[2]!));
    assert.match(e.message, /starts at seq 11 but .* ends before seq 6/);
    return true;
  });
});

test("a foreign file under a segment name is rejected clearly", async () => {
  const dir = tempDir("foreign");
  const file = path.join(dir, "00000000000000000001.seg");
  fs.writeFileSync(file, "this is not a journal segment, just some text\n");
  await assert.rejects(Journal.open({ dir, sync: "batch" }), (e) => {
    assert.ok(e instanceof JournalCorruptError);
    assert.equal(e.file, file);
    assert.equal(e.offset, 0);
    assert.match(e.message, /bad magic/);
    return true;
  });
});

test("a renamed segment (header and name disagree) is rejected", async () => {
  const dir = tempDir("renamed");
  await writeRecords(dir, 3);
  const from = path.join(dir, "00000000000000000001.seg");
  const to = path.join(dir, "00000000000000000005.seg");
  fs.renameSync(from, to);
  await assert.rejects(
    Journal.open({ dir, sync: "batch" }),
    (e) => e instanceof JournalCorruptError && /header says first seq 1/.test(e.message),
  );
});

test("a new last segment whose header never completed is rewritten and keeps the numbering", async () => {
  const dir = tempDir("tornheader");
  await writeRecords(dir, 7);
  const next = path.join(dir, "00000000000000000008.seg");
  fs.writeFileSync(next, Buffer.from("BOURSE"));
  const j = await Journal.open({ dir, sync: "batch" });
  assert.equal(j.recovery.torn?.file, next);
  assert.equal(j.recovery.torn?.offset, 0);
  assert.equal(j.recovery.torn?.truncated_bytes, 6);
  assert.equal(fs.statSync(next).size, HEADER_BYTES);
  assert.equal(j.nextSeq(), 8);
  assert.equal(j.append(payload(8, PAYLOAD_BYTES)), 8);
  await j.close();
  const again = await Journal.open({ dir, sync: "batch" });
  await expectContiguous(again, 8);
  await again.close();
});

test("repair_tail cuts the last segment at its first bad record, reporting what it cut", async () => {
  const dir = tempDir("repair");
  await writeRecords(dir, 10);
  const file = lastSegment(dir);
  const size = fs.statSync(file).size;
  flipByte(file, recordOffset(6) + 30);
  await assert.rejects(Journal.open({ dir, sync: "batch" }), JournalCorruptError);
  const j = await Journal.open({ dir, sync: "batch", repair_tail: true });
  assert.equal(j.recovery.torn?.offset, recordOffset(6));
  assert.equal(j.recovery.torn?.truncated_bytes, size - recordOffset(6));
  await expectContiguous(j, 6);
  await j.close();
});

test("files that are not segments are left alone", async () => {
  const dir = tempDir("others");
  fs.writeFileSync(path.join(dir, "README"), "x");
  fs.mkdirSync(path.join(dir, "snapshots"));
  const j = await Journal.open({ dir, sync: "batch" });
  j.append(payload(1));
  await j.close();
  assert.deepEqual(fs.readdirSync(dir).sort(), ["00000000000000000001.seg", "README", "snapshots"]);
});
