// Each matching and balance rule, with exact expected values. Default symbol
// BTC_USDT: tick 0.01 USDT, lot 0.0001 BTC, maker fee 0.10%, taker fee 0.15%.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  type CoreOutput,
  compile,
  DEFAULT_CONFIG,
  errorById,
  FEE_USER_ID,
  statusName,
} from "../../../src/core/mod.ts";
import { Exchange } from "../../support/exchange.ts";

const A = 1001;
const B = 1002;
const C = 1003;

function rejected(out: CoreOutput): string {
  return out.reject === 0 ? "OK" : errorById(out.reject).code;
}

/** "id:Status[/REASON]" for every order update, in output order. */
function updates(out: CoreOutput): string[] {
  return out.updates.map(
    (u) => `${u.order_id}:${statusName[u.status]}${u.reason ? `/${errorById(u.reason).code}` : ""}`,
  );
}

function funded(): Exchange {
  const x = new Exchange();
  for (const u of [A, B, C]) {
    x.deposit(u, "BTC", "10");
    x.deposit(u, "USDT", "100000");
  }
  return x;
}

describe("trades", () => {
  test("execute at the maker's price; the buyer's price improvement is released; fees are exact", () => {
    const x = funded();
    const sell = x.limit(A, "Sell", "45000", "0.5");
    assert.deepEqual(updates(sell), ["1:New"]);
    assert.equal(x.bal(A, "BTC"), "9.50000000/0.50000000");
    const buy = x.limit(B, "Buy", "45100", "0.6");
    assert.equal(buy.trades.length, 1);
    const t = buy.trades[0];
    assert.equal(t?.price_ticks, 4_500_000);
    assert.equal(t?.qty_lots, 5000);
    assert.equal(t?.quote_units, 22_500_000_000);
    assert.equal(t?.buyer_fee_units, 75_000, "taker buyer pays 0.15% of 0.5 BTC");
    assert.equal(t?.seller_fee_units, 22_500_000, "maker seller pays 0.10% of 22500 USDT");
    assert.deepEqual(updates(buy), ["1:Filled", "2:PartiallyFilled"]);
    // 0.6 x 45100 = 27060 frozen; 0.5 filled at 45000 costs 22500 and releases 50.
    assert.equal(x.bal(B, "USDT"), "72990.000000/4510.000000");
    assert.equal(x.bal(B, "BTC"), "10.49925000/0.00000000");
    assert.equal(x.bal(A, "BTC"), "9.50000000/0.00000000");
    assert.equal(x.bal(A, "USDT"), "122477.500000/0.000000");
    assert.equal(x.bal(FEE_USER_ID, "BTC"), "0.00075000/0.00000000");
    assert.equal(x.bal(FEE_USER_ID, "USDT"), "22.500000/0.000000");
  });

  test("price priority first, then time priority within a level", () => {
    const x = funded();
    x.limit(A, "Sell", "101", "0.1"); // order 1
    x.limit(B, "Sell", "100", "0.1"); // order 2
    x.limit(A, "Sell", "100", "0.1"); // order 3
    const buy = x.limit(C, "Buy", "101", "0.25");
    assert.deepEqual(
      buy.trades.map((t) => [t.maker_order_id, t.price_ticks, t.qty_lots]),
      [
        [2, 10_000, 1000],
        [3, 10_000, 1000],
        [1, 10_100, 500],
      ],
    );
    assert.deepEqual(updates(buy), ["2:Filled", "3:Filled", "1:PartiallyFilled", "4:Filled"]);
  });

  test("trade ids are unique per symbol and increase", () => {
    const x = funded();
    x.limit(A, "Sell", "100", "0.2");
    const a = x.limit(B, "Buy", "100", "0.1");
    const b = x.limit(B, "Buy", "100", "0.1");
    assert.equal(a.trades[0]?.trade_id, 2 ** 40 + 1);
    assert.equal(b.trades[0]?.trade_id, 2 ** 40 + 2);
  });
});

