// The trading features, rule by rule, with exact values: stop and take-profit
// orders (direction, freezes, trigger order, cascades, refusals when
// triggered), OCO, amend, cancel-replace, cancel-all, the dead-man's switch
// and the transfer idempotency window. Default symbol BTC_USDT: tick 0.01
// USDT, lot 0.0001 BTC, maker fee 0.10%, taker fee 0.15%, collar 5%.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  type CoreOutput,
  compile,
  DEFAULT_CONFIG,
  errorById,
  statusName,
} from "../../../src/core/mod.ts";
import { Exchange } from "../../support/exchange.ts";

const A = 1001;
const B = 1002;
const C = 1003;
const D = 1004;

function rejected(out: CoreOutput): string {
  return out.reject === 0 ? "OK" : errorById(out.reject).code;
}

function otherRejected(out: CoreOutput): string {
  return out.other_reject === 0 ? "OK" : errorById(out.other_reject).code;
}

/** "id:Status[/REASON]" for every order update, in output order. */
function updates(out: CoreOutput): string[] {
  return out.updates.map(
    (u) => `${u.order_id}:${statusName[u.status]}${u.reason ? `/${errorById(u.reason).code}` : ""}`,
  );
}

/** "maker>taker@price:lots" for every trade. */
function trades(out: CoreOutput): string[] {
  return out.trades.map(
    (t) => `${t.maker_order_id}>${t.taker_order_id}@${t.price_ticks / 100}:${t.qty_lots}`,
  );
}

function funded(x = new Exchange()): Exchange {
  for (const u of [A, B, C]) {
    x.deposit(u, "BTC", "10");
    x.deposit(u, "USDT", "100000");
  }
  return x;
}

/** Funded, with a last trade at 100 (orders 1 and 2). */
function tradedAt100(): Exchange {
  const x = funded();
  x.limit(A, "Sell", "100", "0.01");
  x.limit(B, "Buy", "100", "0.01");
  return x;
}

function check(x: Exchange): void {
  x.core.validateInternalState();
}

