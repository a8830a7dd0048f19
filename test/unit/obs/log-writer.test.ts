import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { LogWriter } from "../../../src/obs/mod.ts";

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "bourse-obs-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function fakeClock(start_iso: string): { now: () => number; set: (iso: string) => void } {
  let now_ms = Date.parse(start_iso);
  return {
    now: () => now_ms,
    set: (iso) => {
      now_ms = Date.parse(iso);
    },
  };
}

async function lines(path: string): Promise<string[]> {
  const text = await readFile(path, "utf8");
  return text.split("\n").filter((l) => l !== "");
}

test("lines written before and after UTC midnight land in their day's file", async (t) => {
  const dir = await tempDir(t);
  const clock = fakeClock("2030-01-01T23:59:58.000Z");
  const w = new LogWriter({ service: "ubscore", dir, retention_days: 7, clock: clock.now });
  w.write("a1\n");
  w.write("a2\n");
  await w.flush();
  w.write("a3\n");
  clock.set("2030-01-02T00:00:00.001Z");
  w.write("b1\n");
  w.write("b2\n");
  await w.close();

  assert.deepEqual((await readdir(dir)).sort(), ["ubscore.log", "ubscore.log.2030-01-01"]);
  assert.deepEqual(await lines(join(dir, "ubscore.log.2030-01-01")), ["a1", "a2", "a3"]);
  assert.deepEqual(await lines(join(dir, "ubscore.log")), ["b1", "b2"]);
});

test("a day boundary crossed inside one unflushed batch still splits the lines", async (t) => {
  const dir = await tempDir(t);
  const clock = fakeClock("2030-03-10T23:59:59.999Z");
  const w = new LogWriter({ service: "gateway", dir, retention_days: 30, clock: clock.now });
  w.write("d10\n");
  clock.set("2030-03-11T00:00:00.000Z");
  w.write("d11\n");
  clock.set("2030-03-12T12:00:00.000Z");
  w.write("d12\n");
  await w.close();

  assert.deepEqual((await readdir(dir)).sort(), [
    "gateway.log",
    "gateway.log.2030-03-10",
    "gateway.log.2030-03-11",
  ]);
  assert.deepEqual(await lines(join(dir, "gateway.log.2030-03-10")), ["d10"]);
  assert.deepEqual(await lines(join(dir, "gateway.log.2030-03-11")), ["d11"]);
  assert.deepEqual(await lines(join(dir, "gateway.log")), ["d12"]);
});

test("a live file left from an earlier day is rolled over when the writer opens", async (t) => {
  const dir = await tempDir(t);
  const old = join(dir, "settlement.log");
  await writeFile(old, "old\n");
  const mtime = new Date("2030-05-01T10:00:00Z");
  await utimes(old, mtime, mtime);

  const clock = fakeClock("2030-05-03T08:00:00Z");
  const w = new LogWriter({ service: "settlement", dir, retention_days: 7, clock: clock.now });
  await w.open();
  w.write("new\n");
  await w.close();

  assert.deepEqual(await lines(join(dir, "settlement.log.2030-05-01")), ["old"]);
  assert.deepEqual(await lines(join(dir, "settlement.log")), ["new"]);
});

test("a live file from the same day is appended to, not rolled over", async (t) => {
  const dir = await tempDir(t);
  const clock = fakeClock("2030-05-03T08:00:00Z");
  const first = new LogWriter({ service: "ubscore", dir, retention_days: 7, clock: clock.now });
  first.write("one\n");
  await first.close();
  const mtime = new Date("2030-05-03T08:00:00Z");
  await utimes(join(dir, "ubscore.log"), mtime, mtime);

  clock.set("2030-05-03T09:00:00Z");
  const second = new LogWriter({ service: "ubscore", dir, retention_days: 7, clock: clock.now });
  second.write("two\n");
  await second.close();

  assert.deepEqual(await readdir(dir), ["ubscore.log"]);
  assert.deepEqual(await lines(join(dir, "ubscore.log")), ["one", "two"]);
});

test("retention removes rotated files older than retention_days, at open and at rotation", async (t) => {
  const dir = await tempDir(t);
  const names = [
    "ubscore.log.2030-01-01",
    "ubscore.log.2030-01-02",
    "ubscore.log.2030-01-03",
    "ubscore.log.2030-01-03.1",
    "ubscore.log.2030-01-09",
    "gateway.log.2030-01-01",
    "ubscore.log.not-a-date",
  ];
  for (const name of names) await writeFile(join(dir, name), "x\n");

  // On 2030-01-10 with 7 days kept, 2030-01-03 .. 2030-01-09 stay.
  const clock = fakeClock("2030-01-10T12:00:00Z");
  const w = new LogWriter({ service: "ubscore", dir, retention_days: 7, clock: clock.now });
  await w.open();
  assert.deepEqual((await readdir(dir)).sort(), [
    "gateway.log.2030-01-01",
    "ubscore.log",
    "ubscore.log.2030-01-03",
    "ubscore.log.2030-01-03.1",
    "ubscore.log.2030-01-09",
    "ubscore.log.not-a-date",
  ]);

  w.write("day10\n");
  await w.flush();
  clock.set("2030-01-11T00:00:01Z");
  w.write("day11\n");
  await w.close();
  assert.deepEqual((await readdir(dir)).sort(), [
    "gateway.log.2030-01-01",
    "ubscore.log",
    "ubscore.log.2030-01-09",
    "ubscore.log.2030-01-10",
    "ubscore.log.not-a-date",
  ]);
});