describe("time in force and post-only", () => {
  test("IOC fills what it can and releases the rest", () => {
    const x = funded();
    x.limit(A, "Sell", "45000", "0.5");
    const ioc = x.limit(B, "Buy", "45000", "1", { time_in_force: "IOC" });
    assert.deepEqual(updates(ioc), ["1:Filled", "2:Expired/NOT_FILLED"]);
    assert.equal(x.bal(B, "USDT"), "77500.000000/0.000000");
    assert.equal(x.core.me.book(1)?.orders.size, 0);
  });

  test("FOK fills completely or not at all", () => {
    const x = funded();
    x.limit(A, "Sell", "45000", "0.5");
    const no = x.limit(B, "Buy", "45000", "0.6", { time_in_force: "FOK" });
    assert.deepEqual(updates(no), ["2:Expired/NOT_FILLED"]);
    assert.equal(no.trades.length, 0);
    assert.equal(x.bal(B, "USDT"), "100000.000000/0.000000");
    const yes = x.limit(B, "Buy", "45000", "0.5", { time_in_force: "FOK" });
    assert.deepEqual(updates(yes), ["1:Filled", "3:Filled"]);
  });

  test("post-only is rejected when it would take, and rests when it would not", () => {
    const x = funded();
    x.limit(A, "Sell", "45000", "0.5");
    const take = x.limit(B, "Buy", "45000", "0.1", { post_only: true });
    assert.deepEqual(updates(take), ["2:Rejected/POST_ONLY_WOULD_TAKE"]);
    assert.equal(x.bal(B, "USDT"), "100000.000000/0.000000");
    const make = x.limit(B, "Buy", "44999.99", "0.1", { post_only: true });
    assert.deepEqual(updates(make), ["3:New"]);
    assert.equal(x.bal(B, "USDT"), "95500.001000/4499.999000");
  });

  test("post-only needs GTC; market orders take no price and no post-only", () => {
    const x = funded();
    x.limit(A, "Sell", "45000", "0.5");
    const market = { user_id: B, symbol: "BTC_USDT", side: "Buy", order_type: "Market" };
    // Each mistake has its own code (once all one INVALID_ORDER).
    assert.deepEqual(
      [
        rejected(x.limit(B, "Buy", "1", "1", { post_only: true, time_in_force: "IOC" })),
        rejected(x.order({ ...market, quantity: "0.1", post_only: true })),
        rejected(x.order({ ...market, quantity: "0.1", time_in_force: "GTC" })),
        rejected(x.order({ ...market, quote_quantity: "100", time_in_force: "FOK" })),
        rejected(x.limit(B, "Buy", "1", "1", { cid: "c".repeat(65) })),
        rejected(x.limit(B, "Buy", "1", "1", { cid: "has space" })),
      ],
      [
        "POST_ONLY_NOT_ALLOWED",
        "POST_ONLY_NOT_ALLOWED",
        "TIME_IN_FORCE_NOT_ALLOWED",
        "TIME_IN_FORCE_NOT_ALLOWED",
        "CID_TOO_LONG",
        "INVALID_CID",
      ],
    );
    assert.equal(x.bal(B, "USDT"), "100000.000000/0.000000");
  });
});