describe("stop and take-profit orders", () => {
  test("each type triggers in its own direction; one already reached is Rejected at once", () => {
    const cases: [string, "Buy" | "Sell", string, string, boolean][] = [
      // type, side, stop, trade price that must trigger it, rises
      ["StopLoss", "Buy", "101", "101", true],
      ["StopLoss", "Sell", "99", "99", false],
      ["TakeProfit", "Buy", "99", "99", false],
      ["TakeProfit", "Sell", "101", "101", true],
    ];
    for (const [type, side, stop, at] of cases) {
      const x = tradedAt100();
      const s = x.stop(C, side, type, stop, "0.02");
      assert.deepEqual(updates(s), ["3:Untriggered"], `${type} ${side}`);
      // A trade that stops short of the trigger leaves it waiting.
      const short =
        side === "Buy"
          ? type === "StopLoss"
            ? "100.99"
            : "99.01"
          : type === "StopLoss"
            ? "99.01"
            : "100.99";
      x.limit(A, "Sell", short, "0.02");
      const near = x.limit(B, "Buy", short, "0.02");
      assert.equal(near.trades.length, 1);
      assert.ok(!updates(near).includes("3:Triggered"), `${type} ${side} triggered early`);
      x.limit(A, "Sell", at, "0.02");
      const hit = x.limit(B, "Buy", at, "0.02");
      assert.ok(updates(hit).includes("3:Triggered"), `${type} ${side} did not trigger at ${at}`);
      check(x);
    }
    for (const [type, side, stop] of [
      ["StopLoss", "Buy", "100"],
      ["StopLoss", "Sell", "100"],
      ["TakeProfit", "Buy", "100.5"],
      ["TakeProfit", "Sell", "99.5"],
    ] as const) {
      const x = tradedAt100();
      const s = x.stop(C, side, type, stop, "0.02");
      assert.equal(rejected(s), "OK");
      assert.deepEqual(updates(s), ["3:Rejected/STOP_WOULD_TRIGGER"], `${type} ${side} at ${stop}`);
      assert.equal(x.bal(C, "USDT"), "100000.000000/0.000000");
      assert.equal(x.bal(C, "BTC"), "10.00000000/0.00000000");
    }
  });

  test("what a waiting stop freezes: a limit buy its limit, a market buy its cap, a sell its quantity", () => {
    const x = tradedAt100();
    x.stop(C, "Buy", "StopLossLimit", "101", "0.5", { price: "102" });
    assert.equal(x.bal(C, "USDT"), "99949.000000/51.000000", "102 x 0.5");
    // The cap: the collar around the stop price, ceil(101 x 1.05) = 106.05.
    const m = x.stop(C, "Buy", "StopLoss", "101", "0.5");
    assert.equal(x.bal(C, "USDT"), "99895.975000/104.025000", "+ 106.05 x 0.5");
    x.stop(C, "Sell", "StopLoss", "99", "0.5");
    assert.equal(x.bal(C, "BTC"), "9.50000000/0.50000000");
    const c = x.cancel(C, { order_id: m.order_id });
    assert.deepEqual(updates(c), [`${m.order_id}:Cancelled/USER_CANCELLED`]);
    assert.equal(x.bal(C, "USDT"), "99949.000000/51.000000");
    check(x);
  });

  test("stops triggered by one trade execute in trigger order; their trades trigger more (a cascade)", () => {
    const x = tradedAt100();
    for (const p of ["99", "98", "97", "96"]) x.limit(A, "Buy", p, "0.1"); // 3..6
    x.stop(C, "Sell", "StopLoss", "99", "0.1"); // 7
    x.stop(B, "Sell", "StopLoss", "99", "0.1"); // 8: same stop price, later
    x.stop(B, "Sell", "StopLoss", "98", "0.1"); // 9
    x.stop(C, "Sell", "StopLoss", "97", "0.1"); // 10
    const out = x.limit(B, "Sell", "99", "0.1"); // 11 trades at 99
    assert.deepEqual(updates(out), [
      "3:Filled",
      "11:Filled",
      "7:Triggered",
      "8:Triggered",
      "4:Filled",
      "7:Filled",
      "9:Triggered",
      "5:Filled",
      "8:Filled",
      "10:Triggered",
      "6:Filled",
      "9:Filled",
      "10:Expired/NO_LIQUIDITY",
    ]);
    assert.deepEqual(trades(out), ["3>11@99:1000", "4>7@98:1000", "5>8@97:1000", "6>9@96:1000"]);
    // C's stop 10 found no bid: its 0.1 BTC is released; stop 7 sold 0.1 at 98.
    assert.equal(x.bal(C, "BTC"), "9.90000000/0.00000000");
    assert.equal(x.bal(C, "USDT"), "100009.785300/0.000000", "9.80 less 0.15% taker fee");
    check(x);
  });

  test("a triggered post-only limit that would take is Rejected and its funds released", () => {
    const x = tradedAt100();
    x.limit(A, "Sell", "101", "0.1"); // 3
    x.limit(A, "Sell", "102", "0.1"); // 4
    x.stop(C, "Buy", "StopLossLimit", "101", "0.1", { price: "102", post_only: true }); // 5
    assert.equal(x.bal(C, "USDT"), "99989.800000/10.200000");
    const out = x.limit(B, "Buy", "101", "0.05");
    assert.deepEqual(updates(out), [
      "3:PartiallyFilled",
      "6:Filled",
      "5:Triggered",
      "5:Rejected/POST_ONLY_WOULD_TAKE",
    ]);
    assert.equal(x.bal(C, "USDT"), "100000.000000/0.000000");
    check(x);
  });

  test("a triggered market buy trades no higher than its cap nor the collar of the moment", () => {
    const x = tradedAt100();
    x.limit(A, "Sell", "101", "0.05"); // 3
    x.limit(A, "Sell", "110", "0.1"); // 4: beyond the cap of 106.05
    x.stop(C, "Buy", "StopLoss", "101", "0.1"); // 5
    const out = x.limit(B, "Buy", "101", "0.01");
    assert.deepEqual(updates(out), [
      "3:PartiallyFilled",
      "6:Filled",
      "5:Triggered",
      "3:Filled",
      "5:Expired/NOT_FILLED",
    ]);
    assert.deepEqual(trades(out), ["3>6@101:100", "3>5@101:400"]);
    assert.equal(x.bal(C, "USDT"), "99995.960000/0.000000", "paid 0.04 x 101");
    assert.equal(x.bal(C, "BTC"), "10.03994000/0.00000000", "0.04 less 0.15%");
    check(x);
  });
});

