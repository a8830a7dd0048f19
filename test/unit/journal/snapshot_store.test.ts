import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import {
  type JournalError,
  SnapshotCorruptError,
  SnapshotStore,
} from "../../../src/journal/mod.ts";
import { tempDir } from "./helpers.ts";

const HEADER_BYTES = 72;

function flipByte(file: string, offset: number): void {
  const b = fs.readFileSync(file);
  b[offset] = b[offset]! ^ 0x01;
  fs.writeFileSync(file, b);
}

test("write stores atomically under the final name, and load returns the bytes", async () => {
  const dir = path.join(tempDir("snap"), "snapshots");
  const store = new SnapshotStore(dir);
  const bytes = randomBytes(200_000);
  const p = await store.write(1234, bytes);
  assert.equal(p, path.join(dir, "snapshot-00000000000000001234.snap"));
  assert.deepEqual(
    fs.readdirSync(dir),
    ["snapshot-00000000000000001234.snap"],
    "no temp file left",
  );
  assert.equal(fs.statSync(p).size, HEADER_BYTES + bytes.length);
  assert.ok(Buffer.from(await store.load(1234)).equals(bytes));
});

test("list is newest first and ignores other files, including interrupted writes", async () => {
  const dir = tempDir("snaplist");
  const store = new SnapshotStore(dir);
  await store.write(10, Buffer.from("ten"));
  await store.write(300, Buffer.from("three hundred"));
  await store.write(2, Buffer.from("two"));
  fs.writeFileSync(path.join(dir, ".snapshot-00000000000000000400.snap.tmp-1-1"), "half");
  fs.writeFileSync(path.join(dir, "notes.txt"), "x");
  assert.deepEqual(
    (await store.list()).map((s) => s.seq),
    [300, 10, 2],
  );
  assert.equal(Buffer.from(await store.load(10)).toString(), "ten");
});

test("a flipped payload byte is caught with an error naming the file", async () => {
  const dir = tempDir("snapflip");
  const store = new SnapshotStore(dir);
  const p = await store.write(7, randomBytes(5000));
  flipByte(p, HEADER_BYTES + 2500);
  await assert.rejects(store.load(7), (e) => {
    assert.ok(e instanceof SnapshotCorruptError);
    assert.equal(e.code, "SNAPSHOT_CORRUPT");
    assert.equal(e.file, p);
    assert.ok(e.message.includes(p), e.message);
    assert.match(e.reason, /SHA-256/);
    return true;
  });
});

test("damaged headers and truncated files are reported with what is wrong", async () => {
  const dir = tempDir("snaphdr");
  const store = new SnapshotStore(dir);
  const a = await store.write(1, Buffer.from("payload one"));
  flipByte(a, 17);
  await assert.rejects(
    store.load(1),
    (e) => e instanceof SnapshotCorruptError && /header checksum/.test(e.reason),
  );

  const b = await store.write(2, Buffer.from("payload two"));
  fs.truncateSync(b, fs.statSync(b).size - 1);
  await assert.rejects(
    store.load(2),
    (e) =>
      e instanceof SnapshotCorruptError &&
      /header says 11 payload bytes but the file holds 10/.test(e.reason),
  );

  const c = await store.write(3, Buffer.from("three"));
  fs.renameSync(c, path.join(dir, "snapshot-00000000000000000009.snap"));
  await assert.rejects(
    store.load(9),
    (e) => e instanceof SnapshotCorruptError && /header says seq 3/.test(e.reason),
  );

  fs.writeFileSync(path.join(dir, "snapshot-00000000000000000005.snap"), "short");
  await assert.rejects(
    store.load(5),
    (e) => e instanceof SnapshotCorruptError && /shorter than/.test(e.reason),
  );

  await assert.rejects(store.load(77), (e) => (e as JournalError).code === "SNAPSHOT_NOT_FOUND");
});

test("latestValid falls back past corrupt snapshots and reports each one it skipped", async () => {
  const dir = tempDir("snaplatest");
  const store = new SnapshotStore(dir);
  assert.deepEqual(await store.latestValid(), { latest: null, skipped: [] });
  await store.write(100, Buffer.from("state at 100"));
  const p200 = await store.write(200, Buffer.from("state at 200"));
  const p300 = await store.write(300, Buffer.from("state at 300"));
  flipByte(p300, HEADER_BYTES + 1);
  flipByte(p200, 0);

  const r = await store.latestValid();
  assert.equal(r.latest?.seq, 100);
  assert.equal(Buffer.from(r.latest!.bytes).toString(), "state at 100");
  assert.deepEqual(r.skipped, [
    { path: p300, reason: "payload checksum (SHA-256) mismatch" },
    { path: p200, reason: "not a snapshot file (bad magic)" },
  ]);

  flipByte(path.join(dir, "snapshot-00000000000000000100.snap"), HEADER_BYTES + 3);
  const none = await store.latestValid();
  assert.equal(none.latest, null);
  assert.equal(none.skipped.length, 3, "with nothing valid, every corrupt one is still reported");
});

test("prune keeps the newest valid snapshots and never leaves only corrupt ones", async () => {
  const dir = tempDir("snapprune");
  const store = new SnapshotStore(dir);
  for (const seq of [1, 2, 3, 4, 5]) await store.write(seq, Buffer.from(`s${seq}`));
  fs.writeFileSync(
    path.join(dir, ".snapshot-00000000000000000006.snap.tmp-1-1"),
    "left by a crash",
  );

  assert.equal(await store.prune(3), 2);
  assert.deepEqual(
    (await store.list()).map((s) => s.seq),
    [5, 4, 3],
  );
  assert.ok(!fs.readdirSync(dir).some((n) => n.includes(".tmp-")), "temp file removed");

  // The newest is corrupt: it stays (so it keeps being reported) and two valid ones are kept below it.
  flipByte(path.join(dir, "snapshot-00000000000000000005.snap"), HEADER_BYTES);
  assert.equal(await store.prune(2), 0);
  assert.deepEqual(
    (await store.list()).map((s) => s.seq),
    [5, 4, 3],
  );
  assert.equal(await store.prune(1), 1);
  assert.deepEqual(
    (await store.list()).map((s) => s.seq),
    [5, 4],
  );
  assert.equal((await store.latestValid()).latest?.seq, 4);
});

test("writing the same seq again replaces the snapshot whole", async () => {
  const dir = tempDir("snapreplace");
  const store = new SnapshotStore(dir);
  await store.write(9, Buffer.from("first"));
  await store.write(9, Buffer.from("second, longer"));
  assert.equal(Buffer.from(await store.load(9)).toString(), "second, longer");
  assert.equal(fs.readdirSync(dir).length, 1);
});
