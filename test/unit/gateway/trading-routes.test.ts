// The trading routes over a real exchange (the combined core, settled into
// SQLite): stop orders, OCO pairs, amends, cancel-replace, cancel-all and the
// dead-man's switch, each with its balances to the last unit, the states
// order history shows, and the codes of its refusals.

import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import {
  ALICE,
  BOB,
  balances,
  deposit,
  type Harness,
  harness,
  json,
  observe,
  signed,
  T0,
} from "./harness.ts";

const CREATE = "/api/v1/order/create";
const OCO = "/api/v1/order/oco";
const AMEND = "/api/v1/order/amend";
const REPLACE = "/api/v1/order/cancel_replace";
const CANCEL_ALL = "/api/v1/order/cancel_all";
const CANCEL_ALL_AFTER = "/api/v1/order/cancel_all_after";

type Row = Record<string, unknown>;

let h: Harness;

beforeEach(async () => {
  h = await harness();
  assert.equal((await deposit(h, ALICE, "USDT", "10000", "dep-a")).statusCode, 200);
  assert.equal((await deposit(h, BOB, "BTC", "1", "dep-b")).statusCode, 200);
});

afterEach(async () => {
  await h.close();
});

const order = (side: "Buy" | "Sell", order_type: string, extra: object) => ({
  symbol: "BTC_USDT",
  side,
  order_type,
  ...extra,
});

async function post(key: Harness["alice"], url: string, body: unknown, status = 200) {
  const r = await signed(h, key, "POST", url, body);
  assert.equal(r.statusCode, status, r.body);
  return json(r);
}

async function history(key: Harness["alice"]): Promise<Row[]> {
  return json(await signed(h, key, "GET", "/api/v1/order/history")).data as Row[];
}

async function active(key: Harness["alice"]): Promise<Row[]> {
  return json(await signed(h, key, "GET", "/api/v1/order/active")).data as Row[];
}

function byId(rows: Row[], id: string): Row {
  const r = rows.find((o) => o.order_id === id);
  assert.ok(r !== undefined, `order ${id} in ${JSON.stringify(rows)}`);
  return r;
}

const BOB_FULL = [
  { asset: "BTC", avail: "1.00000000", frozen: "0.00000000" },
  { asset: "USDT", avail: "0.000000", frozen: "0.000000" },
  { asset: "ETH", avail: "0.00000000", frozen: "0.00000000" },
];

/** A trade at `price` between Alice (buy) and Bob (sell): sets the last trade price. */
async function tradeAt(price: string, quantity = "0.0100") {
  await post(h.bob, CREATE, order("Sell", "Limit", { price, quantity }));
  const d = (await post(h.alice, CREATE, order("Buy", "Limit", { price, quantity }))).data as Row;
  assert.equal(d.status, "Filled");
}