describe("market orders", () => {
  test("market buy by quantity freezes quantity x collar price and releases what it did not spend", () => {
    const x = funded();
    x.limit(A, "Sell", "45000", "0.5");
    x.limit(A, "Sell", "46000", "0.5");
    const m = x.order({
      user_id: B,
      symbol: "BTC_USDT",
      side: "Buy",
      order_type: "Market",
      quantity: "0.8",
    });
    assert.equal(rejected(m), "OK");
    // Collar: 45000 x 1.05 = 47250; frozen 0.8 x 47250 = 37800; spent 22500 + 13800 = 36300.
    assert.equal(m.events[0]?.delta_frozen, 37_800_000_000);
    assert.deepEqual(updates(m), ["1:Filled", "2:PartiallyFilled", "3:Filled"]);
    assert.equal(x.bal(B, "USDT"), "63700.000000/0.000000");
  });

  test("a market order stops at its collar and expires the rest", () => {
    const x = funded();
    x.limit(A, "Sell", "45000", "0.5");
    x.limit(A, "Sell", "50000", "0.5");
    const m = x.order({
      user_id: B,
      symbol: "BTC_USDT",
      side: "Buy",
      order_type: "Market",
      quantity: "0.8",
    });
    assert.deepEqual(updates(m), ["1:Filled", "3:Expired/NOT_FILLED"]);
    assert.equal(x.bal(B, "USDT"), "77500.000000/0.000000");
  });

  test("market buy by quote amount spends the budget in whole lots and releases the dust", () => {
    const x = funded();
    x.limit(A, "Sell", "45000", "0.5");
    x.limit(A, "Sell", "46000", "0.5");
    const m = x.order({
      user_id: B,
      symbol: "BTC_USDT",
      side: "Buy",
      order_type: "Market",
      quote_quantity: "30000",
    });
    // 0.5 at 45000 = 22500; the remaining 7500 buys 0.163 at 46000 = 7498; 2 USDT released.
    assert.deepEqual(
      m.trades.map((t) => [t.qty_lots, t.quote_units]),
      [
        [5000, 22_500_000_000],
        [1630, 7_498_000_000],
      ],
    );
    assert.deepEqual(updates(m), ["1:Filled", "2:PartiallyFilled", "3:Filled"]);
    assert.equal(x.bal(B, "USDT"), "70002.000000/0.000000");
    // 0.663 BTC less the taker fee on each fill (0.00075 + 0.0002445).
    assert.equal(x.bal(B, "BTC"), "10.66200550/0.00000000");
  });

  test("market sell trades down to its collar", () => {
    const x = funded();
    x.limit(B, "Buy", "45000", "0.5");
    const m = x.order({
      user_id: A,
      symbol: "BTC_USDT",
      side: "Sell",
      order_type: "Market",
      quantity: "0.2",
    });
    assert.deepEqual(updates(m), ["1:PartiallyFilled", "2:Filled"]);
    assert.equal(x.bal(A, "BTC"), "9.80000000/0.00000000");
    // 0.2 x 45000 = 9000 less the 0.15% taker fee.
    assert.equal(x.bal(A, "USDT"), "108986.500000/0.000000");
  });

  test("a market order with nothing on the other side is refused", () => {
    const x = funded();
    const m = x.order({
      user_id: B,
      symbol: "BTC_USDT",
      side: "Buy",
      order_type: "Market",
      quantity: "0.1",
    });
    assert.equal(rejected(m), "NO_LIQUIDITY");
    assert.equal(x.bal(B, "USDT"), "100000.000000/0.000000");
  });
});

describe("cancels", () => {
  test("by order id or client order id, only by the owner, releasing exactly what is frozen", () => {
    const x = funded();
    x.limit(A, "Sell", "46000", "0.3", { cid: "ask-1" });
    x.limit(B, "Buy", "45000", "0.2", { cid: "bid-1" });
    assert.equal(x.bal(B, "USDT"), "91000.000000/9000.000000");
    // Another user's order answers as an unknown one: its existence is not told.
    assert.equal(rejected(x.cancel(A, { order_id: 2 })), "UNKNOWN_ORDER");
    assert.equal(rejected(x.cancel(B, { order_id: 99 })), "UNKNOWN_ORDER");
    assert.equal(rejected(x.cancel(B, { cid: "nope" })), "UNKNOWN_ORDER");
    const c = x.cancel(B, { cid: "bid-1" });
    assert.deepEqual(updates(c), ["2:Cancelled/USER_CANCELLED"]);
    assert.equal(x.bal(B, "USDT"), "100000.000000/0.000000");
    const d = x.cancel(A, { order_id: 1 });
    assert.deepEqual(updates(d), ["1:Cancelled/USER_CANCELLED"]);
    assert.equal(x.bal(A, "BTC"), "10.00000000/0.00000000");
  });

  test("cancelling a finished order says it is done, to its owner only", () => {
    const x = funded();
    x.limit(A, "Sell", "45000", "0.1");
    x.limit(B, "Buy", "45000", "0.1");
    assert.equal(rejected(x.cancel(A, { order_id: 1 })), "ORDER_ALREADY_DONE");
    assert.equal(rejected(x.cancel(C, { order_id: 1 })), "UNKNOWN_ORDER");
  });

  test("a client order id is unique among a user's open orders and reusable after", () => {
    const x = funded();
    x.limit(A, "Sell", "46000", "0.1", { cid: "same" });
    assert.equal(
      rejected(x.limit(A, "Sell", "46001", "0.1", { cid: "same" })),
      "DUPLICATE_CLIENT_ORDER_ID",
    );
    assert.equal(
      rejected(x.limit(B, "Sell", "46001", "0.1", { cid: "same" })),
      "OK",
      "other users may",
    );
    x.cancel(A, { cid: "same" });
    assert.equal(rejected(x.limit(A, "Sell", "46002", "0.1", { cid: "same" })), "OK");
  });
});

