import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { gunzipSync } from "node:zlib";
import { Field, Marker } from "../../../src/core/mod.ts";
import { blockMayHold, decodeIndex, idHash } from "../../../src/obs/log-index.ts";
import { createLogger, LogWriter, type LogWriterOptions } from "../../../src/obs/mod.ts";

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

/** A writer that leaves rotated days plain, for the tests of rotation itself. */
function plainWriter(opts: LogWriterOptions): LogWriter {
  return new LogWriter({ compress: false, ...opts });
}

async function lines(path: string): Promise<string[]> {
  const text = await readFile(path, "utf8");
  return text.split("\n").filter((l) => l !== "");
}

async function logNames(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => !n.endsWith(".idx")).sort();
}

test("lines written before and after UTC midnight land in their day's file", async (t) => {
  const dir = await tempDir(t);
  const clock = fakeClock("2030-01-01T23:59:58.000Z");
  const w = plainWriter({ service: "ubscore", dir, retention_days: 7, clock: clock.now });
  w.write("a1\n");
  w.write("a2\n");
  await w.flush();
  w.write("a3\n");
  clock.set("2030-01-02T00:00:00.001Z");
  w.write("b1\n");
  w.write("b2\n");
  await w.close();

  assert.deepEqual(await logNames(dir), ["ubscore.log", "ubscore.log.2030-01-01"]);
  assert.deepEqual(await lines(join(dir, "ubscore.log.2030-01-01")), ["a1", "a2", "a3"]);
  assert.deepEqual(await lines(join(dir, "ubscore.log")), ["b1", "b2"]);
});