describe("stop orders on /api/v1/order/create", () => {
  test("a stop-limit sell waits Untriggered, then triggers on a trade at its stop price", async () => {
    const placed = await post(
      h.bob,
      CREATE,
      order("Sell", "StopLossLimit", { stop_price: "49000", price: "48900", quantity: "0.1" }),
    );
    assert.deepEqual(placed.data, {
      order_id: "1",
      symbol: "BTC_USDT",
      side: "Sell",
      order_type: "StopLossLimit",
      time_in_force: "GTC",
      post_only: false,
      stp: "ExpireMaker",
      cid: null,
      status: "Untriggered",
      reason: null,
      price: "48900.00",
      stop_price: "49000.00",
      oco_order_id: null,
      quantity: "0.1000",
      quote_quantity: null,
      filled_quantity: "0.0000",
      remaining_quantity: "0.1000",
      filled_quote: "0.000000",
      created_ts_ms: T0,
      updated_ts_ms: T0,
      trades: [],
    });
    // A waiting stop holds its funds.
    assert.deepEqual((await balances(h, h.bob)) as Row[], [
      { asset: "BTC", avail: "0.90000000", frozen: "0.10000000" },
      BOB_FULL[1],
      BOB_FULL[2],
    ]);
    const waiting = byId(await active(h.bob), "1");
    assert.equal(waiting.status, "Untriggered");
    assert.equal(waiting.stop_price, "49000.00");

    // Alice bids 48900 for 0.15, then a trade at 49000 sets the stop off: it sells
    // 0.1 into her bid at 48900 (Bob's own 0.01 sell at 49000 made the trade).
    await post(h.alice, CREATE, order("Buy", "Limit", { price: "48900", quantity: "0.15" }));
    await tradeAt("49000");
    const stop = byId(await history(h.bob), "1");
    assert.equal(stop.status, "Filled");
    assert.equal(stop.filled_quantity, "0.1000");
    assert.equal(stop.filled_quote, "4890.000000");
    // Bob: 1 - 0.1 - 0.01 BTC; 4890 + 490 USDT less 0.15% (taker) and 0.1% (maker) fees.
    assert.deepEqual(await balances(h, h.bob), [
      { asset: "BTC", avail: "0.89000000", frozen: "0.00000000" },
      { asset: "USDT", avail: "5372.175000", frozen: "0.000000" },
      BOB_FULL[2],
    ]);
  });

  test("a stop whose trigger the last trade already reached is Rejected STOP_WOULD_TRIGGER", async () => {
    await tradeAt("50000");
    const funds = await balances(h, h.bob);
    const r = await post(
      h.bob,
      CREATE,
      order("Sell", "StopLoss", { stop_price: "50000", quantity: "0.1" }),
      422,
    );
    assert.equal(r.code, "STOP_WOULD_TRIGGER");
    const d = r.data as Row;
    assert.deepEqual([d.order_id, d.status, d.reason], ["3", "Rejected", "STOP_WOULD_TRIGGER"]);
    // Its funds came back at once; history keeps the rejected order, as for a post-only one.
    assert.deepEqual(await balances(h, h.bob), funds);
    assert.deepEqual(await active(h.bob), []);
    const row = byId(await history(h.bob), "3");
    assert.deepEqual([row.status, row.stop_price], ["Rejected", "50000.00"]);
  });

  test("stop_price is required for stop types and refused for others", async () => {
    const missing = await post(
      h.bob,
      CREATE,
      order("Sell", "TakeProfit", { quantity: "0.1" }),
      400,
    );
    assert.equal(missing.code, "STOP_PRICE_REQUIRED");
    assert.equal(missing.status, 49);
    const extra = await post(
      h.bob,
      CREATE,
      order("Sell", "Limit", { price: "50000", stop_price: "49000", quantity: "0.1" }),
      400,
    );
    assert.equal(extra.code, "STOP_PRICE_NOT_ALLOWED");
    assert.equal(extra.status, 50);
    const price = await post(
      h.bob,
      CREATE,
      order("Sell", "StopLoss", { price: "1", stop_price: "49000", quantity: "0.1" }),
      400,
    );
    assert.equal(price.code, "PRICE_NOT_ALLOWED");
    assert.deepEqual(await balances(h, h.bob), BOB_FULL);
  });
});

describe("POST /api/v1/order/oco", () => {
  const oco = {
    symbol: "BTC_USDT",
    side: "Sell",
    quantity: "0.1",
    price: "52000",
    cid: "take",
    stop_type: "StopLossLimit",
    stop_price: "48000",
    stop_limit_price: "47900",
    stop_cid: "stop",
  };

  test("two linked legs freeze once; the limit leg filling cancels the stop leg", async () => {
    const r = await post(h.bob, OCO, oco);
    const [limit, stop] = (r.data as { orders: Row[] }).orders as [Row, Row];
    assert.deepEqual(
      [limit.order_id, limit.order_type, limit.status, limit.price, limit.stop_price, limit.cid],
      ["1", "Limit", "New", "52000.00", null, "take"],
    );
    assert.deepEqual(
      [stop.order_id, stop.order_type, stop.status, stop.price, stop.stop_price, stop.cid],
      ["2", "StopLossLimit", "Untriggered", "47900.00", "48000.00", "stop"],
    );
    assert.equal(limit.oco_order_id, "2");
    assert.equal(stop.oco_order_id, "1");
    assert.deepEqual(await balances(h, h.bob), [
      { asset: "BTC", avail: "0.90000000", frozen: "0.10000000" },
      BOB_FULL[1],
      BOB_FULL[2],
    ]);
    const open = await active(h.bob);
    assert.deepEqual(open.map((o) => [o.order_id, o.status, o.oco_order_id]).sort(), [
      ["1", "New", "2"],
      ["2", "Untriggered", "1"],
    ]);

    await post(h.alice, CREATE, order("Buy", "Limit", { price: "52000", quantity: "0.1" }));
    const rows = await history(h.bob);
    assert.equal(byId(rows, "1").status, "Filled");
    assert.deepEqual(
      [byId(rows, "2").status, byId(rows, "2").reason],
      ["Cancelled", "OCO_CANCELLED"],
    );
    assert.deepEqual(await active(h.bob), []);
    // 0.1 sold at 52000 as maker (0.1% fee); nothing left frozen.
    assert.deepEqual(await balances(h, h.bob), [
      { asset: "BTC", avail: "0.90000000", frozen: "0.00000000" },
      { asset: "USDT", avail: "5194.800000", frozen: "0.000000" },
      BOB_FULL[2],
    ]);
  });

  test("refusals: more than the balance, a Limit stop_type, a missing stop_limit_price", async () => {
    const before = await observe(h, h.bob);
    const poor = await post(h.bob, OCO, { ...oco, quantity: "2" }, 422);
    assert.equal(poor.code, "INSUFFICIENT_BALANCE");
    const limit = await post(h.bob, OCO, { ...oco, stop_type: "Limit" }, 400);
    assert.equal(limit.code, "VALIDATION");
    const { stop_limit_price: _, ...noLimit } = oco;
    const missing = await post(h.bob, OCO, noLimit, 400);
    assert.equal(missing.code, "INVALID_ORDER");
    assert.deepEqual(await observe(h, h.bob), before);
  });
});

