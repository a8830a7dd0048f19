import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { allMarkers, Field, Marker } from "../../../src/core/mod.ts";
import {
  createLogger,
  eventEnabled,
  isSampled,
  logEvent,
  markerPolicy,
  nullLogger,
  PPM_ALL,
  sampleHash,
} from "../../../src/obs/mod.ts";

type Line = Record<string, unknown>;

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "bourse-obs-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function readLines(path: string): Promise<Line[]> {
  const text = await readFile(path, "utf8");
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Line);
}

/** What `jq 'select(.event==NAME)'` returns: top-level fields only. */
function select(lines: Line[], event: string): Line[] {
  return lines.filter((l) => l["event"] === event);
}

test("marker lines carry event, event_id, ids, service and time as top-level JSON fields", async (t) => {
  const dir = await tempDir(t);
  const now_ms = Date.parse("2030-07-01T12:00:00.123Z");
  const log = createLogger({
    service: "ubscore",
    dir,
    level: "info",
    retention_days: 7,
    clock: () => now_ms,
  });
  logEvent(log, Marker.DEPOSIT_CONSUMED, {
    event_id: "deposit_1001_2_1782907200123_req-1",
    user_id: 1001,
    asset: "BTC",
    request_id: "req-1",
    amount: "10.5",
  });
  logEvent(
    log,
    Marker.ORDER_ACCEPTED,
    { event_id: "77", order_id: 77, user_id: 1001, symbol: "BTC_USDT" },
    { msg: "order accepted" },
  );
  log.line(Marker.TRADE_EXECUTED, 77)?.idText(Field.event_id, 5).int(Field.trade_id, 5).end();
  log.logger.info("plain line");
  await log.close();

  const lines = await readLines(join(dir, "ubscore.log"));
  assert.equal(lines.length, 4);
  const [deposit] = select(lines, "DEPOSIT_CONSUMED");
  assert.deepEqual(deposit, {
    level: "info",
    time: now_ms,
    service: "ubscore",
    event: "DEPOSIT_CONSUMED",
    event_id: "deposit_1001_2_1782907200123_req-1",
    user_id: 1001,
    asset: "BTC",
    request_id: "req-1",
    amount: "10.5",
  });
  const [order] = select(lines, "ORDER_ACCEPTED");
  assert.equal(order?.["order_id"], 77);
  assert.equal(order?.["msg"], "order accepted");
  assert.deepEqual(select(lines, "TRADE_EXECUTED")[0], {
    level: "info",
    time: now_ms,
    service: "ubscore",
    event: "TRADE_EXECUTED",
    event_id: "5",
    trade_id: 5,
  });
  for (const line of lines) {
    assert.equal(line["service"], "ubscore");
    assert.equal(line["time"], now_ms);
  }
});

test("every kind of value survives the ring: escapes, non-ASCII, big numbers, nested objects", async (t) => {
  const dir = await tempDir(t);
  const log = createLogger({ service: "gateway", dir, level: "info", retention_days: 1 });
  const values = {
    event_id: "e-1",
    quote: 'a "quoted" \\ back\\slash',
    control: "tab\there\nnewline",
    unicode: "prix 45 000 € — 価格",
    empty: "",
    big: 2 ** 60,
    negative: -42,
    fraction: 0.1 + 0.2,
    huge: 12345678901234567890n,
    yes: true,
    no: false,
    nothing: null,
    nested: { a: [1, "two", { three: 3 }] },
    err: new Error("boom"),
    left_out: undefined,
  };
  assert.equal(logEvent(log, Marker.ORDER_FAILED, values), true);
  log
    .line(Marker.ORDER_MATCHED)
    ?.idText(Field.event_id, 2 ** 53 - 1)
    .int(Field.order_id, -7)
    .num(Field.price_ticks, Number.NaN)
    .str(Field.symbol, "é")
    .str(Field.cid, undefined)
    .str(Field.side, null)
    .bool(Field.filled, true)
    .end("done");
  await log.close();
  const text = await readFile(join(dir, "gateway.log"), "utf8");
  const [first, second] = text
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Line);
  const { left_out: _, err, huge: __, ...plain } = values;
  for (const [k, v] of Object.entries(plain)) assert.deepEqual(first?.[k], v, k);
  assert.equal(first?.["huge"], Number(12345678901234567890n));
  assert.ok(text.includes('"huge":12345678901234567890'), "a bigint keeps all its digits");
  assert.equal((first?.["err"] as Line | undefined)?.["message"], err.message);
  assert.equal("left_out" in (first ?? {}), false);
  assert.deepEqual(second, {
    level: "info",
    time: second?.["time"],
    service: "gateway",
    event: "ORDER_MATCHED",
    event_id: String(2 ** 53 - 1),
    order_id: -7,
    price_ticks: null,
    symbol: "é",
    side: null,
    filled: true,
    msg: "done",
  });
});