test("a day boundary crossed between two drains still splits the lines", async (t) => {
  const dir = await tempDir(t);
  const clock = fakeClock("2030-03-10T23:59:59.999Z");
  const w = plainWriter({ service: "gateway", dir, retention_days: 30, clock: clock.now });
  await w.hold(true);
  w.write("d10\n");
  clock.set("2030-03-11T00:00:00.000Z");
  w.write("d11\n");
  clock.set("2030-03-12T12:00:00.000Z");
  w.write("d12\n");
  await w.hold(false);
  await w.close();

  assert.deepEqual(await logNames(dir), [
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
  const w = plainWriter({ service: "settlement", dir, retention_days: 7, clock: clock.now });
  await w.open();
  w.write("new\n");
  await w.close();

  assert.deepEqual(await lines(join(dir, "settlement.log.2030-05-01")), ["old"]);
  assert.deepEqual(await lines(join(dir, "settlement.log")), ["new"]);
});

test("a live file from the same day is appended to, not rolled over", async (t) => {
  const dir = await tempDir(t);
  const clock = fakeClock("2030-05-03T08:00:00Z");
  const first = plainWriter({ service: "ubscore", dir, retention_days: 7, clock: clock.now });
  first.write("one\n");
  await first.close();
  const mtime = new Date("2030-05-03T08:00:00Z");
  await utimes(join(dir, "ubscore.log"), mtime, mtime);

  clock.set("2030-05-03T09:00:00Z");
  const second = plainWriter({ service: "ubscore", dir, retention_days: 7, clock: clock.now });
  second.write("two\n");
  await second.close();

  assert.deepEqual(await logNames(dir), ["ubscore.log"]);
  assert.deepEqual(await lines(join(dir, "ubscore.log")), ["one", "two"]);
});

test("retention removes rotated files (plain, compressed, indexes) older than retention_days, at open and at rotation", async (t) => {
  const dir = await tempDir(t);
  const names = [
    "ubscore.log.2030-01-01.gz",
    "ubscore.log.2030-01-01.gz.idx",
    "ubscore.log.2030-01-02",
    "ubscore.log.2030-01-02.idx",
    "ubscore.log.2030-01-03.gz",
    "ubscore.log.2030-01-03.1",
    "ubscore.log.2030-01-09.gz",
    "gateway.log.2030-01-01",
    "ubscore.log.not-a-date",
  ];
  for (const name of names) await writeFile(join(dir, name), "x\n");

  // On 2030-01-10 with 7 days kept, 2030-01-03 .. 2030-01-09 stay.
  const clock = fakeClock("2030-01-10T12:00:00Z");
  const w = plainWriter({ service: "ubscore", dir, retention_days: 7, clock: clock.now });
  await w.open();
  assert.deepEqual((await readdir(dir)).sort(), [
    "gateway.log.2030-01-01",
    "ubscore.log",
    "ubscore.log.2030-01-03.1",
    "ubscore.log.2030-01-03.gz",
    "ubscore.log.2030-01-09.gz",
    "ubscore.log.idx",
    "ubscore.log.not-a-date",
  ]);

  w.write("day10\n");
  await w.flush();
  clock.set("2030-01-11T00:00:01Z");
  w.write("day11\n");
  await w.close();
  assert.deepEqual(await logNames(dir), [
    "gateway.log.2030-01-01",
    "ubscore.log",
    "ubscore.log.2030-01-09.gz",
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
  await w.settle();
  await w.close();
  assert.deepEqual(await logNames(dir), ["ubscore.log"]);
  assert.deepEqual(await lines(join(dir, "ubscore.log")), ["b"]);
});

test("a rotation onto an existing dated name, plain or compressed, picks a numbered one", async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, "ubscore.log.2030-04-01.gz"), "earlier\n");
  const clock = fakeClock("2030-04-01T22:00:00Z");
  const w = plainWriter({ service: "ubscore", dir, retention_days: 7, clock: clock.now });
  w.write("later\n");
  await w.flush();
  clock.set("2030-04-02T00:00:00Z");
  w.write("next\n");
  await w.close();
  assert.deepEqual(await lines(join(dir, "ubscore.log.2030-04-01.gz")), ["earlier"]);
  assert.deepEqual(await lines(join(dir, "ubscore.log.2030-04-01.1")), ["later"]);
  assert.deepEqual(await lines(join(dir, "ubscore.log")), ["next"]);
});

test("a rotated day is compressed: one gzip member per index block, zcat reads it whole", async (t) => {
  const dir = await tempDir(t);
  let now_ms = Date.parse("2030-09-01T12:00:00Z");
  const log = createLogger({
    service: "matching_engine",
    dir,
    level: "info",
    retention_days: 7,
    clock: () => now_ms,
  });
  // About 9 MB of lines: three index blocks or more.
  const n = 60_000;
  for (let id = 1; id <= n; id++) {
    now_ms += 1;
    log
      .line(Marker.TRADE_EXECUTED, id)
      ?.idText(Field.event_id, 1_099_511_627_776 + id)
      .int(Field.trade_id, 1_099_511_627_776 + id)
      .int(Field.order_id, id)
      .int(Field.maker_order_id, id + 1_000_000)
      .str(Field.symbol, "BTC_USDT")
      .int(Field.price_ticks, 4_500_000)
      .int(Field.qty_lots, 5000)
      .end();
  }
  const plain = await log.flush().then(() => readFile(join(dir, "matching_engine.log")));
  now_ms = Date.parse("2030-09-02T00:00:01Z");
  log.line(Marker.ORDER_MATCHED, 1)?.idText(Field.event_id, 1).end();
  await log.settle();
  await log.close();

  const gz = await readFile(join(dir, "matching_engine.log.2030-09-01.gz"));
  assert.ok(gz.length < plain.length / 4, `${gz.length} of ${plain.length} bytes`);
  // Concatenated members inflate to the day's text, as zcat would print it.
  assert.deepEqual(gunzipSync(gz), plain);
  const entries = decodeIndex(await readFile(join(dir, "matching_engine.log.2030-09-01.gz.idx")));
  assert.ok(entries !== null && entries.length >= 3, `${entries?.length} blocks`);
  let raw = 0;
  let lines_in_blocks = 0;
  for (const e of entries) {
    assert.equal(e.raw_start, raw);
    const text = gunzipSync(gz.subarray(e.gz_start, e.gz_end));
    assert.deepEqual(text, plain.subarray(e.raw_start, e.raw_end));
    assert.equal(text.at(-1), 10, "a block ends at a line's end");
    raw = e.raw_end;
    lines_in_blocks += e.lines;
  }
  assert.equal(raw, plain.length);
  assert.equal(lines_in_blocks, n);
  // Each block's filter holds the ids of its lines, and turns away most others.
  const holder = (id: string) => entries.filter((e) => blockMayHold(e, [idHash(id)]));
  assert.ok(holder("1").some((e) => e.raw_start === 0));
  assert.ok(holder(String(n)).some((e) => e.raw_end === plain.length));
  assert.ok(holder(String(1_099_511_627_776 + 30_000)).length >= 1);
  let strays = 0;
  for (let i = 0; i < 1000; i++) strays += holder(`no-such-id-${i}`).length;
  assert.ok(strays < 0.05 * 1000 * entries.length, `${strays} false hits`);
  assert.deepEqual(
    entries.map((e) => e.time_min <= e.time_max),
    entries.map(() => true),
  );
});

test("an earlier run's leftovers are finished at open: a plain day compressed, a half-written .gz removed", async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, "ubscore.log.2030-01-08"), '{"a":1}\n{"a":2}\n');
  await writeFile(join(dir, "ubscore.log.2030-01-09.gz.tmp"), "half");
  await writeFile(join(dir, "ubscore.log.2030-01-07"), "leftover\n");
  await writeFile(join(dir, "ubscore.log.2030-01-07.gz"), "");
  const clock = fakeClock("2030-01-10T12:00:00Z");
  const w = new LogWriter({ service: "ubscore", dir, retention_days: 7, clock: clock.now });
  await w.open();
  await w.settle();
  await w.close();
  assert.deepEqual((await readdir(dir)).sort(), [
    "ubscore.log",
    "ubscore.log.2030-01-07.gz",
    "ubscore.log.2030-01-08.gz",
    "ubscore.log.2030-01-08.gz.idx",
    "ubscore.log.idx",
  ]);
  assert.equal(
    gunzipSync(await readFile(join(dir, "ubscore.log.2030-01-08.gz"))).toString(),
    '{"a":1}\n{"a":2}\n',
  );
});