test("retention_days = 0 keeps only the live file", async (t) => {
  const dir = await tempDir(t);
  const clock = fakeClock("2030-02-01T23:00:00Z");
  const w = new LogWriter({ service: "ubscore", dir, retention_days: 0, clock: clock.now });
  w.write("a\n");
  await w.flush();
  clock.set("2030-02-02T01:00:00Z");
  w.write("b\n");
  await w.close();
  assert.deepEqual(await readdir(dir), ["ubscore.log"]);
  assert.deepEqual(await lines(join(dir, "ubscore.log")), ["b"]);
});

test("a rotation onto an existing dated name picks a numbered one instead of overwriting", async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, "ubscore.log.2030-04-01"), "earlier\n");
  const clock = fakeClock("2030-04-01T22:00:00Z");
  const w = new LogWriter({ service: "ubscore", dir, retention_days: 7, clock: clock.now });
  w.write("later\n");
  await w.flush();
  clock.set("2030-04-02T00:00:00Z");
  w.write("next\n");
  await w.close();
  assert.deepEqual(await lines(join(dir, "ubscore.log.2030-04-01")), ["earlier"]);
  assert.deepEqual(await lines(join(dir, "ubscore.log.2030-04-01.1")), ["later"]);
  assert.deepEqual(await lines(join(dir, "ubscore.log")), ["next"]);
});

test("past buffer_bytes_max lines are dropped, counted and reported once writing resumes", async (t) => {
  const dir = await tempDir(t);
  const clock = fakeClock("2030-06-01T00:00:00Z");
  const w = new LogWriter({
    service: "matching_engine",
    dir,
    retention_days: 7,
    clock: clock.now,
    buffer_bytes_max: 40,
  });
  const line = (i: number) => `line-${String(i).padStart(3, "0")}\n`; // 9 chars
  const accepted: string[] = [];
  for (let i = 0; i < 10; i++) if (w.write(line(i))) accepted.push(line(i).trim());
  assert.equal(accepted.length, 4);
  assert.equal(w.dropped, 6);

  await w.flush();
  assert.equal(w.buffered_bytes, 0);
  assert.equal(w.write("after\n"), true);
  await w.close();

  const out = await lines(join(dir, "matching_engine.log"));
  assert.deepEqual(out.slice(0, 4), accepted);
  const report = JSON.parse(out[4]!) as Record<string, unknown>;
  assert.equal(report["event"], "LOG_LINES_DROPPED");
  assert.equal(report["count"], 6);
  assert.equal(report["dropped_total"], 6);
  assert.equal(report["service"], "matching_engine");
  assert.equal(report["level"], "warn");
  assert.equal(report["time"], Date.parse("2030-06-01T00:00:00Z"));
  assert.equal(out[5], "after");
  assert.equal(out.length, 6);
  assert.equal(w.dropped, 6);
});

test("each burst of drops is reported with its own count", async (t) => {
  const dir = await tempDir(t);
  const w = new LogWriter({ service: "ubscore", dir, retention_days: 1, buffer_bytes_max: 10 });
  w.write("012345678\n");
  w.write("x\n");
  w.write("y\n");
  await w.flush();
  w.write("012345678\n");
  w.write("z\n");
  await w.close();
  const reports = (await lines(join(dir, "ubscore.log")))
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as { count: number; dropped_total: number });
  assert.deepEqual(
    reports.map((r) => [r.count, r.dropped_total]),
    [
      [2, 2],
      [1, 3],
    ],
  );
});

test("a line larger than the whole buffer is dropped even with nothing queued", async (t) => {
  const dir = await tempDir(t);
  const w = new LogWriter({ service: "ubscore", dir, retention_days: 1, buffer_bytes_max: 8 });
  assert.equal(w.write("much too long\n"), false);
  await w.close();
  const out = await lines(join(dir, "ubscore.log"));
  assert.equal(out.length, 1);
  assert.equal((JSON.parse(out[0]!) as { count: number }).count, 1);
});

test("lines written after close are counted as dropped", async (t) => {
  const dir = await tempDir(t);
  const w = new LogWriter({ service: "ubscore", dir, retention_days: 1 });
  w.write("kept\n");
  await w.close();
  assert.equal(w.write("late\n"), false);
  assert.equal(w.dropped, 1);
  await w.close();
  assert.deepEqual(await lines(join(dir, "ubscore.log")), ["kept"]);
});

test("a failing file system loses the batch, counts it and reports the error", async (t) => {
  const dir = await tempDir(t);
  const blocker = join(dir, "not-a-dir");
  await writeFile(blocker, "");
  const errors: Error[] = [];
  const w = new LogWriter({
    service: "ubscore",
    dir: join(blocker, "logs"),
    retention_days: 1,
    on_error: (err) => errors.push(err),
  });
  w.write("a\n");
  w.write("b\n");
  await w.flush();
  assert.equal(w.dropped, 2);
  assert.ok(errors.length >= 1);
  assert.match(errors[0]!.message, /ENOTDIR|EEXIST/);
  await assert.rejects(w.open());
  await w.close();
});

test("writes never touch the disk synchronously: nothing is in the file until the drain runs", async (t) => {
  const dir = await tempDir(t);
  const w = new LogWriter({ service: "ubscore", dir, retention_days: 1 });
  await w.open();
  w.write("pending\n");
  assert.equal(readFileSync(join(dir, "ubscore.log"), "utf8"), "");
  assert.equal(w.buffered_bytes, 8);
  await w.flush();
  assert.equal(await readFile(join(dir, "ubscore.log"), "utf8"), "pending\n");
  await w.close();
});

test("invalid options are refused", () => {
  assert.throws(() => new LogWriter({ service: "../x", dir: ".", retention_days: 1 }), /service/);
  assert.throws(() => new LogWriter({ service: "x", dir: ".", retention_days: -1 }), /retention/);
  assert.throws(
    () => new LogWriter({ service: "x", dir: ".", retention_days: 1, buffer_bytes_max: 0 }),
    /buffer_bytes_max/,
  );
});