describe("OCO", () => {
  test("freezes once for the pair: the larger of the legs' needs", () => {
    const x = tradedAt100();
    const sell = x.oco({
      user_id: C,
      side: "Sell",
      quantity: "0.5",
      price: "110",
      stop_type: "StopLoss",
      stop_price: "90",
    });
    assert.equal(rejected(sell), "OK");
    assert.equal(sell.order_id, 3);
    assert.equal(sell.other_order_id, 4);
    assert.deepEqual(updates(sell), ["4:Untriggered", "3:New"]);
    assert.equal(x.bal(C, "BTC"), "9.50000000/0.50000000");
    x.oco({
      user_id: C,
      side: "Buy",
      quantity: "0.1",
      price: "90",
      stop_type: "StopLossLimit",
      stop_price: "110",
      stop_limit_price: "111",
    });
    assert.equal(x.bal(C, "USDT"), "99988.900000/11.100000", "111 x 0.1, not 90 + 111");
    check(x);
  });

  test("the limit leg's first fill cancels the stop leg and releases what only the stop leg needed", () => {
    const x = tradedAt100();
    x.oco({
      user_id: C,
      side: "Buy",
      quantity: "0.1",
      price: "90",
      stop_type: "StopLossLimit",
      stop_price: "110",
      stop_limit_price: "111",
    }); // 3 and 4
    const out = x.limit(A, "Sell", "90", "0.04"); // 5
    assert.deepEqual(updates(out), ["4:Cancelled/OCO_CANCELLED", "3:PartiallyFilled", "5:Filled"]);
    // 11.10 frozen, 3.60 paid, 5.40 still needed by 0.06 at 90: 2.10 released.
    assert.equal(x.bal(C, "USDT"), "99991.000000/5.400000");
    check(x);
  });

  test("the stop leg's trigger cancels the limit leg; cancelling either leg cancels both", () => {
    const x = tradedAt100();
    x.limit(A, "Buy", "95", "0.3"); // 3
    x.oco({
      user_id: C,
      side: "Sell",
      quantity: "0.2",
      price: "110",
      stop_type: "StopLoss",
      stop_price: "95",
    }); // 4 and 5
    const out = x.limit(B, "Sell", "95", "0.1"); // 6
    assert.deepEqual(updates(out), [
      "3:PartiallyFilled",
      "6:Filled",
      "4:Cancelled/OCO_CANCELLED",
      "5:Triggered",
      "3:Filled",
      "5:Filled",
    ]);
    assert.equal(x.bal(C, "BTC"), "9.80000000/0.00000000");
    x.oco({
      user_id: C,
      side: "Sell",
      quantity: "0.2",
      price: "110",
      stop_type: "StopLoss",
      stop_price: "90",
    }); // 7 and 8
    const c = x.cancel(C, { order_id: 8 });
    assert.deepEqual(updates(c), ["7:Cancelled/OCO_CANCELLED", "8:Cancelled/USER_CANCELLED"]);
    assert.equal(x.bal(C, "BTC"), "9.80000000/0.00000000");
    check(x);
  });

  test("a stop leg already reached refuses the pair; OCO legs cannot be amended", () => {
    const x = tradedAt100();
    const out = x.oco({
      user_id: C,
      side: "Sell",
      quantity: "0.2",
      price: "110",
      stop_type: "StopLoss",
      stop_price: "100",
    });
    assert.deepEqual(updates(out), ["3:Cancelled/OCO_CANCELLED", "4:Rejected/STOP_WOULD_TRIGGER"]);
    assert.equal(x.bal(C, "BTC"), "10.00000000/0.00000000");
    x.oco({
      user_id: C,
      side: "Sell",
      quantity: "0.2",
      price: "110",
      stop_type: "StopLoss",
      stop_price: "90",
    });
    assert.equal(
      rejected(x.amend({ user_id: C, order_id: 5, quantity: "0.1" })),
      "AMEND_NOT_ALLOWED",
    );
    check(x);
  });
});

