import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { type TraceResult, trace } from "../../../src/trace/mod.ts";
import { order, ServiceLogs, T0, transfer } from "./service-logs.ts";

function events(r: TraceResult): string[] {
  return r.timeline.map((e) => `${e.service}:${e.event}`);
}

function missing(r: TraceResult): string[] {
  return r.missing.map((m) => `${m.event} in ${m.service}`);
}

describe("trace: deposits and withdrawals", () => {
  let logs: ServiceLogs;
  const ids: Record<string, string> = {};

  before(async () => {
    logs = await ServiceLogs.open();
    ids.ok = transfer(logs, {
      type: "deposit",
      user_id: 1001,
      asset_id: 1,
      req_id: "g-1",
      request_id: "dep-1",
      ts_ms: logs.now,
    });
    logs.now += 1000;
    ids.lost = transfer(logs, {
      type: "deposit",
      user_id: 1002,
      asset_id: 2,
      req_id: "g-2",
      request_id: "dep-2",
      ts_ms: logs.now,
      skip: ["settlement:DEPOSIT_PERSISTED"],
    });
    logs.now += 1000;
    ids.refused = transfer(logs, {
      type: "withdraw",
      user_id: 1001,
      asset_id: 1,
      req_id: "g-3",
      request_id: "wd-1",
      ts_ms: logs.now,
      rejected: true,
    });
    logs.now += 1000;
    ids.retry = transfer(logs, {
      type: "deposit",
      user_id: 1001,
      asset_id: 1,
      req_id: "g-4",
      request_id: "dep-1",
      ts_ms: logs.now,
      duplicate_of: ids.ok,
    });
    await logs.close();
  });
  after(() => logs.remove());

  test("a deposit: every marker once, in time order, with the gaps between hops", async () => {
    const r = await trace(ids.ok as string, { log_dirs: [logs.dir] });
    assert.equal(r.status, "complete");
    assert.deepEqual(r.subject, { kind: "transfer", id: ids.ok });
    // Last, the answer to a later retry, which names this id (see the retry test).
    assert.deepEqual(events(r), [
      "gateway:DEPOSIT_RECEIVED",
      "ubscore:DEPOSIT_CONSUMED",
      "ubscore:DEPOSIT_VALIDATED",
      "ubscore:DEPOSIT_TO_SETTLEMENT",
      "ubscore:DEPOSIT_EXIT",
      "gateway:DEPOSIT_ANSWERED",
      "settlement:DEPOSIT_CONSUMED",
      "settlement:DEPOSIT_PERSISTED",
      "gateway:DEPOSIT_ANSWERED",
    ]);
    assert.deepEqual(
      r.timeline.slice(0, 8).map((e) => e.gap_ms),
      [null, 3, 0, 2, 1, 1, 4, 3],
    );
    assert.equal(r.flows[0]?.outcome, "applied");
  });

  test("a lost settlement line is named", async () => {
    const r = await trace(ids.lost as string, { log_dirs: [logs.dir] });
    assert.equal(r.status, "incomplete");
    assert.deepEqual(missing(r), ["DEPOSIT_PERSISTED in settlement"]);
    // Its line would name the deposit's id: no pass beyond the windowed one looks for it.
    assert.equal(r.stats.passes, 2);
  });

  test("a refused withdrawal expects its refusal, not its validation", async () => {
    const r = await trace(ids.refused as string, { log_dirs: [logs.dir] });
    assert.equal(r.status, "complete");
    assert.equal(r.flows[0]?.outcome, "rejected");
    assert.ok(events(r).includes("ubscore:WITHDRAW_REJECTED"));
    assert.ok(events(r).includes("gateway:WITHDRAW_REJECTED"));
  });

  test("a retry is its own complete event; the first is not charged with its answer", async () => {
    const retry = await trace(ids.retry as string, { log_dirs: [logs.dir] });
    assert.equal(retry.status, "complete");
    assert.equal(retry.flows[0]?.outcome, "duplicate");
    // Its answer names the first application's id, so it is found through its request.
    assert.ok(events(retry).includes("gateway:DEPOSIT_ANSWERED"));
    const first = await trace(ids.ok as string, { log_dirs: [logs.dir] });
    assert.equal(first.status, "complete");
    assert.deepEqual(first.flows[0]?.repeated, []);
    const answers = first.timeline.filter((e) => e.event === "DEPOSIT_ANSWERED");
    assert.deepEqual(
      answers.map((e) => e.flow),
      [ids.ok, ids.retry],
    );
    assert.ok(first.notes.some((n) => n.includes(ids.retry as string)));
  });

  test("the first attempt's gateway request: a retry's answer is not its second answer", async () => {
    const r = await trace("request:g-1", { log_dirs: [logs.dir] });
    assert.equal(r.status, "complete");
    assert.deepEqual(
      r.flows.map((f) => [f.key, f.repeated]),
      [[ids.ok, []]],
    );
  });

  test("a client's request id leads to every attempt made with it", async () => {
    const r = await trace("dep-1", { log_dirs: [logs.dir] });
    assert.deepEqual(r.subject, { kind: "request", id: "dep-1" });
    assert.deepEqual(
      r.flows.map((f) => [f.key, f.outcome]),
      [
        [ids.ok, "applied"],
        [ids.retry, "duplicate"],
      ],
    );
    assert.equal(r.status, "complete");
  });
});

