// Public market data: no key needed, exact strings.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ALICE, BOB, deposit, type Harness, harness, json, signed, T0 } from "./harness.ts";

let h: Harness;

before(async () => {
  h = await harness();
  await deposit(h, ALICE, "USDT", "100000", "dep-a");
  await deposit(h, BOB, "BTC", "10", "dep-b");
  const order = (key: Harness["alice"], side: string, price: string, quantity: string) =>
    signed(h, key, "POST", "/api/v1/order/create", {
      symbol: "BTC_USDT",
      side,
      order_type: "Limit",
      price,
      quantity,
    });
  await order(h.bob, "Sell", "50100", "0.5");
  await order(h.bob, "Sell", "50100", "0.25");
  await order(h.bob, "Sell", "50200", "1");
  await order(h.alice, "Buy", "49900", "0.1");
  await order(h.alice, "Buy", "49800.5", "0.2");
  h.clock.t = T0 + 1000;
  await order(h.alice, "Buy", "50100", "0.6");
});

after(async () => {
  await h.close();
});

const get = (url: string) => h.app.inject({ method: "GET", url });

describe("GET /api/v1/market/depth", () => {
  test("levels aggregate orders, best first", async () => {
    const r = await get("/api/v1/market/depth?symbol=BTC_USDT");
    assert.equal(r.statusCode, 200);
    assert.deepEqual(json(r), {
      status: 0,
      msg: "ok",
      data: {
        symbol: "BTC_USDT",
        // Six orders and cancels reached the book: the diff stream continues from update 6.
        last_update_id: 6,
        bids: [
          { price: "49900.00", quantity: "0.1000", orders: 1 },
          { price: "49800.50", quantity: "0.2000", orders: 1 },
        ],
        asks: [
          { price: "50100.00", quantity: "0.1500", orders: 1 },
          { price: "50200.00", quantity: "1.0000", orders: 1 },
        ],
      },
    });
  });

  test("limit bounds the levels a side", async () => {
    const r = await get("/api/v1/market/depth?symbol=BTC_USDT&limit=1");
    const d = json(r).data as { bids: unknown[]; asks: unknown[] };
    assert.deepEqual([d.bids.length, d.asks.length], [1, 1]);
  });

  test("an empty book", async () => {
    const r = await get("/api/v1/market/depth?symbol=ETH_USDT");
    assert.deepEqual(json(r).data, { symbol: "ETH_USDT", last_update_id: 0, bids: [], asks: [] });
  });
});

describe("GET /api/v1/market/trades", () => {
  test("one row per trade with the taker's side, newest first", async () => {
    const r = await get("/api/v1/market/trades?symbol=BTC_USDT");
    assert.equal(r.statusCode, 200);
    assert.deepEqual(json(r).data, [
      {
        trade_id: "1099511627778",
        symbol: "BTC_USDT",
        price: "50100.00",
        quantity: "0.1000",
        quote_quantity: "5010.000000",
        taker_side: "Buy",
        ts_ms: T0 + 1000,
      },
      {
        trade_id: "1099511627777",
        symbol: "BTC_USDT",
        price: "50100.00",
        quantity: "0.5000",
        quote_quantity: "25050.000000",
        taker_side: "Buy",
        ts_ms: T0 + 1000,
      },
    ]);
    const one = await get("/api/v1/market/trades?symbol=BTC_USDT&limit=1");
    assert.equal((json(one).data as unknown[]).length, 1);
  });
});

describe("market query errors", () => {
  test("unknown symbol, missing symbol, bad limit", async () => {
    const cases: [string, number, string, string][] = [
      ["/api/v1/market/depth?symbol=NOPE_USDT", 400, "UNKNOWN_SYMBOL", "unknown symbol NOPE_USDT"],
      ["/api/v1/market/trades?symbol=NOPE_USDT", 400, "UNKNOWN_SYMBOL", "unknown symbol NOPE_USDT"],
      ["/api/v1/market/depth", 400, "VALIDATION", "querystring.symbol is required"],
      [
        "/api/v1/market/trades?symbol=BTC_USDT&limit=0",
        400,
        "VALIDATION",
        "querystring.limit must be >= 1",
      ],
    ];
    for (const [url, http, code, msg] of cases) {
      const r = await get(url);
      assert.equal(r.statusCode, http, url);
      assert.equal(json(r).code, code, url);
      assert.equal(json(r).msg, msg, url);
    }
  });
});