test("with the worker held, lines past the ring's room are dropped after block_ms_max, counted and reported", async (t) => {
  const dir = await tempDir(t);
  const clock = fakeClock("2030-06-01T00:00:00Z");
  const w = new LogWriter({
    service: "matching_engine",
    dir,
    retention_days: 7,
    clock: clock.now,
    buffer_bytes_max: 64 * 1024,
    block_ms_max: 10,
  });
  await w.open();
  await w.hold(true);
  const line = "x".repeat(1000);
  let kept = 0;
  for (let i = 0; i < 100; i++) if (w.write(`${line}\n`)) kept++;
  assert.ok(kept > 0 && kept < 100, `${kept} kept`);
  assert.equal(w.dropped, 100 - kept);
  assert.ok(w.waits >= 1);
  await w.hold(false);
  await w.flush();
  assert.equal(w.write("after\n"), true);
  await w.close();

  const out = await lines(join(dir, "matching_engine.log"));
  assert.equal(out.filter((l) => l === line).length, kept);
  const reports = out
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((r) => r["event"] === "LOG_LINES_DROPPED");
  assert.equal(reports.length, 1);
  const report = reports[0] as Record<string, unknown>;
  assert.equal(report["count"], 100 - kept);
  assert.equal(report["dropped_total"], 100 - kept);
  assert.equal(report["service"], "matching_engine");
  assert.equal(report["level"], "warn");
  assert.equal(out.at(-1), "after");
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
  await assert.rejects(w.open());
  w.write("a\n");
  w.write("b\n");
  await w.flush();
  assert.equal(w.dropped, 2);
  assert.ok(errors.length >= 1);
  assert.match(errors[0]!.message, /ENOTDIR|EEXIST/);
  await w.close();
});

test("the service's thread never waits on the disk: with the worker held, nothing reaches the file", async (t) => {
  const dir = await tempDir(t);
  const w = new LogWriter({ service: "ubscore", dir, retention_days: 1 });
  await w.open();
  await w.hold(true);
  w.write("pending\n");
  assert.equal(readFileSync(join(dir, "ubscore.log"), "utf8"), "");
  assert.ok(w.buffered_bytes > 0);
  await w.hold(false);
  await w.flush();
  assert.equal(await readFile(join(dir, "ubscore.log"), "utf8"), "pending\n");
  assert.equal(w.buffered_bytes, 0);
  await w.close();
});

test("invalid options are refused", () => {
  assert.throws(() => new LogWriter({ service: "../x", dir: ".", retention_days: 1 }), /service/);
  assert.throws(() => new LogWriter({ service: "x", dir: ".", retention_days: -1 }), /retention/);
  assert.throws(
    () => new LogWriter({ service: "x", dir: ".", retention_days: 1, buffer_bytes_max: 0 }),
    /buffer_bytes_max/,
  );
  assert.throws(
    () => new LogWriter({ service: "x", dir: ".", retention_days: 1, block_ms_max: -1 }),
    /block_ms_max/,
  );
});