describe("trace: orders, trades and cancels", () => {
  let logs: ServiceLogs;
  before(async () => {
    logs = await ServiceLogs.open();
    order(logs, { order_id: 12, req_id: "g-a" });
    order(logs, { order_id: 123, req_id: "g-b" });
    logs.now += 100;
    order(logs, {
      order_id: 130,
      req_id: "g-c",
      fills: [{ trade_id: 1099511627777, maker_order_id: 12 }],
    });
    logs.now += 100;
    order(logs, {
      order_id: 131,
      req_id: "g-d",
      fills: [
        { trade_id: 1099511627778, maker_order_id: 123 },
        { trade_id: 1099511627779, maker_order_id: 123 },
      ],
      skip: ["settlement:TRADE_PERSISTED"],
    });
    logs.now += 100;
    // Refused by UBSCore: no order id, UBSCore names it req_<request>.
    logs
      .line("gateway", 0, "ORDER_RECEIVED", {
        event_id: "g-e",
        req_id: "g-e",
        request_id: "g-e",
        user_id: 1003,
      })
      .line("ubscore", 2, "ORDER_REJECTED", {
        event_id: "req_g-e",
        user_id: 1003,
        request_id: "g-e",
        reason: "INSUFFICIENT_BALANCE",
      })
      .line("gateway", 2, "ORDER_REJECTED", {
        event_id: "g-e",
        req_id: "g-e",
        request_id: "g-e",
        user_id: 1003,
        code: "INSUFFICIENT_BALANCE",
      });
    // A cancel by client id, accepted, and a second one refused.
    logs
      .line("gateway", 50, "CANCEL_RECEIVED", {
        event_id: "g-f",
        req_id: "g-f",
        request_id: "g-f",
        user_id: 1001,
        cid: "c-1",
      })
      .line("ubscore", 3, "CANCEL_ACCEPTED", {
        event_id: "123",
        order_id: 123,
        user_id: 1001,
        request_id: "g-f",
      })
      .line("matching_engine", 3, "ORDER_CANCELLED", {
        event_id: "123",
        order_id: 123,
        user_id: 1001,
      })
      .line("gateway", 3, "CANCEL_ANSWERED", {
        event_id: "123",
        order_id: "123",
        req_id: "g-f",
        request_id: "g-f",
        user_id: 1001,
        status: "Cancelled",
      })
      .line("gateway", 50, "CANCEL_RECEIVED", {
        event_id: "123",
        order_id: "123",
        req_id: "g-g",
        request_id: "g-g",
        user_id: 1001,
      })
      .line("ubscore", 3, "CANCEL_REJECTED", {
        event_id: "123",
        order_id: 123,
        user_id: 1001,
        request_id: "g-g",
        reason: "ORDER_ALREADY_DONE",
      })
      .line("gateway", 3, "CANCEL_REJECTED", {
        event_id: "123",
        req_id: "g-g",
        request_id: "g-g",
        user_id: 1001,
        code: "ORDER_ALREADY_DONE",
      });
    await logs.close();
  });
  after(() => logs.remove());

  test("order 12 is not order 123: a resting maker, with the trade it made", async () => {
    const r = await trace("12", { log_dirs: [logs.dir] });
    assert.deepEqual(r.subject, { kind: "order", id: "12" });
    assert.equal(r.status, "complete");
    assert.deepEqual(
      r.flows.map((f) => f.key),
      ["order:12", "trade:1099511627777"],
    );
    assert.deepEqual(events(r), [
      "gateway:ORDER_RECEIVED",
      "ubscore:ORDER_ACCEPTED",
      "gateway:ORDER_ANSWERED",
      "settlement:ORDER_PERSISTED",
      "matching_engine:TRADE_EXECUTED",
      "settlement:TRADE_PERSISTED",
    ]);
  });

  test("a taker whose trades were not persisted: each missing line is named", async () => {
    const r = await trace("131", { log_dirs: [logs.dir] });
    assert.equal(r.status, "incomplete");
    assert.deepEqual(
      r.missing.map((m) => [m.flow, m.event, m.service]),
      [
        ["trade:1099511627778", "TRADE_PERSISTED", "settlement"],
        ["trade:1099511627779", "TRADE_PERSISTED", "settlement"],
      ],
    );
    assert.equal(r.flows.find((f) => f.key === "order:131")?.complete, true);
  });

  test("an order with its cancels, the accepted and the refused one", async () => {
    const r = await trace("order:123", { log_dirs: [logs.dir] });
    assert.equal(r.status, "incomplete", "its maker trades lack TRADE_PERSISTED");
    assert.deepEqual(
      r.flows.map((f) => [f.key, f.outcome, f.complete]),
      [
        ["order:123", "accepted", true],
        ["cancel:request:g-f", "cancelled", true],
        ["cancel:request:g-g", "rejected", true],
        ["trade:1099511627778", "executed", false],
        ["trade:1099511627779", "executed", false],
      ],
    );
  });

  test("a trade id: the trade, and the placements of both its orders", async () => {
    const r = await trace("1099511627777", { log_dirs: [logs.dir] });
    assert.deepEqual(r.subject, { kind: "trade", id: "1099511627777" });
    assert.deepEqual(
      r.flows.map((f) => [f.key, f.outcome, f.complete]),
      [
        ["trade:1099511627777", "executed", true],
        ["order:12", "accepted", true],
        ["order:130", "accepted", true],
      ],
    );
    const trade = r.timeline.filter((e) => e.flow === "trade:1099511627777");
    assert.deepEqual(
      trade.map((e) => `${e.service}:${e.event}`),
      ["matching_engine:TRADE_EXECUTED", "settlement:TRADE_PERSISTED"],
    );
    assert.deepEqual(
      r.fills.map((f) => [f.trade_id, f.taker_order_id, f.maker_order_id]),
      [["1099511627777", "130", "12"]],
    );
    assert.equal(r.status, "complete");
  });

  test("a request id: the placement and the trades it took", async () => {
    const r = await trace("g-c", { log_dirs: [logs.dir] });
    assert.deepEqual(r.subject, { kind: "request", id: "g-c" });
    assert.deepEqual(
      r.flows.map((f) => f.key),
      ["order:130", "trade:1099511627777"],
    );
    assert.equal(r.status, "complete");
  });

  test("an order refused by UBSCore, found by UBSCore's req_ event id too", async () => {
    for (const q of ["g-e", "req_g-e"]) {
      const r = await trace(q, { log_dirs: [logs.dir] });
      assert.deepEqual(r.subject, { kind: "request", id: "g-e" }, q);
      assert.equal(r.status, "complete", q);
      assert.equal(r.flows[0]?.outcome, "rejected");
      assert.deepEqual(events(r), [
        "gateway:ORDER_RECEIVED",
        "ubscore:ORDER_REJECTED",
        "gateway:ORDER_REJECTED",
      ]);
    }
  });

  test("an id nothing mentions", async () => {
    const r = await trace("1234567", { log_dirs: [logs.dir] });
    assert.equal(r.status, "not_found");
    assert.deepEqual(r.timeline, []);
  });
});