test("refusals and failures get warn and error levels and are written below info thresholds", async (t) => {
  const dir = await tempDir(t);
  const log = createLogger({ service: "gateway", dir, level: "warn", retention_days: 1 });
  assert.equal(logEvent(log, Marker.DEPOSIT_CONSUMED, { event_id: "d1" }), false);
  assert.equal(
    logEvent(log, Marker.ORDER_REJECTED, { event_id: "o1", reason: "INSUFFICIENT_BALANCE" }),
    true,
  );
  assert.equal(logEvent(log, Marker.WITHDRAW_FAILED, { event_id: "w1" }), true);
  await log.close();
  const lines = await readLines(join(dir, "gateway.log"));
  assert.deepEqual(
    lines.map((l) => [l["event"], l["level"]]),
    [
      ["ORDER_REJECTED", "warn"],
      ["WITHDRAW_FAILED", "error"],
    ],
  );
});

test("the registry decides the policy: money movements, refusals, failures and service markers are never sampled", () => {
  for (const m of allMarkers()) {
    const policy = markerPolicy(m.name);
    assert.equal(policy.level, m.level, m.name);
    assert.equal(policy.always, !m.sampled, m.name);
    if (m.flow === "deposit" || m.flow === "withdraw" || m.level !== "info") {
      assert.equal(m.sampled, false, m.name);
    }
    if (m.flow === "service" || m.flow === "recovery" || m.flow === "health" || m.flow === "log") {
      assert.equal(m.sampled, false, m.name);
    }
  }
  for (const m of [Marker.ORDER_ACCEPTED, Marker.ORDER_MATCHED, Marker.TRADE_PERSISTED]) {
    assert.equal(markerPolicy(m.name).always, false, m.name);
  }
  assert.equal(markerPolicy("NOT_A_MARKER").always, true);
});

test("sampling is a pure function of the key, with the requested rate", () => {
  assert.equal(sampleHash(123_456), sampleHash("123456"));
  assert.equal(sampleHash(123_456n), sampleHash("123456"));
  assert.notEqual(sampleHash(1), sampleHash(2));
  const ppm = 100_000;
  let kept = 0;
  const n = 200_000;
  for (let id = 1; id <= n; id++) {
    const first = isSampled(id, ppm);
    assert.equal(isSampled(id, ppm), first);
    if (first) kept++;
  }
  // 10% of 200k: the binomial standard deviation is about 134, so 1% of slack is ~15 sigma.
  assert.ok(Math.abs(kept / n - 0.1) < 0.01, `kept ${kept} of ${n}`);
  assert.equal(isSampled(42, PPM_ALL), true);
  assert.equal(isSampled(42, 0), false);
  // A key kept at a low rate is kept at every higher rate: raising the rate only adds orders.
  for (let id = 1; id <= 10_000; id++) {
    if (isSampled(id, 1_000)) assert.equal(isSampled(id, 50_000), true);
  }
});

