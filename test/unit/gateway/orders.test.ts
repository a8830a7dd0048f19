// Orders through the HTTP API against a real exchange: every outcome with
// exact decimal strings and balances, every refusal with its status and code,
// and proof that a refused order changes nothing.

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
const CANCEL = "/api/v1/order/cancel";

let h: Harness;

beforeEach(async () => {
  h = await harness();
  assert.equal((await deposit(h, ALICE, "USDT", "10000", "dep-a")).statusCode, 200);
  assert.equal((await deposit(h, BOB, "BTC", "1", "dep-b")).statusCode, 200);
});

afterEach(async () => {
  await h.close();
});

const limit = (side: "Buy" | "Sell", price: string, quantity: string, extra: object = {}) => ({
  symbol: "BTC_USDT",
  side,
  order_type: "Limit",
  price,
  quantity,
  ...extra,
});

async function bobSells(price = "50000", quantity = "0.1") {
  const r = await signed(h, h.bob, "POST", CREATE, limit("Sell", price, quantity));
  assert.equal(r.statusCode, 200, r.body);
  return json(r).data as { order_id: string };
}

describe("POST /api/v1/order/create", () => {
  test("a resting order answers New with the order as placed", async () => {
    const r = await signed(h, h.bob, "POST", CREATE, limit("Sell", "50000", "0.1"));
    assert.equal(r.statusCode, 200);
    assert.deepEqual(json(r), {
      status: 0,
      msg: "ok",
      data: {
        order_id: "1",
        symbol: "BTC_USDT",
        side: "Sell",
        order_type: "Limit",
        time_in_force: "GTC",
        post_only: false,
        stp: "ExpireMaker",
        cid: null,
        status: "New",
        reason: null,
        price: "50000.00",
        stop_price: null,
        oco_order_id: null,
        quantity: "0.1000",
        quote_quantity: null,
        filled_quantity: "0.0000",
        remaining_quantity: "0.1000",
        filled_quote: "0.000000",
        created_ts_ms: T0,
        updated_ts_ms: T0,
        trades: [],
      },
    });
    assert.deepEqual(await balances(h, h.bob), [
      { asset: "BTC", avail: "0.90000000", frozen: "0.10000000" },
      { asset: "USDT", avail: "0.000000", frozen: "0.000000" },
      { asset: "ETH", avail: "0.00000000", frozen: "0.00000000" },
    ]);
  });

  test("a crossing order answers with its fills, fees and price improvement", async () => {
    await bobSells();
    const r = await signed(
      h,
      h.alice,
      "POST",
      CREATE,
      limit("Buy", "50001", "0.15", { cid: "alice-1" }),
    );
    assert.equal(r.statusCode, 200);
    const d = json(r).data as Record<string, unknown>;
    assert.equal(d.order_id, "2");
    assert.equal(d.cid, "alice-1");
    assert.equal(d.status, "PartiallyFilled");
    assert.equal(d.price, "50001.00");
    assert.equal(d.quantity, "0.1500");
    assert.equal(d.filled_quantity, "0.1000");
    assert.equal(d.remaining_quantity, "0.0500");
    assert.equal(d.filled_quote, "5000.000000");
    assert.deepEqual(d.trades, [
      {
        trade_id: "1099511627777",
        price: "50000.00",
        quantity: "0.1000",
        quote_quantity: "5000.000000",
        fee: "0.00015000",
        fee_asset: "BTC",
        role: "taker",
      },
    ]);
    // 0.15 x 50001 frozen; the filled 0.1 cost 50000, so 0.1 USDT came back.
    assert.deepEqual(await balances(h, h.alice), [
      { asset: "BTC", avail: "0.09985000", frozen: "0.00000000" },
      { asset: "USDT", avail: "2499.950000", frozen: "2500.050000" },
      { asset: "ETH", avail: "0.00000000", frozen: "0.00000000" },
    ]);
    // The maker pays 0.1% in the quote asset.
    assert.deepEqual(await balances(h, h.bob), [
      { asset: "BTC", avail: "0.90000000", frozen: "0.00000000" },
      { asset: "USDT", avail: "4995.000000", frozen: "0.000000" },
      { asset: "ETH", avail: "0.00000000", frozen: "0.00000000" },
    ]);
  });

  test("market buys by quantity and by quote budget fill at the maker's price", async () => {
    await bobSells();
    const byQuote = await signed(h, h.alice, "POST", CREATE, {
      symbol: "BTC_USDT",
      side: "Buy",
      order_type: "Market",
      quote_quantity: "1000",
    });
    assert.equal(byQuote.statusCode, 200);
    const q = json(byQuote).data as Record<string, unknown>;
    assert.deepEqual(
      [q.status, q.time_in_force, q.price, q.quantity, q.quote_quantity, q.filled_quantity],
      ["Filled", "IOC", null, null, "1000.000000", "0.0200"],
    );
    assert.equal(q.filled_quote, "1000.000000");
    const byQty = await signed(h, h.alice, "POST", CREATE, {
      symbol: "BTC_USDT",
      side: "Buy",
      order_type: "Market",
      quantity: "0.01",
    });
    const m = json(byQty).data as Record<string, unknown>;
    assert.deepEqual(
      [m.status, m.price, m.quantity, m.filled_quantity, m.filled_quote],
      ["Filled", null, "0.0100", "0.0100", "500.000000"],
    );
    assert.deepEqual(await balances(h, h.alice), [
      { asset: "BTC", avail: "0.02995500", frozen: "0.00000000" },
      { asset: "USDT", avail: "8500.000000", frozen: "0.000000" },
      { asset: "ETH", avail: "0.00000000", frozen: "0.00000000" },
    ]);
  });

  test("an IOC remainder expires: 200 with status Expired and reason NOT_FILLED", async () => {
    await bobSells("50000", "0.07");
    const r = await signed(
      h,
      h.alice,
      "POST",
      CREATE,
      limit("Buy", "50000", "0.1", { time_in_force: "IOC" }),
    );
    assert.equal(r.statusCode, 200);
    const d = json(r).data as Record<string, unknown>;
    assert.deepEqual(
      [d.status, d.reason, d.filled_quantity, d.remaining_quantity, d.filled_quote],
      ["Expired", "NOT_FILLED", "0.0700", "0.0300", "3500.000000"],
    );
    assert.deepEqual((await balances(h, h.alice)) as unknown[], [
      { asset: "BTC", avail: "0.06989500", frozen: "0.00000000" },
      { asset: "USDT", avail: "6500.000000", frozen: "0.000000" },
      { asset: "ETH", avail: "0.00000000", frozen: "0.00000000" },
    ]);
  });

  test("a post-only order that would take is 422 POST_ONLY_WOULD_TAKE with the order's state", async () => {
    await bobSells("51000");
    const before = await observe(h, h.alice);
    const r = await signed(
      h,
      h.alice,
      "POST",
      CREATE,
      limit("Buy", "51000", "0.01", { post_only: true }),
    );
    assert.equal(r.statusCode, 422);
    const body = json(r);
    assert.equal(body.status, 7);
    assert.equal(body.code, "POST_ONLY_WOULD_TAKE");
    assert.equal(body.msg, "order 2 rejected: post-only order would match immediately");
    assert.deepEqual(body.data, {
      order_id: "2",
      symbol: "BTC_USDT",
      side: "Buy",
      order_type: "Limit",
      time_in_force: "GTC",
      post_only: true,
      stp: "ExpireMaker",
      cid: null,
      status: "Rejected",
      reason: "POST_ONLY_WOULD_TAKE",
      price: "51000.00",
      stop_price: null,
      oco_order_id: null,
      quantity: "0.0100",
      quote_quantity: null,
      filled_quantity: "0.0000",
      remaining_quantity: "0.0100",
      filled_quote: "0.000000",
      created_ts_ms: T0,
      updated_ts_ms: T0,
      trades: [],
    });
    const after = (await observe(h, h.alice)) as Record<string, unknown>;
    // Only the history gained the rejected order; money and the book are as before.
    const { history: h1, ...rest1 } = before as Record<string, unknown>;
    const { history: h2, ...rest2 } = after;
    assert.deepEqual(rest2, rest1);
    assert.deepEqual(h1, []);
    assert.deepEqual(
      (h2 as { order_id: string; status: string }[]).map((o) => [o.order_id, o.status]),
      [["2", "Rejected"]],
    );
  });

  const refusals: [string, object, number, number, string, string][] = [
    [
      "insufficient balance",
      limit("Buy", "50000", "10"),
      422,
      1,
      "INSUFFICIENT_BALANCE",
      "insufficient available balance",
    ],
    [
      "unknown symbol",
      { ...limit("Buy", "1", "1"), symbol: "DOGE_USDT" },
      400,
      2,
      "UNKNOWN_SYMBOL",
      "unknown symbol DOGE_USDT",
    ],
    [
      "price beyond the quote asset's decimals",
      limit("Buy", "50000.0000001", "0.1"),
      400,
      4,
      "BAD_PRECISION",
      "price 50000.0000001 exceeds max precision 6",
    ],
    [
      "price not a multiple of the tick",
      limit("Buy", "0.001", "1"),
      400,
      4,
      "BAD_PRECISION",
      "price 0.001 is not a multiple of the tick size",
    ],
    [
      "quantity not a multiple of the lot",
      limit("Buy", "1", "0.00001"),
      400,
      4,
      "BAD_PRECISION",
      "quantity 0.00001 is not a multiple of the lot size",
    ],
    [
      "below the minimum notional",
      limit("Buy", "0.01", "1"),
      422,
      5,
      "BELOW_MIN_NOTIONAL",
      "order value 0.010000 USDT (price x quantity) is below 1.000000 USDT, the minimum notional of BTC_USDT",
    ],
    [
      "a market buy by quote below the minimum notional",
      { symbol: "BTC_USDT", side: "Buy", order_type: "Market", quote_quantity: "0.5" },
      422,
      5,
      "BELOW_MIN_NOTIONAL",
      "quote_quantity 0.5 is below 1.000000 USDT, the minimum notional of BTC_USDT",
    ],
    [
      "a price above the symbol's range",
      limit("Buy", "1000000.01", "0.0001"),
      400,
      14,
      "PRICE_OUT_OF_RANGE",
      "price 1000000.01 is outside 0.01..1000000.00, the price range of BTC_USDT",
    ],
    [
      "a quantity above the symbol's range",
      limit("Sell", "45000", "1000.0001"),
      400,
      15,
      "QUANTITY_OUT_OF_RANGE",
      "quantity 1000.0001 is outside 0.0001..1000.0000, the quantity range of BTC_USDT",
    ],
    [
      "a cid longer than 64 characters",
      limit("Buy", "1", "1", { cid: "c".repeat(65) }),
      400,
      100,
      "VALIDATION",
      "body.cid must not have more than 64 characters",
    ],
    [
      "quantity and quote_quantity together",
      {
        symbol: "BTC_USDT",
        side: "Buy",
        order_type: "Market",
        quantity: "1",
        quote_quantity: "100",
      },
      400,
      27,
      "QUANTITY_CONFLICT",
      "give quantity or quote_quantity, not both",
    ],
    [
      "quote_quantity on a limit order",
      { symbol: "BTC_USDT", side: "Buy", order_type: "Limit", price: "1", quote_quantity: "100" },
      400,
      28,
      "QUOTE_QUANTITY_NOT_ALLOWED",
      "quote_quantity is only for market buys",
    ],
    [
      "a market order without a quantity",
      { symbol: "BTC_USDT", side: "Sell", order_type: "Market" },
      400,
      26,
      "QUANTITY_REQUIRED",
      "quantity is required",
    ],
    [
      "a market order that is GTC",
      {
        symbol: "BTC_USDT",
        side: "Sell",
        order_type: "Market",
        quantity: "1",
        time_in_force: "GTC",
      },
      400,
      29,
      "TIME_IN_FORCE_NOT_ALLOWED",
      "time_in_force not allowed for this order: a market order is IOC or FOK, and a market buy by quote_quantity is IOC",
    ],
    [
      "a post-only IOC",
      limit("Buy", "1", "1", { post_only: true, time_in_force: "IOC" }),
      400,
      30,
      "POST_ONLY_NOT_ALLOWED",
      "post_only is only for GTC limit orders",
    ],
    [
      "a market order with a price",
      { symbol: "BTC_USDT", side: "Buy", order_type: "Market", price: "1", quantity: "1" },
      400,
      25,
      "PRICE_NOT_ALLOWED",
      "a market order takes no price",
    ],
    [
      "a limit order without a price",
      { symbol: "BTC_USDT", side: "Buy", order_type: "Limit", quantity: "1" },
      400,
      24,
      "PRICE_REQUIRED",
      "a limit order needs a price",
    ],
    [
      // The core has stop orders; the HTTP API takes them (with stop_price) in a later step.
      "a stop order without a stop price",
      { symbol: "BTC_USDT", side: "Sell", order_type: "StopLoss", quantity: "1" },
      400,
      49,
      "STOP_PRICE_REQUIRED",
      "a StopLoss order needs a stop_price",
    ],
    [
      "a market order with nothing to price it",
      { symbol: "ETH_USDT", side: "Buy", order_type: "Market", quote_quantity: "100" },
      422,
      16,
      "NO_LIQUIDITY",
      "no opposite liquidity to price a market order",
    ],
    [
      "a zero quantity",
      limit("Buy", "1", "0"),
      400,
      15,
      "QUANTITY_OUT_OF_RANGE",
      "quantity 0 is outside 0.0001..1000.0000, the quantity range of BTC_USDT",
    ],
    [
      "an unknown side",
      { ...limit("Buy", "1", "1"), side: "buy" },
      400,
      100,
      "VALIDATION",
      "body.side must be one of Buy, Sell",
    ],
    [
      "a number for a decimal",
      { ...limit("Buy", "1", "1"), price: 50000 },
      400,
      100,
      "VALIDATION",
      "body.price must be string",
    ],
    [
      "a decimal in exponent form",
      limit("Buy", "5e4", "1"),
      400,
      100,
      "VALIDATION",
      "body.price has an invalid format",
    ],
    [
      "a user_id in the body",
      { ...limit("Buy", "1", "1"), user_id: BOB },
      400,
      100,
      "VALIDATION",
      "body.user_id is not a known field",
    ],
  ];

  for (const [what, body, http, id, code, msg] of refusals) {
    test(`refuses ${what}: ${http} ${code}, nothing changes`, async () => {
      await bobSells("60000");
      const before = await observe(h, h.alice);
      const r = await signed(h, h.alice, "POST", CREATE, body);
      assert.equal(r.statusCode, http, r.body);
      assert.deepEqual(json(r), { status: id, msg, code });
      assert.deepEqual(await observe(h, h.alice), before);
    });
  }

  test("a client order id in use by an open order is 409 DUPLICATE_CLIENT_ORDER_ID", async () => {
    const first = await signed(h, h.alice, "POST", CREATE, limit("Buy", "100", "1", { cid: "c1" }));
    assert.equal(first.statusCode, 200);
    const before = await observe(h, h.alice);
    const r = await signed(h, h.alice, "POST", CREATE, limit("Buy", "100", "1", { cid: "c1" }));
    assert.equal(r.statusCode, 409);
    assert.equal(json(r).code, "DUPLICATE_CLIENT_ORDER_ID");
    assert.deepEqual(await observe(h, h.alice), before);
    // Another user may use the same cid.
    await deposit(h, BOB, "USDT", "1000", "dep-b2");
    const bob = await signed(h, h.bob, "POST", CREATE, limit("Buy", "100", "1", { cid: "c1" }));
    assert.equal(bob.statusCode, 200);
  });
});