describe("trace: rotated files, far-apart lines, repeats", () => {
  let logs: ServiceLogs;
  before(async () => {
    // Starts two hours before midnight: the writers roll over into dated files.
    logs = await ServiceLogs.open(T0 - 2 * 3_600_000);
    // The gateway's RECEIVED line comes an hour before the rest (a slow
    // request), a megabyte of other requests earlier: outside the first
    // window, found by the full pass.
    logs.line("gateway", 0, "ORDER_RECEIVED", {
      event_id: "g-slow",
      req_id: "g-slow",
      request_id: "g-slow",
      user_id: 1001,
    });
    for (let i = 0; i < 6000; i++) {
      logs.line("gateway", 600, "ORDER_RECEIVED", {
        event_id: `g-other-${i}`,
        req_id: `g-other-${i}`,
        request_id: `g-other-${i}`,
        user_id: 1002,
        symbol: "BTC_USDT",
        side: "Sell",
        order_type: "Limit",
        cid: null,
      });
    }
    order(logs, { order_id: 7001, req_id: "g-slow", skip: ["gateway:ORDER_RECEIVED"] });
    logs.now = T0 - 5_000;
    order(logs, {
      order_id: 7002,
      req_id: "g-mid",
      fills: [{ trade_id: 1099511628000, maker_order_id: 7001 }],
    });
    logs.now = T0 + 60_000;
    logs.line("settlement", 0, "ORDER_PERSISTED", { event_id: "7002", order_id: 7002 });
    await logs.close();
  });
  after(() => logs.remove());

  test("lines on both sides of midnight come from the rotated and the live files", async () => {
    // The day before was compressed once it rolled over, with its index.
    const names = readdirSync(logs.dir);
    assert.ok(names.includes("settlement.log.2029-12-31.gz"), names.join(","));
    assert.ok(names.includes("settlement.log.2029-12-31.gz.idx"), names.join(","));
    assert.ok(!names.includes("settlement.log.2029-12-31"), names.join(","));
    const r = await trace("7002", { log_dirs: [logs.dir] });
    const files = new Set(r.timeline.map((e) => e.file?.slice(logs.dir.length + 1)));
    assert.ok(files.has("settlement.log.2029-12-31.gz"), [...files].join(","));
    assert.ok(files.has("settlement.log"), [...files].join(","));
    // Persisted twice (a replay after a restart): complete, with the repeat reported.
    const placed = r.flows.find((f) => f.key === "order:7002");
    assert.deepEqual(placed?.repeated, [
      { service: "settlement", event: "ORDER_PERSISTED", count: 2 },
    ]);
    assert.equal(r.status, "complete");
  });

  test("a request line an hour away is found, by its block or by the full pass", async () => {
    const r = await trace("7001", { log_dirs: [logs.dir], window_ms: 60_000 });
    assert.equal(r.status, "complete");
    // The index block holding it spans the hour (an idle gateway): the windowed pass reads it.
    assert.ok(r.stats.passes >= 2 && r.stats.passes <= 3, String(r.stats.passes));
    assert.equal(r.timeline[0]?.event, "ORDER_RECEIVED");
    assert.equal(r.timeline[1]?.gap_ms, 3_600_005);
  });
});

