import assert from "node:assert/strict";
import { test } from "node:test";
import { Journal, type JournalError } from "../../../src/journal/mod.ts";
import { hookedIo, payload, readAll, tempDir } from "./helpers.ts";

function codeOf(err: unknown): string {
  return (err as JournalError).code;
}

function eio(): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error("EIO: i/o error, fdatasync");
  err.code = "EIO";
  return err;
}

test("a failed fdatasync is never reported durable and fails the journal", async () => {
  const io = hookedIo();
  const dir = tempDir("fsyncfail");
  const j = await Journal.open({ dir, sync: "batch", io });
  for (let i = 1; i <= 10; i++) j.append(payload(i));
  await j.flushed(10);

  io.beforeSync = () => {
    throw eio();
  };
  const durableSeen: number[] = [];
  j.onDurable((seq) => durableSeen.push(seq));
  const a = j.append(payload(11));
  const b = j.append(payload(12));
  await assert.rejects(j.flushed(a), (e) => {
    assert.equal(codeOf(e), "JOURNAL_FAILED");
    assert.match((e as Error).message, /EIO/);
    assert.match((e as Error).message, /after seq 10/);
    return true;
  });
  await assert.rejects(j.flushed(b), (e) => codeOf(e) === "JOURNAL_FAILED");
  assert.equal(j.durableSeq(), 10);
  assert.deepEqual(durableSeen, []);
  assert.equal(j.failure()?.code, "JOURNAL_FAILED");

  assert.throws(
    () => j.append(payload(13)),
    (e) => codeOf(e) === "JOURNAL_FAILED",
  );
  await j.flushed(10);
  assert.equal((await readAll(j, 1)).length, 10, "durable records stay readable");
  await assert.rejects(j.truncateBefore(5), (e) => codeOf(e) === "JOURNAL_FAILED");
  await assert.rejects(j.close(), (e) => codeOf(e) === "JOURNAL_FAILED");

  // Reopening recovers from the files. The records whose write succeeded are
  // there, though never acknowledged: the caller got an error, not a success.
  io.beforeSync = null;
  const r = await Journal.open({ dir, sync: "batch" });
  const all = await readAll(r, 1);
  assert.ok(all.length >= 10);
  for (const [seq, t] of all) assert.equal(t, `record-${seq}`);
  await r.close();
});

test("a failed write fails the journal the same way", async () => {
  const io = hookedIo();
  const j = await Journal.open({ dir: tempDir("writefail"), sync: "batch", io });
  io.write = () => Promise.reject(eio());
  const s = j.append(payload(1));
  await assert.rejects(j.flushed(s), (e) => codeOf(e) === "JOURNAL_FAILED");
  assert.equal(j.durableSeq(), 0);
  assert.throws(
    () => j.append(payload(2)),
    (e) => codeOf(e) === "JOURNAL_FAILED",
  );
  await assert.rejects(j.close(), (e) => codeOf(e) === "JOURNAL_FAILED");
});

test("followers deliver what was durable, then end with the journal's failure", async () => {
  const io = hookedIo();
  const j = await Journal.open({ dir: tempDir("followfail"), sync: "batch", io });
  for (let i = 1; i <= 5; i++) j.append(payload(i));
  await j.flushed(5);
  const seen: number[] = [];
  const f = j.follow(1, (seq) => {
    seen.push(seq);
  });
  io.beforeSync = () => {
    throw eio();
  };
  const s = j.append(payload(6));
  await assert.rejects(j.flushed(s), (e) => codeOf(e) === "JOURNAL_FAILED");
  await assert.rejects(f.done, (e) => codeOf(e) === "JOURNAL_FAILED");
  assert.deepEqual(seen, [1, 2, 3, 4, 5]);
  await assert.rejects(j.close(), (e) => codeOf(e) === "JOURNAL_FAILED");
});