describe("POST /api/v1/order/cancel", () => {
  test("by cid and by order_id: 200 with the cancelled order's state; funds released", async () => {
    await bobSells();
    await signed(h, h.alice, "POST", CREATE, limit("Buy", "50001", "0.15", { cid: "alice-1" }));
    const r = await signed(h, h.alice, "POST", CANCEL, { cid: "alice-1" });
    assert.equal(r.statusCode, 200);
    assert.deepEqual(json(r), {
      status: 0,
      msg: "ok",
      data: {
        order_id: "2",
        symbol: "BTC_USDT",
        status: "Cancelled",
        reason: "USER_CANCELLED",
        filled_quantity: "0.1000",
        remaining_quantity: "0.0500",
        filled_quote: "5000.000000",
      },
    });
    assert.deepEqual(await balances(h, h.alice), [
      { asset: "BTC", avail: "0.09985000", frozen: "0.00000000" },
      { asset: "USDT", avail: "5000.000000", frozen: "0.000000" },
      { asset: "ETH", avail: "0.00000000", frozen: "0.00000000" },
    ]);
    const again = await signed(h, h.alice, "POST", CANCEL, { order_id: "2" });
    assert.equal(again.statusCode, 409);
    assert.deepEqual(json(again), {
      status: 10,
      msg: "order is already filled or cancelled",
      code: "ORDER_ALREADY_DONE",
    });
    const placed = await signed(h, h.alice, "POST", CREATE, limit("Buy", "100", "1"));
    const id = (json(placed).data as { order_id: string }).order_id;
    const byId = await signed(h, h.alice, "POST", CANCEL, { order_id: id });
    assert.equal(byId.statusCode, 200);
    assert.deepEqual(
      [
        (json(byId).data as { status: string }).status,
        (json(byId).data as { order_id: string }).order_id,
      ],
      ["Cancelled", id],
    );
  });

  test("another user's open order answers exactly as an unknown id, and it stays open", async () => {
    const { order_id } = await bobSells();
    const bobBefore = await observe(h, h.bob);
    const theirs = await signed(h, h.alice, "POST", CANCEL, { order_id });
    const never = await signed(h, h.alice, "POST", CANCEL, { order_id: "999" });
    assert.equal(theirs.statusCode, 404);
    assert.deepEqual(json(theirs), { status: 8, msg: "no such open order", code: "UNKNOWN_ORDER" });
    // Nothing tells the two apart, so order ids of other users cannot be probed.
    assert.equal(theirs.statusCode, never.statusCode);
    assert.deepEqual(json(theirs), json(never));
    assert.deepEqual(await observe(h, h.bob), bobBefore);
  });

  test("an order that never existed, or an unknown cid: 404 UNKNOWN_ORDER", async () => {
    for (const body of [{ order_id: "999" }, { cid: "nope" }]) {
      const r = await signed(h, h.alice, "POST", CANCEL, body);
      assert.equal(r.statusCode, 404);
      assert.deepEqual(json(r), { status: 8, msg: "no such open order", code: "UNKNOWN_ORDER" });
    }
  });

  test("another user's finished order looks unknown, not done", async () => {
    const { order_id } = await bobSells();
    await signed(h, h.bob, "POST", CANCEL, { order_id });
    const r = await signed(h, h.alice, "POST", CANCEL, { order_id });
    assert.equal(r.statusCode, 404);
    assert.equal(json(r).code, "UNKNOWN_ORDER");
  });

  test("both or neither of order_id and cid, or a malformed id, is a 400", async () => {
    const cases: [object, string, string][] = [
      [
        { order_id: "1", cid: "x" },
        "INVALID_CANCEL_TARGET",
        "give exactly one of order_id and cid",
      ],
      [{}, "INVALID_CANCEL_TARGET", "give exactly one of order_id and cid"],
      [{ order_id: 1 }, "VALIDATION", "body.order_id must be string"],
      [{ order_id: "01" }, "VALIDATION", "body.order_id has an invalid format"],
      [
        { order_id: "9999999999999999" },
        "VALIDATION",
        "body.order_id 9999999999999999 is not a known order id",
      ],
    ];
    for (const [body, code, msg] of cases) {
      const r = await signed(h, h.alice, "POST", CANCEL, body);
      assert.equal(r.statusCode, 400, JSON.stringify(body));
      assert.equal(json(r).code, code);
      assert.equal(json(r).msg, msg);
    }
  });
});