describe("amend", () => {
  test("a lower quantity keeps the order's place and releases the difference", () => {
    const x = funded();
    x.limit(A, "Sell", "100", "0.1"); // 1
    x.limit(B, "Sell", "100", "0.1"); // 2
    const a = x.amend({ user_id: A, order_id: 1, quantity: "0.05" });
    assert.deepEqual(updates(a), ["1:New/ORDER_AMENDED"]);
    assert.equal(a.updates[0]?.remaining_lots, 500);
    assert.equal(x.bal(A, "BTC"), "9.95000000/0.05000000");
    const buy = x.limit(C, "Buy", "100", "0.05");
    assert.deepEqual(trades(buy), ["1>3@100:500"]);
    check(x);
  });

  test("a higher quantity or a new price sends the order to the back", () => {
    const x = funded();
    x.limit(A, "Sell", "100", "0.1"); // 1
    x.limit(B, "Sell", "100", "0.1"); // 2
    x.amend({ user_id: A, order_id: 1, quantity: "0.2" });
    assert.equal(x.bal(A, "BTC"), "9.80000000/0.20000000");
    assert.deepEqual(trades(x.limit(C, "Buy", "100", "0.1")), ["2>3@100:1000"]);
    x.limit(B, "Sell", "101", "0.1"); // 4
    x.amend({ user_id: A, cid: undefined, order_id: 1, price: "101" });
    assert.deepEqual(trades(x.limit(C, "Buy", "101", "0.1")), ["4>5@101:1000"]);
    check(x);
  });

  test("a new price that crosses trades at once, after the amended update", () => {
    const x = funded();
    x.limit(A, "Buy", "99", "0.1"); // 1: freezes 9.90
    x.limit(B, "Sell", "100", "0.1"); // 2
    const a = x.amend({ user_id: A, order_id: 1, price: "100" });
    assert.deepEqual(updates(a), ["1:New/ORDER_AMENDED", "2:Filled", "1:Filled"]);
    assert.deepEqual(trades(a), ["2>1@100:1000"]);
    assert.equal(x.bal(A, "USDT"), "99990.000000/0.000000");
    check(x);
  });

  test("refusals change nothing: funds, post-only, quantity below the filled part, a market stop's price", () => {
    const x = funded();
    x.deposit(D, "USDT", "20");
    x.limit(D, "Buy", "100", "0.1"); // 1: 10 of 20 frozen
    assert.equal(
      rejected(x.amend({ user_id: D, order_id: 1, quantity: "0.3" })),
      "INSUFFICIENT_BALANCE",
    );
    assert.equal(x.bal(D, "USDT"), "10.000000/10.000000");
    x.limit(A, "Sell", "101", "0.1"); // 2
    x.limit(B, "Buy", "99", "0.1", { post_only: true }); // 3
    assert.equal(
      rejected(x.amend({ user_id: B, order_id: 3, price: "101" })),
      "POST_ONLY_WOULD_TAKE",
    );
    x.limit(C, "Buy", "101", "0.05"); // 4 fills half of 2
    assert.equal(
      rejected(x.amend({ user_id: A, order_id: 2, quantity: "0.05" })),
      "QUANTITY_OUT_OF_RANGE",
    );
    const ok = x.amend({ user_id: A, order_id: 2, quantity: "0.06" });
    assert.deepEqual(updates(ok), ["2:PartiallyFilled/ORDER_AMENDED"]);
    assert.equal(ok.updates[0]?.remaining_lots, 100);
    x.stop(C, "Buy", "StopLoss", "105", "0.1"); // 5
    assert.equal(rejected(x.amend({ user_id: C, order_id: 5, price: "106" })), "AMEND_NOT_ALLOWED");
    const q = x.amend({ user_id: C, order_id: 5, quantity: "0.2" });
    assert.deepEqual(updates(q), ["5:Untriggered/ORDER_AMENDED"]);
    // The cap of a stop at 105 is 110.25: 0.2 of it.
    assert.equal(x.bal(C, "USDT"), "99972.900000/22.050000");
    assert.equal(
      rejected(x.amend({ user_id: C, order_id: 5, quantity: "0.2", symbol: "ETH_USDT" })),
      "UNKNOWN_ORDER",
    );
    check(x);
  });
});