describe("trace: what the trading commands do to an order", () => {
  let logs: ServiceLogs;
  before(async () => {
    logs = await ServiceLogs.open();
    order(logs, { order_id: 140, req_id: "g-s" });
    const changed = (event: string, after_ms = 100) =>
      logs.line("matching_engine", after_ms, event, {
        event_id: "140",
        order_id: 140,
        user_id: 1001,
        symbol: "BTC_USDT",
      });
    changed("ORDER_AMENDED");
    changed("ORDER_AMENDED");
    changed("STOP_TRIGGERED");
    changed("AUTO_CANCELLED");
    order(logs, { order_id: 141, req_id: "g-t" });
    logs.line("matching_engine", 100, "STOP_TRIGGERED", { event_id: "141", order_id: 141 });
    logs.line("matching_engine", 1, "STOP_TRIGGERED", { event_id: "141", order_id: 141 });
    await logs.close();
  });
  after(() => logs.remove());

  test("amends, a trigger and the dead-man's switch are the order's own lines", async () => {
    const r = await trace("140", { log_dirs: [logs.dir] });
    assert.equal(r.status, "complete");
    assert.deepEqual(events(r).slice(-4), [
      "matching_engine:ORDER_AMENDED",
      "matching_engine:ORDER_AMENDED",
      "matching_engine:STOP_TRIGGERED",
      "matching_engine:AUTO_CANCELLED",
    ]);
    assert.deepEqual(
      r.flows.map((f) => [f.key, f.complete]),
      [["order:140", true]],
    );
  });

  test("a stop triggers once: a second trigger line is named as repeated", async () => {
    const r = await trace("141", { log_dirs: [logs.dir] });
    const flow = r.flows.find((f) => f.key === "order:141");
    assert.deepEqual(
      flow?.repeated.map((w) => [w.service, w.event, w.count]),
      [["matching_engine", "STOP_TRIGGERED", 2]],
    );
  });
});