describe("POST /api/v1/order/oco, refused by the book", () => {
  test("a post-only limit leg that would take: 422 with both legs, the stop leg cancelled with it", async () => {
    await post(h.alice, CREATE, order("Buy", "Limit", { price: "50000", quantity: "0.1" }));
    const r = await post(
      h.bob,
      OCO,
      {
        symbol: "BTC_USDT",
        side: "Sell",
        quantity: "0.1",
        price: "49000",
        post_only: true,
        stop_type: "StopLoss",
        stop_price: "40000",
      },
      422,
    );
    assert.equal(r.code, "POST_ONLY_WOULD_TAKE");
    const legs = (r.data as { orders: Row[] }).orders;
    assert.deepEqual(
      legs.map((o) => [o.order_id, o.status, o.reason]),
      [
        ["2", "Rejected", "POST_ONLY_WOULD_TAKE"],
        ["3", "Cancelled", "OCO_CANCELLED"],
      ],
    );
    const rows = await history(h.bob);
    assert.deepEqual(
      [byId(rows, "2").status, byId(rows, "3").status, byId(rows, "3").reason],
      ["Rejected", "Cancelled", "OCO_CANCELLED"],
    );
    assert.deepEqual(await balances(h, h.bob), BOB_FULL);
    assert.deepEqual(await active(h.bob), []);
  });
});

describe("POST /api/v1/order/amend", () => {
  test("a lower quantity and a new price, by id and by cid, with the funds they hold", async () => {
    await post(
      h.bob,
      CREATE,
      order("Sell", "Limit", { price: "50000", quantity: "0.1", cid: "b" }),
    );
    const down = await post(h.bob, AMEND, {
      symbol: "BTC_USDT",
      order_id: "1",
      quantity: "0.04",
    });
    const d = down.data as Row;
    assert.deepEqual(
      [d.order_id, d.status, d.reason, d.price, d.quantity, d.remaining_quantity],
      ["1", "New", "ORDER_AMENDED", "50000.00", "0.0400", "0.0400"],
    );
    assert.deepEqual(await balances(h, h.bob), [
      { asset: "BTC", avail: "0.96000000", frozen: "0.04000000" },
      BOB_FULL[1],
      BOB_FULL[2],
    ]);
    const moved = (await post(h.bob, AMEND, { symbol: "BTC_USDT", cid: "b", price: "50500" }))
      .data as Row;
    assert.deepEqual([moved.price, moved.quantity], ["50500.00", "0.0400"]);
    const row = byId(await history(h.bob), "1");
    assert.deepEqual(
      [row.price, row.quantity, row.status, row.reason],
      ["50500.00", "0.0400", "New", "ORDER_AMENDED"],
    );
    const depth = json(
      await h.app.inject({ method: "GET", url: "/api/v1/market/depth?symbol=BTC_USDT" }),
    ).data as Row;
    assert.deepEqual(depth.asks, [{ price: "50500.00", quantity: "0.0400", orders: 1 }]);
  });

  test("a new price that crosses trades at once, and the answer carries the trade", async () => {
    await post(h.bob, CREATE, order("Sell", "Limit", { price: "50000", quantity: "0.1" }));
    await post(h.alice, CREATE, order("Buy", "Limit", { price: "49000", quantity: "0.1" }));
    const r = (await post(h.alice, AMEND, { symbol: "BTC_USDT", order_id: "2", price: "50000" }))
      .data as Row;
    assert.equal(r.status, "Filled");
    assert.deepEqual(
      (r.trades as Row[]).map((t) => [t.price, t.quantity, t.role]),
      [["50000.00", "0.1000", "taker"]],
    );
    assert.deepEqual(await balances(h, h.alice), [
      { asset: "BTC", avail: "0.09985000", frozen: "0.00000000" },
      { asset: "USDT", avail: "5000.000000", frozen: "0.000000" },
      { asset: "ETH", avail: "0.00000000", frozen: "0.00000000" },
    ]);
  });

  test("refusals: unknown order, another user's, nothing to change, both targets", async () => {
    await post(h.bob, CREATE, order("Sell", "Limit", { price: "50000", quantity: "0.1" }));
    const before = await observe(h, h.bob);
    const unknown = await post(
      h.bob,
      AMEND,
      { symbol: "BTC_USDT", order_id: "99", quantity: "0.05" },
      404,
    );
    assert.equal(unknown.code, "UNKNOWN_ORDER");
    const theirs = await post(
      h.alice,
      AMEND,
      { symbol: "BTC_USDT", order_id: "1", quantity: "0.05" },
      404,
    );
    assert.equal(theirs.code, "UNKNOWN_ORDER");
    const nothing = await post(h.bob, AMEND, { symbol: "BTC_USDT", order_id: "1" }, 400);
    assert.equal(nothing.code, "INVALID_ORDER");
    const both = await post(
      h.bob,
      AMEND,
      { symbol: "BTC_USDT", order_id: "1", cid: "x", price: "1" },
      400,
    );
    assert.equal(both.code, "INVALID_CANCEL_TARGET");
    assert.deepEqual(await observe(h, h.bob), before);
    await post(h.bob, OCO, {
      symbol: "BTC_USDT",
      side: "Sell",
      quantity: "0.1",
      price: "60000",
      stop_type: "StopLoss",
      stop_price: "40000",
    });
    const leg = await post(
      h.bob,
      AMEND,
      { symbol: "BTC_USDT", order_id: "2", price: "61000" },
      422,
    );
    assert.equal(leg.code, "AMEND_NOT_ALLOWED");
    // Half of order 1 fills; the new total must stay above the filled part.
    await post(h.alice, CREATE, order("Buy", "Limit", { price: "50000", quantity: "0.05" }));
    const filled = await post(
      h.bob,
      AMEND,
      { symbol: "BTC_USDT", order_id: "1", quantity: "0.05" },
      400,
    );
    assert.equal(filled.code, "QUANTITY_OUT_OF_RANGE");
  });
});