describe("cancel-replace", () => {
  function poor(): Exchange {
    const x = funded();
    x.deposit(D, "USDT", "100");
    x.limit(D, "Buy", "100", "0.5", { cid: "q1" }); // 1: 50 of 100 frozen
    return x;
  }

  test("StopOnFailure leaves the old order untouched when the new one would be refused", () => {
    const x = poor();
    const out = x.cancelReplace(D, { cid: "q1" }, "StopOnFailure", {
      side: "Buy",
      order_type: "Limit",
      price: "150",
      quantity: "1",
    });
    assert.equal(rejected(out), "INSUFFICIENT_BALANCE");
    assert.equal(otherRejected(out), "NOT_ATTEMPTED");
    assert.equal(out.other_order_id, 1);
    assert.deepEqual(updates(out), []);
    assert.equal(x.bal(D, "USDT"), "50.000000/50.000000");
    check(x);
  });

  test("AllowFailure cancels regardless", () => {
    const x = poor();
    const out = x.cancelReplace(D, { order_id: 1 }, "AllowFailure", {
      side: "Buy",
      order_type: "Limit",
      price: "150",
      quantity: "1",
    });
    assert.equal(rejected(out), "INSUFFICIENT_BALANCE");
    assert.equal(otherRejected(out), "OK");
    assert.deepEqual(updates(out), ["1:Cancelled/USER_CANCELLED"]);
    assert.equal(x.bal(D, "USDT"), "100.000000/0.000000");
    check(x);
  });

  test("the new order may use the cancelled order's funds and client order id", () => {
    const x = poor();
    const out = x.cancelReplace(D, { cid: "q1" }, "StopOnFailure", {
      side: "Buy",
      order_type: "Limit",
      price: "100",
      quantity: "0.9",
      cid: "q1",
    });
    assert.equal(rejected(out), "OK");
    assert.equal(otherRejected(out), "OK");
    assert.equal(out.order_id, 2);
    assert.deepEqual(updates(out), ["1:Cancelled/USER_CANCELLED", "2:New"]);
    assert.equal(x.bal(D, "USDT"), "10.000000/90.000000");
    check(x);
  });

  test("a post-only that would take: StopOnFailure refuses it, AllowFailure places it Rejected", () => {
    const x = poor();
    x.limit(A, "Sell", "100.5", "0.1"); // 2
    const order = {
      side: "Buy" as const,
      order_type: "Limit",
      price: "101",
      quantity: "0.1",
      post_only: true,
    };
    const stop = x.cancelReplace(D, { order_id: 1 }, "StopOnFailure", order);
    assert.equal(rejected(stop), "POST_ONLY_WOULD_TAKE");
    assert.equal(otherRejected(stop), "NOT_ATTEMPTED");
    const allow = x.cancelReplace(D, { order_id: 1 }, "AllowFailure", order);
    assert.equal(rejected(allow), "OK");
    assert.deepEqual(updates(allow), [
      "1:Cancelled/USER_CANCELLED",
      "3:Rejected/POST_ONLY_WOULD_TAKE",
    ]);
    check(x);
  });

  test("the crossing check counts the book without the order being cancelled", () => {
    const x = funded();
    x.limit(A, "Sell", "100", "0.1"); // 1: the only ask
    const out = x.cancelReplace(A, { order_id: 1 }, "StopOnFailure", {
      side: "Buy",
      order_type: "Limit",
      price: "100",
      quantity: "0.1",
      post_only: true,
    });
    assert.equal(rejected(out), "OK");
    assert.deepEqual(updates(out), ["1:Cancelled/USER_CANCELLED", "2:New"]);
    check(x);
  });

  test("a cancel that fails: StopOnFailure attempts nothing, AllowFailure still places", () => {
    const x = funded();
    const order = { side: "Buy" as const, order_type: "Limit", price: "90", quantity: "0.1" };
    const stop = x.cancelReplace(A, { order_id: 99 }, "StopOnFailure", order);
    assert.equal(rejected(stop), "NOT_ATTEMPTED");
    assert.equal(otherRejected(stop), "UNKNOWN_ORDER");
    const allow = x.cancelReplace(A, { order_id: 99 }, "AllowFailure", order);
    assert.equal(rejected(allow), "OK");
    assert.equal(otherRejected(allow), "UNKNOWN_ORDER");
    assert.deepEqual(updates(allow), ["1:New"]);
    check(x);
  });
});