test("everything is written by default; sampling, when asked for, keeps the same orders in every service", async (t) => {
  const dir = await tempDir(t);
  const all = createLogger({ service: "settlement", dir, level: "info", retention_days: 1 });
  const ppm = 200_000;
  const a = createLogger({
    service: "ubscore",
    dir,
    level: "info",
    retention_days: 1,
    sample_ppm: ppm,
  });
  const b = createLogger({
    service: "matching_engine",
    dir,
    level: "info",
    retention_days: 1,
    sample_ppm: ppm,
  });
  for (let id = 1; id <= 1000; id++) {
    logEvent(all, Marker.ORDER_PERSISTED, { event_id: String(id), order_id: id });
    logEvent(a, Marker.ORDER_ACCEPTED, { event_id: String(id), order_id: id });
    logEvent(b, Marker.ORDER_MATCHED, { event_id: String(id), order_id: String(id) });
    b.line(Marker.TRADE_EXECUTED, id)?.idText(Field.event_id, id).int(Field.trade_id, id).end();
  }
  for (let id = 1; id <= 50; id++) {
    logEvent(a, Marker.DEPOSIT_CONSUMED, { event_id: `deposit_${id}`, user_id: id });
    logEvent(a, Marker.ORDER_REJECTED, { event_id: `r${id}`, order_id: 10_000 + id });
  }
  await Promise.all([all.close(), a.close(), b.close()]);
  assert.equal(
    select(await readLines(join(dir, "settlement.log")), "ORDER_PERSISTED").length,
    1000,
  );
  const ga = await readLines(join(dir, "ubscore.log"));
  const gb = await readLines(join(dir, "matching_engine.log"));
  const accepted = select(ga, "ORDER_ACCEPTED").map((l) => String(l["order_id"]));
  const matched = select(gb, "ORDER_MATCHED").map((l) => String(l["order_id"]));
  const traded = select(gb, "TRADE_EXECUTED").map((l) => String(l["trade_id"]));
  assert.deepEqual(accepted, matched);
  assert.deepEqual(accepted, traded);
  assert.ok(accepted.length > 100 && accepted.length < 300, `${accepted.length}`);
  const expected = Array.from({ length: 1000 }, (_, i) => String(i + 1)).filter((id) =>
    isSampled(id, ppm),
  );
  assert.deepEqual(accepted, expected);
  assert.equal(select(ga, "DEPOSIT_CONSUMED").length, 50);
  assert.equal(select(ga, "ORDER_REJECTED").length, 50);
});

test("level overrides above info are never sampled", async (t) => {
  const dir = await tempDir(t);
  const log = createLogger({
    service: "ubscore",
    dir,
    level: "info",
    retention_days: 1,
    sample_ppm: 0,
  });
  assert.equal(logEvent(log, Marker.ORDER_ACCEPTED, { event_id: "1", order_id: 1 }), false);
  assert.equal(
    logEvent(log, Marker.ORDER_ACCEPTED, { event_id: "2", order_id: 2 }, { level: "error" }),
    true,
  );
  await log.close();
  const lines = await readLines(join(dir, "ubscore.log"));
  assert.deepEqual(
    lines.map((l) => [l["event"], l["level"], l["order_id"]]),
    [["ORDER_ACCEPTED", "error", 2]],
  );
});