describe("order nodes", () => {
  test("are made for the book's growth only: cancelled, filled and expired orders' nodes serve the next", () => {
    const x = funded();
    const engine = x.core.me;
    for (let i = 0; i < 5; i++) x.limit(A, "Sell", `${46000 + i}`, "0.1");
    assert.equal(engine.order_nodes_made, 5);
    for (let id = 1; id <= 5; id++) x.cancel(A, { order_id: id });
    for (let i = 0; i < 5; i++) x.limit(B, "Buy", `${45000 - i}`, "0.1");
    assert.equal(engine.order_nodes_made, 5, "the cancelled orders' nodes are reused");
    // A sell that takes all five bids, then one that finds no bid and expires.
    const sell = (quantity: string) =>
      x.order({ user_id: C, symbol: "BTC_USDT", side: "Sell", order_type: "Market", quantity });
    assert.equal(sell("0.5").trades.length, 5);
    assert.equal(sell("0.1").trades.length, 0);
    for (let i = 0; i < 6; i++) x.limit(A, "Sell", `${47000 + i}`, "0.1");
    assert.equal(engine.order_nodes_made, 6, "one more node for a sixth open order, none else");
    x.core.validateInternalState();
  });
});

describe("self-trade prevention", () => {
  function book(): Exchange {
    const x = funded();
    x.limit(A, "Sell", "45000", "0.5"); // 1: A's own
    x.limit(B, "Sell", "45000", "0.5"); // 2: B's
    return x;
  }

  test("expire taker (ExpireTaker): the incoming order ends, the book is untouched", () => {
    const x = book();
    const out = x.limit(A, "Buy", "45000", "1", { stp: "ExpireTaker" });
    assert.deepEqual(updates(out), ["3:Expired/SELF_TRADE_PREVENTED"]);
    assert.equal(out.trades.length, 0);
    assert.equal(x.core.me.book(1)?.orders.size, 2);
    assert.equal(x.bal(A, "USDT"), "100000.000000/0.000000");
  });

  test("expire maker (the default): own resting order ends, the taker goes on", () => {
    const x = book();
    const out = x.limit(A, "Buy", "45000", "1");
    assert.deepEqual(updates(out), [
      "1:Expired/SELF_TRADE_PREVENTED",
      "2:Filled",
      "3:PartiallyFilled",
    ]);
    assert.equal(x.bal(A, "BTC"), "10.49925000/0.00000000");
    assert.equal(x.bal(A, "USDT"), "55000.000000/22500.000000");
  });

  test("expire both: own resting order and the taker end", () => {
    const x = book();
    const out = x.limit(A, "Buy", "45000", "1", { stp: "ExpireBoth" });
    assert.deepEqual(updates(out), [
      "1:Expired/SELF_TRADE_PREVENTED",
      "3:Expired/SELF_TRADE_PREVENTED",
    ]);
    assert.equal(x.core.me.book(1)?.orders.size, 1);
    assert.equal(x.bal(A, "BTC"), "10.00000000/0.00000000");
  });
});