describe("POST /api/v1/order/cancel_replace", () => {
  const next = order("Sell", "Limit", { price: "51000", quantity: "0.2", cid: "b2" });

  test("cancels the order and places the new one, which may reuse its funds", async () => {
    await post(
      h.bob,
      CREATE,
      order("Sell", "Limit", { price: "50000", quantity: "0.9", cid: "b" }),
    );
    const r = await post(h.bob, REPLACE, { cid: "b", mode: "StopOnFailure", order: next });
    const d = r.data as { cancel: Row; order: Row; cancel_code: null; order_code: null };
    assert.deepEqual(
      [d.cancel.order_id, d.cancel.status, d.cancel.reason, d.cancel_code],
      ["1", "Cancelled", "USER_CANCELLED", null],
    );
    assert.deepEqual(
      [d.order.order_id, d.order.status, d.order.price, d.order.quantity, d.order_code],
      ["2", "New", "51000.00", "0.2000", null],
    );
    assert.deepEqual(await balances(h, h.bob), [
      { asset: "BTC", avail: "0.80000000", frozen: "0.20000000" },
      BOB_FULL[1],
      BOB_FULL[2],
    ]);
    const rows = await history(h.bob);
    assert.equal(byId(rows, "1").status, "Cancelled");
    assert.equal(byId(rows, "2").status, "New");
  });

  test("StopOnFailure changes nothing when either half would fail", async () => {
    await post(
      h.bob,
      CREATE,
      order("Sell", "Limit", { price: "50000", quantity: "0.5", cid: "b" }),
    );
    const before = await observe(h, h.bob);
    const unknown = await post(
      h.bob,
      REPLACE,
      { order_id: "77", mode: "StopOnFailure", order: next },
      404,
    );
    assert.equal(unknown.code, "UNKNOWN_ORDER");
    assert.deepEqual(unknown.data, {
      cancel: null,
      cancel_code: "UNKNOWN_ORDER",
      order: null,
      order_code: "NOT_ATTEMPTED",
    });
    const big = order("Sell", "Limit", { price: "51000", quantity: "1.1" });
    const poor = await post(h.bob, REPLACE, { cid: "b", mode: "StopOnFailure", order: big }, 422);
    assert.equal(poor.code, "INSUFFICIENT_BALANCE");
    assert.deepEqual(poor.data, {
      cancel: null,
      cancel_code: "NOT_ATTEMPTED",
      order: null,
      order_code: "INSUFFICIENT_BALANCE",
    });
    assert.deepEqual(await observe(h, h.bob), before);
  });

  test("AllowFailure places the new order although the cancel failed, and says so", async () => {
    const r = await post(
      h.bob,
      REPLACE,
      { order_id: "77", mode: "AllowFailure", order: next },
      404,
    );
    assert.equal(r.code, "UNKNOWN_ORDER");
    const d = r.data as { order: Row; cancel_code: string };
    assert.equal(d.cancel_code, "UNKNOWN_ORDER");
    assert.deepEqual([d.order.order_id, d.order.status], ["1", "New"]);
    assert.equal(byId(await active(h.bob), "1").cid, "b2");
  });
});

