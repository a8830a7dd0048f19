import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
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

test("business-event lines carry event, event_id, ids, service and time as top-level JSON fields", async (t) => {
  const dir = await tempDir(t);
  const now_ms = Date.parse("2030-07-01T12:00:00.123Z");
  const log = createLogger({
    service: "ubscore",
    dir,
    level: "info",
    retention_days: 7,
    clock: () => now_ms,
  });
  logEvent(log, "DEPOSIT_CONSUMED", {
    event_id: "deposit_1001_BTC_1782907200123",
    user_id: 1001,
    asset: "BTC",
    request_id: "req-1",
    amount: "10.5",
  });
  logEvent(
    log,
    "ORDER_ACCEPTED",
    { event_id: "order_77", order_id: 77, user_id: 1001, symbol: "BTC_USDT" },
    { msg: "order accepted" },
  );
  logEvent(log, "TRADE_EXECUTED", { event_id: "trade_5", trade_id: 5, order_id: 77 });
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
    event_id: "deposit_1001_BTC_1782907200123",
    user_id: 1001,
    asset: "BTC",
    request_id: "req-1",
    amount: "10.5",
  });
  const [order] = select(lines, "ORDER_ACCEPTED");
  assert.equal(order?.["order_id"], 77);
  assert.equal(order?.["msg"], "order accepted");
  assert.equal(select(lines, "TRADE_EXECUTED")[0]?.["trade_id"], 5);
  for (const line of lines) {
    assert.equal(line["service"], "ubscore");
    assert.equal(line["time"], now_ms);
  }
});

test("refusals and failures get warn and error levels and are written below info thresholds", async (t) => {
  const dir = await tempDir(t);
  const log = createLogger({ service: "gateway", dir, level: "warn", retention_days: 1 });
  assert.equal(logEvent(log, "DEPOSIT_CONSUMED", { event_id: "d1" }), false);
  assert.equal(
    logEvent(log, "ORDER_REJECTED", { event_id: "o1", reason: "INSUFFICIENT_BALANCE" }),
    true,
  );
  assert.equal(logEvent(log, "WITHDRAW_FAILED", { event_id: "w1" }), true);
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

test("the marker policy never samples deposits, withdrawals, rejections and errors", () => {
  for (const event of [
    "DEPOSIT_CONSUMED",
    "DEPOSIT_VALIDATED",
    "DEPOSIT_TO_SETTLEMENT",
    "DEPOSIT_EXIT",
    "DEPOSIT_PERSISTED",
    "WITHDRAW_CONSUMED",
    "WITHDRAW_PERSISTED",
    "ORDER_REJECTED",
    "CANCEL_REJECTED",
    "WITHDRAW_FAILED",
    "SETTLEMENT_WRITE_FAILED",
    "ERROR",
    "CHAIN_ERROR",
    "LOG_LINES_DROPPED",
  ]) {
    assert.equal(markerPolicy(event).always, true, event);
  }
  for (const event of ["ORDER_ACCEPTED", "ORDER_MATCHED", "TRADE_PERSISTED", "CANCEL_CONSUMED"]) {
    assert.equal(markerPolicy(event).always, false, event);
  }
  assert.equal(markerPolicy("ORDER_REJECTED").level, "warn");
  assert.equal(markerPolicy("WITHDRAW_FAILED").level, "error");
  assert.equal(markerPolicy("DEPOSIT_EXIT").level, "info");
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

test("sampled loggers keep the same orders in every service and always keep lifecycle markers", async (t) => {
  const dir = await tempDir(t);
  const ppm = 200_000;
  const a = createLogger({
    service: "gateway",
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
    logEvent(a, "ORDER_ACCEPTED", { event_id: `order_${id}`, order_id: id });
    logEvent(b, "ORDER_MATCHED", { event_id: `order_${id}`, order_id: String(id) });
    logEvent(b, "TRADE_EXECUTED", { event_id: `trade_${id}`, trade_id: id }, { sampleKey: id });
  }
  for (let id = 1; id <= 50; id++) {
    logEvent(a, "DEPOSIT_CONSUMED", { event_id: `deposit_${id}`, user_id: id });
    logEvent(a, "ORDER_REJECTED", { event_id: `order_r${id}`, order_id: 10_000 + id });
  }
  await Promise.all([a.close(), b.close()]);
  const ga = await readLines(join(dir, "gateway.log"));
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
  assert.equal(logEvent(log, "ORDER_ACCEPTED", { event_id: "o1", order_id: 1 }), false);
  assert.equal(
    logEvent(log, "ORDER_STUCK", { event_id: "o2", order_id: 2 }, { level: "error" }),
    true,
  );
  await log.close();
  const lines = await readLines(join(dir, "ubscore.log"));
  assert.deepEqual(
    lines.map((l) => [l["event"], l["level"]]),
    [["ORDER_STUCK", "error"]],
  );
});

test("the logger's lines follow the writer's daily rotation under the same clock", async (t) => {
  const dir = await tempDir(t);
  let now_ms = Date.parse("2030-08-01T23:59:59.500Z");
  const log = createLogger({
    service: "settlement",
    dir,
    level: "info",
    retention_days: 7,
    clock: () => now_ms,
  });
  logEvent(log, "TRADE_PERSISTED", { event_id: "trade_1", trade_id: 1 });
  now_ms = Date.parse("2030-08-02T00:00:00.500Z");
  logEvent(log, "TRADE_PERSISTED", { event_id: "trade_2", trade_id: 2 });
  await log.close();
  assert.deepEqual((await readdir(dir)).sort(), ["settlement.log", "settlement.log.2030-08-01"]);
  const before = await readLines(join(dir, "settlement.log.2030-08-01"));
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
  assert.equal(logEvent(off, "DEPOSIT_CONSUMED", { event_id: "d" }), false);
  off.logger.error("nothing");
  await off.close();

  const silent = createLogger({ service: "gateway", dir, level: "silent", retention_days: 1 });
  assert.equal(logEvent(silent, "WITHDRAW_FAILED", { event_id: "w" }), false);
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

test("eventEnabled answers what logEvent would do, without building a line", async (t) => {
  const dir = await tempDir(t);
  const log = createLogger({
    service: "ubscore",
    dir,
    level: "info",
    retention_days: 1,
    sample_ppm: 100_000,
  });
  for (let id = 1; id <= 200; id++) {
    assert.equal(eventEnabled(log, "ORDER_MATCHED", id), isSampled(id, 100_000));
    assert.equal(
      eventEnabled(log, "ORDER_MATCHED", id),
      logEvent(log, "ORDER_MATCHED", { event_id: `order_${id}`, order_id: id }),
    );
  }
  assert.equal(eventEnabled(log, "DEPOSIT_CONSUMED"), true);
  assert.equal(eventEnabled(log, "ORDER_MATCHED"), false);
  assert.equal(eventEnabled(nullLogger(), "DEPOSIT_CONSUMED"), false);
  await log.close();
});

test("pino's own flush reaches the writer", async (t) => {
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