describe("balances and transfers", () => {
  test("a deposit is applied once per request_id and a replay returns the first result", () => {
    const x = new Exchange();
    assert.equal(rejected(x.deposit(A, "USDT", "100", "r1")), "OK");
    const again = x.deposit(A, "USDT", "100", "r1");
    assert.equal(again.duplicate, true);
    assert.equal(again.events.length, 0);
    assert.equal(x.bal(A, "USDT"), "100.000000/0.000000");
    assert.equal(rejected(x.deposit(A, "USDT", "200", "r1")), "DUPLICATE_REQUEST_ID");
    assert.equal(x.core.ubs.transferResult("r1")?.event?.avail, 100_000_000);
  });

  test("a withdrawal beyond available is refused, and stays refused under the same request_id", () => {
    const x = new Exchange();
    x.deposit(A, "BTC", "1");
    x.limit(A, "Sell", "50000", "0.6");
    assert.equal(
      rejected(x.withdraw(A, "BTC", "0.5", "w1")),
      "INSUFFICIENT_BALANCE",
      "0.6 is frozen",
    );
    x.deposit(A, "BTC", "5");
    const retry = x.withdraw(A, "BTC", "0.5", "w1");
    assert.equal(retry.duplicate, true);
    assert.equal(rejected(retry), "INSUFFICIENT_BALANCE");
    assert.equal(rejected(x.withdraw(A, "BTC", "0.5", "w2")), "OK");
    assert.equal(x.bal(A, "BTC"), "4.90000000/0.60000000");
  });

  test("an order freezes what it may spend: quote at its limit for a buy, base for a sell", () => {
    const x = funded();
    x.limit(A, "Buy", "45000.01", "0.3");
    assert.equal(x.bal(A, "USDT"), "86499.997000/13500.003000");
    x.limit(A, "Sell", "46000", "0.25");
    assert.equal(x.bal(A, "BTC"), "9.75000000/0.25000000");
  });

  test("orders beyond the balance, the limits or the minimum are refused without effect", () => {
    const x = funded();
    assert.equal(rejected(x.limit(A, "Buy", "45000", "3")), "INSUFFICIENT_BALANCE");
    assert.equal(rejected(x.limit(A, "Buy", "0.01", "0.0001")), "BELOW_MIN_NOTIONAL");
    assert.equal(rejected(x.limit(A, "Buy", "1000000.01", "0.0001")), "PRICE_OUT_OF_RANGE");
    assert.equal(rejected(x.limit(A, "Sell", "45000", "1000.0001")), "QUANTITY_OUT_OF_RANGE");
    assert.equal(rejected(x.limit(A, "Sell", "45000", "0")), "QUANTITY_OUT_OF_RANGE");
    assert.equal(x.bal(A, "USDT"), "100000.000000/0.000000");
    assert.equal(x.bal(A, "BTC"), "10.00000000/0.00000000");
    assert.equal(x.core.ubs.next_order_id, 1, "refused orders get no id");
  });

  test("total supply of an asset can never leave the exact integer range", () => {
    const x = new Exchange();
    assert.equal(rejected(x.deposit(A, "BTC", "90000000")), "OK");
    assert.equal(rejected(x.deposit(B, "BTC", "100000")), "AMOUNT_OVERFLOW");
  });

  test("an open-order limit per user holds", () => {
    const x = new Exchange(
      compile({
        ...DEFAULT_CONFIG,
        limits: { ...DEFAULT_CONFIG.limits, max_open_orders_per_user: 2 },
      }),
    );
    x.deposit(A, "BTC", "1");
    x.limit(A, "Sell", "50000", "0.1");
    x.limit(A, "Sell", "50001", "0.1");
    assert.equal(rejected(x.limit(A, "Sell", "50002", "0.1")), "TOO_MANY_OPEN_ORDERS");
  });
});