describe("GET /api/v1/order/active, history, trades", () => {
  async function trade() {
    await bobSells();
    await signed(h, h.alice, "POST", CREATE, limit("Buy", "50001", "0.15", { cid: "alice-1" }));
    await signed(h, h.alice, "POST", CREATE, limit("Buy", "100", "1"));
  }

  test("each user sees exactly their own orders and trades", async () => {
    await trade();
    const active = json(await signed(h, h.alice, "GET", "/api/v1/order/active")).data as {
      order_id: string;
      status: string;
    }[];
    assert.deepEqual(
      active.map((o) => [o.order_id, o.status]),
      [
        ["3", "New"],
        ["2", "PartiallyFilled"],
      ],
    );
    assert.deepEqual(json(await signed(h, h.bob, "GET", "/api/v1/order/active")).data, []);
    const bobHistory = json(await signed(h, h.bob, "GET", "/api/v1/order/history")).data as {
      order_id: string;
      status: string;
      filled_quantity: string;
    }[];
    assert.deepEqual(
      bobHistory.map((o) => [o.order_id, o.status, o.filled_quantity]),
      [["1", "Filled", "0.1000"]],
    );
    assert.deepEqual(json(await signed(h, h.bob, "GET", "/api/v1/order/trades")).data, [
      {
        trade_id: "1099511627777",
        order_id: "1",
        symbol: "BTC_USDT",
        side: "Sell",
        role: "maker",
        price: "50000.00",
        quantity: "0.1000",
        quote_quantity: "5000.000000",
        fee: "5.000000",
        fee_asset: "USDT",
        ts_ms: T0,
      },
    ]);
    const aliceTrades = json(await signed(h, h.alice, "GET", "/api/v1/order/trades")).data as {
      order_id: string;
      role: string;
      fee: string;
    }[];
    assert.deepEqual(
      aliceTrades.map((t) => [t.order_id, t.role, t.fee]),
      [["2", "taker", "0.00015000"]],
    );
  });

  test("active orders as stored: exact strings", async () => {
    await trade();
    const r = await signed(h, h.alice, "GET", "/api/v1/order/active?symbol=BTC_USDT&limit=1");
    assert.equal(r.statusCode, 200);
    assert.deepEqual(json(r).data, [
      {
        order_id: "3",
        symbol: "BTC_USDT",
        side: "Buy",
        order_type: "Limit",
        time_in_force: "GTC",
        post_only: false,
        stp: "ExpireMaker",
        cid: null,
        status: "New",
        reason: null,
        price: "100.00",
        stop_price: null,
        oco_order_id: null,
        quantity: "1.0000",
        quote_quantity: null,
        filled_quantity: "0.0000",
        remaining_quantity: "1.0000",
        filled_quote: "0.000000",
        created_ts_ms: T0,
        updated_ts_ms: T0,
      },
    ]);
  });

  test("history holds every status, newest first, filtered by symbol", async () => {
    await trade();
    await signed(h, h.alice, "POST", CANCEL, { cid: "alice-1" });
    const all = json(await signed(h, h.alice, "GET", "/api/v1/order/history")).data as {
      order_id: string;
      status: string;
    }[];
    assert.deepEqual(
      all.map((o) => [o.order_id, o.status]),
      [
        ["3", "New"],
        ["2", "Cancelled"],
      ],
    );
    const eth = await signed(h, h.alice, "GET", "/api/v1/order/history?symbol=ETH_USDT");
    assert.deepEqual(json(eth).data, []);
  });

  test("query errors: unknown symbol, bad limit, a user_id parameter", async () => {
    const cases: [string, number, string, string][] = [
      ["/api/v1/order/active?symbol=NOPE", 400, "UNKNOWN_SYMBOL", "unknown symbol NOPE"],
      ["/api/v1/order/history?limit=0", 400, "VALIDATION", "querystring.limit must be >= 1"],
      ["/api/v1/order/trades?limit=1001", 400, "VALIDATION", "querystring.limit must be <= 1000"],
      [
        "/api/v1/order/trades?limit=ten",
        400,
        "VALIDATION",
        "querystring.limit must be an integer in plain digits",
      ],
      // Never coerced: each of these was once read as a number.
      ...["1.5", "0x3", "true", "1e1", "+5", "01", "", "%205", "1&limit=2"].map(
        (v): [string, number, string, string] => [
          `/api/v1/order/active?limit=${v}`,
          400,
          "VALIDATION",
          "querystring.limit must be an integer in plain digits",
        ],
      ),
      [
        "/api/v1/order/active?user_id=1002",
        400,
        "VALIDATION",
        "querystring.user_id is not a known field",
      ],
    ];
    for (const [url, http, code, msg] of cases) {
      const r = await signed(h, h.alice, "GET", url);
      assert.equal(r.statusCode, http, url);
      assert.equal(json(r).code, code, url);
      assert.equal(json(r).msg, msg, url);
    }
    const ten = await signed(h, h.alice, "GET", "/api/v1/order/active?limit=10");
    assert.equal(ten.statusCode, 200);
  });

  test("a route without query fields refuses any (the balance, order routes)", async () => {
    for (const [method, url] of [
      ["GET", "/api/v1/user/balance?asset=USDT"],
      ["GET", "/api/v1/user/balance?user_id=1002"],
      ["POST", "/api/v1/order/cancel?order_id=1"],
    ] as const) {
      const r = await signed(h, h.alice, method, url, method === "POST" ? { cid: "x" } : undefined);
      assert.equal(r.statusCode, 400, url);
      const field = url.split("?")[1]?.split("=")[0];
      assert.deepEqual(json(r), {
        status: 100,
        msg: `querystring.${field} is not a known field`,
        code: "VALIDATION",
      });
    }
  });
});