describe("cancel-all and the dead-man's switch", () => {
  test("cancel-all cancels a user's orders, waiting stops included, in one symbol or all", () => {
    const x = tradedAt100();
    x.deposit(C, "ETH", "10");
    x.limit(C, "Buy", "90", "0.1"); // 3
    x.limit(C, "Buy", "91", "0.1", { symbol: "ETH_USDT" }); // 4
    x.stop(C, "Sell", "StopLoss", "95", "0.1"); // 5
    x.limit(A, "Buy", "90", "0.1"); // 6
    const one = x.cancelAll(C, "BTC_USDT");
    assert.deepEqual(updates(one), ["3:Cancelled/USER_CANCELLED", "5:Cancelled/USER_CANCELLED"]);
    const all = x.cancelAll(C);
    assert.deepEqual(updates(all), ["4:Cancelled/USER_CANCELLED"]);
    assert.equal(x.bal(C, "USDT"), "100000.000000/0.000000");
    assert.equal(x.core.me.book(1)?.orders.size, 1);
    check(x);
  });

  test("the switch fires when the core's time reaches its deadline; calling again refreshes it; 0 disarms", () => {
    const x = tradedAt100();
    x.limit(A, "Buy", "90", "0.1"); // 3
    x.limit(B, "Buy", "91", "0.1"); // 4
    const t0 = x.ts;
    x.cancelAllAfter(A, 1000);
    assert.equal(x.core.nextTimerDeadline(), t0 + 1000);
    assert.equal(x.core.armedTimers(), 1);
    x.ts = t0 + 500;
    x.cancelAllAfter(A, 1000);
    assert.equal(x.core.nextTimerDeadline(), t0 + 1500);
    x.ts = t0 + 1499;
    assert.deepEqual(updates(x.tick()), []);
    // Stamped earlier than the tick: the core's time stays t0 + 1499, so B's deadline is t0 + 1509.
    x.ts = t0 + 1400;
    x.cancelAllAfter(B, 10);
    assert.equal(x.core.timeMs(), t0 + 1499);
    // A command at t0 + 1510 first fires A's switch (t0 + 1500), then B's, then is applied.
    x.ts = t0 + 1510;
    const out = x.limit(C, "Buy", "89", "0.1");
    assert.deepEqual(updates(out), [
      "3:Cancelled/AUTO_CANCELLED",
      "4:Cancelled/AUTO_CANCELLED",
      "5:New",
    ]);
    assert.equal(x.core.armedTimers(), 0);
    assert.equal(x.core.nextTimerDeadline(), 0);
    x.cancelAllAfter(C, 100);
    x.cancelAllAfter(C, 0);
    assert.equal(x.core.armedTimers(), 0);
    assert.throws(() => x.cancelAllAfter(C, -1), /INVALID_TIMEOUT|timeout/);
    const raw = (timeout_ms: number) =>
      x.core.apply({ kind: 9, user_id: C, timeout_ms, ts_ms: x.ts++, corr: "" });
    assert.equal(rejected(raw(-1)), "INVALID_TIMEOUT");
    assert.equal(rejected(raw(86_400_001)), "INVALID_TIMEOUT");
    check(x);
  });

  test("at most max_armed_timers switches are armed", () => {
    const spec = compile({
      ...DEFAULT_CONFIG,
      limits: { ...DEFAULT_CONFIG.limits, max_armed_timers: 2 },
    });
    const x = new Exchange(spec);
    assert.equal(rejected(x.cancelAllAfter(A, 100)), "OK");
    assert.equal(rejected(x.cancelAllAfter(B, 100)), "OK");
    assert.equal(rejected(x.cancelAllAfter(C, 100)), "TOO_MANY_TIMERS");
    assert.equal(rejected(x.cancelAllAfter(A, 200)), "OK", "re-arming takes no new slot");
  });
});

describe("transfer idempotency window", () => {
  test("nothing is refused as expired before anything was forgotten, whatever the stamp", () => {
    const x = new Exchange();
    x.ts = 0;
    assert.equal(rejected(x.deposit(A, "USDT", "10", "t0")), "OK");
    assert.equal(x.deposit(A, "USDT", "10", "t0").duplicate, true);
  });

  test("a retry inside the window is a duplicate; a repeat the core may have forgotten is REQUEST_EXPIRED", () => {
    const spec = compile({
      ...DEFAULT_CONFIG,
      limits: { ...DEFAULT_CONFIG.limits, transfer_window_ms: 1000, transfers_remembered: 3 },
    });
    const x = new Exchange(spec);
    const first_ts = x.ts;
    x.deposit(A, "USDT", "10", "r1");
    x.ts += 500;
    assert.equal(x.deposit(A, "USDT", "10", "r1").duplicate, true);
    x.ts = first_ts + 2000;
    // Any transfer after the window makes the core forget r1.
    x.deposit(A, "USDT", "1", "r2");
    assert.equal(x.core.ubs.transfers.has("r1"), false);
    // A delivery of r1 stamped when it was first received: refused, never applied twice.
    x.ts = first_ts;
    assert.equal(rejected(x.deposit(A, "USDT", "10", "r1")), "REQUEST_EXPIRED");
    assert.equal(x.bal(A, "USDT"), "11.000000/0.000000");
    // The count bound: the oldest go first, and the horizon moves with them.
    x.ts = first_ts + 3000;
    for (const id of ["r3", "r4", "r5", "r6"]) x.deposit(A, "USDT", "1", id);
    assert.deepEqual([...x.core.ubs.transfers.keys()], ["r4", "r5", "r6"]);
    assert.equal(x.core.ubs.transfer_horizon_ms, first_ts + 3000, "r3's time");
    check(x);
  });
});