describe("POST /api/v1/order/cancel_all", () => {
  const OCO_ORDER = {
    symbol: "BTC_USDT",
    side: "Sell",
    quantity: "0.3",
    price: "60000",
    stop_type: "StopLoss",
    stop_price: "41000",
  };

  test("cancels every open order of the user, waiting stops and OCO legs included", async () => {
    await post(h.bob, CREATE, order("Sell", "Limit", { price: "50000", quantity: "0.1" }));
    await post(h.bob, CREATE, order("Sell", "StopLoss", { stop_price: "40000", quantity: "0.2" }));
    await post(h.bob, OCO, OCO_ORDER);
    await post(h.alice, CREATE, order("Buy", "Limit", { price: "30000", quantity: "0.1" }));
    const wrong = await post(h.bob, CANCEL_ALL, { symbol: "NOPE" }, 400);
    assert.equal(wrong.code, "UNKNOWN_SYMBOL");
    const other = (await post(h.bob, CANCEL_ALL, { symbol: "ETH_USDT" })).data as Row;
    assert.deepEqual(other, { cancelled: [] });
    const r = (await post(h.bob, CANCEL_ALL, {})).data as { cancelled: Row[] };
    assert.deepEqual(
      r.cancelled.map((c) => [c.order_id, c.symbol, c.status, c.reason, c.remaining_quantity]),
      [
        ["1", "BTC_USDT", "Cancelled", "USER_CANCELLED", "0.1000"],
        ["2", "BTC_USDT", "Cancelled", "USER_CANCELLED", "0.2000"],
        ["3", "BTC_USDT", "Cancelled", "USER_CANCELLED", "0.3000"],
        ["4", "BTC_USDT", "Cancelled", "OCO_CANCELLED", "0.3000"],
      ],
    );
    assert.deepEqual(await balances(h, h.bob), BOB_FULL);
    assert.deepEqual(await active(h.bob), []);
    // Alice's order stays.
    assert.equal((await active(h.alice)).length, 1);
  });
});

describe("POST /api/v1/order/cancel_all_after", () => {
  test("once due, a tick cancels the user's orders with AUTO_CANCELLED", async () => {
    await post(h.bob, CREATE, order("Sell", "Limit", { price: "50000", quantity: "0.1" }));
    const armed = await post(h.bob, CANCEL_ALL_AFTER, { timeout_ms: 1000 });
    assert.deepEqual(armed.data, { timeout_ms: 1000, armed: true });
    await h.backend.tick(T0 + 999);
    assert.equal((await active(h.bob)).length, 1);
    await h.backend.tick(T0 + 1000);
    const row = byId(await history(h.bob), "1");
    assert.deepEqual([row.status, row.reason], ["Cancelled", "AUTO_CANCELLED"]);
    assert.deepEqual(await balances(h, h.bob), BOB_FULL);
  });

  test("0 turns the timer off; a timeout past the limit is INVALID_TIMEOUT", async () => {
    await post(h.bob, CREATE, order("Sell", "Limit", { price: "50000", quantity: "0.1" }));
    await post(h.bob, CANCEL_ALL_AFTER, { timeout_ms: 1000 });
    const off = await post(h.bob, CANCEL_ALL_AFTER, { timeout_ms: 0 });
    assert.deepEqual(off.data, { timeout_ms: 0, armed: false });
    await h.backend.tick(T0 + 5000);
    assert.equal(byId(await active(h.bob), "1").status, "New");
    const long = await post(h.bob, CANCEL_ALL_AFTER, { timeout_ms: 86_400_001 }, 400);
    assert.equal(long.code, "INVALID_TIMEOUT");
    const negative = await post(h.bob, CANCEL_ALL_AFTER, { timeout_ms: -1 }, 400);
    assert.equal(negative.code, "VALIDATION");
  });
});