test("the logger's lines follow the daily rotation under the same clock; the day before is compressed", async (t) => {
  const dir = await tempDir(t);
  let now_ms = Date.parse("2030-08-01T23:59:59.500Z");
  const log = createLogger({
    service: "settlement",
    dir,
    level: "info",
    retention_days: 7,
    clock: () => now_ms,
  });
  logEvent(log, Marker.TRADE_PERSISTED, { event_id: "1", trade_id: 1 });
  now_ms = Date.parse("2030-08-02T00:00:00.500Z");
  logEvent(log, Marker.TRADE_PERSISTED, { event_id: "2", trade_id: 2 });
  await log.settle();
  await log.close();
  assert.deepEqual((await readdir(dir)).sort(), [
    "settlement.log",
    "settlement.log.2030-08-01.gz",
    "settlement.log.2030-08-01.gz.idx",
    "settlement.log.idx",
  ]);
  const { gunzipSync } = await import("node:zlib");
  const before = gunzipSync(await readFile(join(dir, "settlement.log.2030-08-01.gz")))
    .toString("utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Line);
  const after = await readLines(join(dir, "settlement.log"));
  assert.deepEqual(
    before.map((l) => [l["trade_id"], l["time"]]),
    [[1, Date.parse("2030-08-01T23:59:59.500Z")]],
  );
  assert.deepEqual(
    after.map((l) => [l["trade_id"], l["time"]]),
    [[2, Date.parse("2030-08-02T00:00:00.500Z")]],
  );
});

test("the null logger and the silent level write nothing", async (t) => {
  const dir = await tempDir(t);
  const off = nullLogger("gateway");
  assert.equal(off.enabled, false);
  assert.equal(logEvent(off, Marker.DEPOSIT_CONSUMED, { event_id: "d" }), false);
  assert.equal(off.line(Marker.ORDER_ACCEPTED, 1), null);
  off.logger.error("nothing");
  await off.close();

  const silent = createLogger({ service: "gateway", dir, level: "silent", retention_days: 1 });
  assert.equal(logEvent(silent, Marker.WITHDRAW_FAILED, { event_id: "w" }), false);
  silent.logger.fatal("nothing");
  await silent.close();
  assert.deepEqual(await readdir(dir), []);
});

test("invalid logger options are refused", () => {
  assert.throws(
    () => createLogger({ service: "x", dir: ".", level: "loud" as "info", retention_days: 1 }),
    /level/,
  );
  assert.throws(
    () =>
      createLogger({ service: "x", dir: ".", level: "info", retention_days: 1, sample_ppm: 2e6 }),
    /sample_ppm/,
  );
});

test("eventEnabled and line() answer what logEvent would do", async (t) => {
  const dir = await tempDir(t);
  const log = createLogger({
    service: "ubscore",
    dir,
    level: "info",
    retention_days: 1,
    sample_ppm: 100_000,
  });
  for (let id = 1; id <= 200; id++) {
    assert.equal(eventEnabled(log, Marker.ORDER_MATCHED, id), isSampled(id, 100_000));
    assert.equal(
      eventEnabled(log, Marker.ORDER_MATCHED, id),
      logEvent(log, Marker.ORDER_MATCHED, { event_id: String(id), order_id: id }),
    );
    const line = log.line(Marker.ORDER_CANCELLED, id);
    assert.equal(line !== null, isSampled(id, 100_000));
    line?.end();
  }
  assert.equal(eventEnabled(log, Marker.DEPOSIT_CONSUMED), true);
  // No key: the line is always written (the gateway's RECEIVED line, before an order id exists).
  assert.equal(eventEnabled(log, Marker.ORDER_MATCHED), true);
  assert.equal(eventEnabled(nullLogger(), Marker.DEPOSIT_CONSUMED), false);
  await log.close();
});

test("with the real clock, every line of a burst carries a time from within the burst", async (t) => {
  const dir = await tempDir(t);
  const log = createLogger({ service: "matching_engine", dir, level: "info", retention_days: 1 });
  const spans: [number, number][] = [];
  for (let burst = 0; burst < 3; burst++) {
    const t0 = Date.now();
    for (let id = 1; id <= 100; id++) {
      log.line(Marker.ORDER_MATCHED, id)?.idText(Field.event_id, id).int(Field.order_id, id).end();
    }
    spans.push([t0, Date.now()]);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await log.close();
  const times = select(await readLines(join(dir, "matching_engine.log")), "ORDER_MATCHED").map(
    (l) => l["time"] as number,
  );
  assert.equal(times.length, 300);
  times.forEach((time, i) => {
    const [from, to] = spans[Math.floor(i / 100)] as [number, number];
    assert.ok(time >= from && time <= to, `line ${i}: ${time} outside ${from}..${to}`);
  });
});

test("pino's own flush reaches the file", async (t) => {
  const dir = await tempDir(t);
  const log = createLogger({ service: "gateway", dir, level: "info", retention_days: 1 });
  log.logger.info({ request_id: "r1" }, "received");
  await new Promise<void>((resolve, reject) =>
    log.logger.flush((err) => (err ? reject(err) : resolve())),
  );
  const lines = await readLines(join(dir, "gateway.log"));
  assert.deepEqual(
    lines.map((l) => [l["request_id"], l["msg"]]),
    [["r1", "received"]],
  );
  await log.close();
});

test("a burst far larger than the ring loses nothing: the service waits for the worker", async (t) => {
  const dir = await tempDir(t);
  const log = createLogger({
    service: "matching_engine",
    dir,
    level: "info",
    retention_days: 1,
    buffer_bytes_max: 64 * 1024,
  });
  const n = 50_000;
  for (let id = 1; id <= n; id++) {
    log
      .line(Marker.ORDER_MATCHED, id)
      ?.idText(Field.event_id, id)
      .int(Field.order_id, id)
      .str(Field.symbol, "BTC_USDT")
      .end();
  }
  await log.close();
  const lines = await readLines(join(dir, "matching_engine.log"));
  const matched = select(lines, "ORDER_MATCHED");
  assert.equal(matched.length, n);
  assert.deepEqual(
    matched.slice(0, 3).map((l) => l["order_id"]),
    [1, 2, 3],
  );
  assert.equal(matched.at(-1)?.["order_id"], n);
  assert.equal(log.writer?.dropped, 0);
  assert.ok((log.writer?.waits ?? 0) > 0, "a 64 KiB ring cannot hold the burst");
  const engaged = select(lines, "BACKPRESSURE_ENGAGED");
  assert.ok(engaged.length >= 1, "the wait is reported in the log");
});

test("with the worker stalled past block_ms_max, lines are dropped, counted and reported", async (t) => {
  const dir = await tempDir(t);
  const log = createLogger({
    service: "ubscore",
    dir,
    level: "info",
    retention_days: 1,
    buffer_bytes_max: 64 * 1024,
    block_ms_max: 20,
  });
  await log.open();
  const writer = log.writer;
  assert.ok(writer !== null);
  await writer.hold(true);
  let written = 0;
  for (let id = 1; id <= 5000; id++) {
    const line = log.line(Marker.ORDER_ACCEPTED, id);
    if (line === null) continue;
    line.idText(Field.event_id, id).int(Field.order_id, id).end();
    written++;
  }
  const dropped = writer.dropped;
  assert.ok(dropped > 0 && dropped === 5000 - written, `${dropped} dropped, ${written} kept`);
  await writer.hold(false);
  await log.close();
  const lines = await readLines(join(dir, "ubscore.log"));
  assert.equal(select(lines, "ORDER_ACCEPTED").length, written);
  const reports = select(lines, "LOG_LINES_DROPPED");
  assert.equal(
    reports.reduce((n, l) => n + (l["count"] as number), 0),
    dropped,
  );
  assert.equal(reports.at(-1)?.["dropped_total"], dropped);
});

test("process.exit() does not lose the lines still in the ring", async (t) => {
  const dir = await tempDir(t);
  const script = `
    import { Field, Marker } from ${JSON.stringify(new URL("../../../src/core/mod.ts", import.meta.url).href)};
    import { createLogger } from ${JSON.stringify(new URL("../../../src/obs/mod.ts", import.meta.url).href)};
    const log = createLogger({ service: "ubscore", dir: ${JSON.stringify(dir)}, level: "info", retention_days: 1 });
    for (let id = 1; id <= 20000; id++) {
      log.line(Marker.ORDER_ACCEPTED, id)?.idText(Field.event_id, id).int(Field.order_id, id).end();
    }
    process.exit(0);
  `;
  const path = join(dir, "exit.mts");
  const { writeFile } = await import("node:fs/promises");
  await writeFile(path, script);
  await promisify(execFile)(process.execPath, ["--import", "tsx", path], {
    cwd: new URL("../../..", import.meta.url).pathname,
  });
  const lines = await readLines(join(dir, "ubscore.log"));
  assert.equal(select(lines, "ORDER_ACCEPTED").length, 20000);
});
