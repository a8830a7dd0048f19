// The Binance surface over a real in-process exchange: authentication and
// its failures, parameters in the query or a form body, every refusal with
// Binance's code and nothing changed, lookups by client order id, the
// shared rate limiter and its headers, and the paths Bourse does not offer.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { CommandKind, placeCommand } from "../../../src/core/mod.ts";
import { type BnOptions, bn, body, failed, type Method } from "./binance-harness.ts";
import { ALICE, BOB, deposit, type Harness, harness, observe, signed } from "./harness.ts";

const BOOK = "/api/v3/depth?symbol=BTCUSDT";

describe("Binance surface", () => {
  let h: Harness;

  before(async () => {
    h = await harness();
    await deposit(h, ALICE, "USDT", "100000", "bn-a");
    await deposit(h, BOB, "BTC", "10", "bn-b");
  });
  after(() => h.close());

  const order = (who: "alice" | "bob", params: Record<string, string>, o: BnOptions = {}) =>
    bn(h, who === "alice" ? h.alice : h.bob, "POST", "/api/v3/order", params, o);

  test("signed by query string or by form body; the same keys as /api/v1", async () => {
    const r0 = await bn(h, h.alice, "GET", "/api/v3/account");
    assert.equal(r0.statusCode, 200, r0.body);
    assert.equal(body(r0).uid, ALICE);
    const r = await bn(
      h,
      h.alice,
      "POST",
      "/api/v3/order/test",
      {
        symbol: "BTCUSDT",
        side: "BUY",
        type: "LIMIT",
        timeInForce: "GTC",
        price: "100",
        quantity: "1",
      },
      { body: true },
    );
    assert.deepEqual([r.statusCode, body(r)], [200, {}]);
  });

  test("authentication failures answer Binance's codes and statuses", async () => {
    const account = (o: BnOptions, key = h.alice) => bn(h, key, "GET", "/api/v3/account", {}, o);
    assert.deepEqual(failed(await account({ headers: { "x-mbx-apikey": undefined } })), [
      401,
      -2014,
      "API-key format invalid.",
    ]);
    assert.deepEqual(failed(await account({ headers: { "x-mbx-apikey": "bk_nope" } })), [
      401,
      -2015,
      "Invalid API-key, IP, or permissions for action.",
    ]);
    assert.equal(failed(await account({}, h.operator))[1], -2015);
    assert.deepEqual(failed(await account({ secret: "wrong" })), [
      400,
      -1022,
      "Signature for this request is not valid.",
    ]);
    assert.deepEqual(failed(await account({ ts: h.clock.t - 5001 })), [
      400,
      -1021,
      "Timestamp for this request is outside of the recvWindow.",
    ]);
    assert.equal(failed(await account({ ts: h.clock.t + 1000 }))[1], -1021);
    assert.equal(failed(await account({ unsigned: true }))[1], -1102);
    const wide = await bn(
      h,
      h.alice,
      "GET",
      "/api/v3/account",
      { recvWindow: "20000" },
      { ts: h.clock.t - 15_000 },
    );
    assert.equal(wide.statusCode, 200, wide.body);
    assert.equal(
      failed(await bn(h, h.alice, "GET", "/api/v3/account", { recvWindow: "60001" }))[1],
      -1102,
    );
    const json = await h.app.inject({
      method: "POST",
      url: "/api/v3/order",
      headers: { "x-mbx-apikey": h.alice.api_key, "content-type": "application/json" },
      payload: JSON.stringify({ symbol: "BTCUSDT" }),
    });
    assert.equal(failed(json)[1], -1100);
  });

  test("every refused order answers its Binance code and changes nothing", async () => {
    const seen = await observe(h, h.alice);
    const limit = {
      symbol: "BTCUSDT",
      side: "BUY",
      type: "LIMIT",
      timeInForce: "GTC",
      price: "100",
      quantity: "1",
    };
    const without = (name: string) =>
      Object.fromEntries(Object.entries(limit).filter(([k]) => k !== name));
    const cases: [Record<string, string>, number, string?][] = [
      [{ ...limit, symbol: "BTC_USDT" }, -1121, "Invalid symbol."],
      [{ ...limit, side: "LONG" }, -1117, "Invalid side."],
      [{ ...limit, type: "STOP" }, -1116, "Invalid orderType."],
      [
        { ...limit, type: "TAKE_PROFIT_LIMIT" },
        -1102,
        "Mandatory parameter 'stopPrice' was not sent, was empty/null, or malformed.",
      ],
      [{ ...limit, type: "TAKE_PROFIT", stopPrice: "90" }, -1114],
      [{ ...limit, timeInForce: "GTD" }, -1115, "Invalid timeInForce."],
      [
        without("timeInForce"),
        -1102,
        "Mandatory parameter 'timeInForce' was not sent, was empty/null, or malformed.",
      ],
      [without("price"), -1102],
      [
        { ...limit, quoteOrderQty: "10" },
        -1106,
        "Parameter 'quoteOrderQty' sent when not required.",
      ],
      [{ ...limit, icebergQty: "0.1" }, -2010, "Iceberg orders are not supported for this symbol."],
      [{ ...limit, stopPrice: "90" }, -1106],
      [{ ...limit, strategyId: "7" }, -1020],
      [{ ...limit, price: "100.001" }, -1013, "Filter failure: PRICE_FILTER"],
      [{ ...limit, price: "100.0000001" }, -1111, "Parameter 'price' has too much precision."],
      [{ ...limit, price: "1000000.01" }, -1013, "Filter failure: PRICE_FILTER"],
      [{ ...limit, quantity: "0.00001" }, -1013, "Filter failure: LOT_SIZE"],
      [{ ...limit, quantity: "0" }, -1013, "Filter failure: LOT_SIZE"],
      [{ ...limit, price: "1", quantity: "0.5" }, -1013, "Filter failure: NOTIONAL"],
      [
        { ...limit, price: "10000", quantity: "11" },
        -2010,
        "Account has insufficient balance for requested action.",
      ],
      [{ ...limit, newClientOrderId: "has space" }, -1100],
      [{ ...limit, selfTradePreventionMode: "DECREMENT" }, -1130],
      [{ ...limit, newOrderRespType: "ALL" }, -1130],
      [{ ...limit, foo: "1" }, -1104],
      [{ symbol: "BTCUSDT", side: "BUY", type: "MARKET", quantity: "1", price: "100" }, -1106],
      [
        { symbol: "BTCUSDT", side: "BUY", type: "MARKET", quantity: "1", timeInForce: "GTC" },
        -1114,
      ],
      [{ symbol: "BTCUSDT", side: "BUY", type: "MARKET" }, -1102],
      [{ symbol: "BTCUSDT", side: "SELL", type: "MARKET", quoteOrderQty: "10" }, -1014],
      [
        { symbol: "BTCUSDT", side: "BUY", type: "MARKET", quantity: "1" },
        -2010,
        "Order book liquidity is less than symbol minimum quantity.",
      ],
    ];
    for (const [params, code, msg] of cases) {
      const [status, got, text] = failed(await order("alice", params));
      assert.equal(got, code, `${JSON.stringify(params)}: ${text}`);
      assert.ok(status >= 400 && status < 500);
      if (msg !== undefined) assert.equal(text, msg);
    }
    assert.deepEqual(await observe(h, h.alice), seen);
  });

  test("place, query and cancel by client order id; other users' orders read as unknown", async () => {
    const placed = await order("bob", {
      symbol: "BTCUSDT",
      side: "SELL",
      type: "LIMIT_MAKER",
      price: "50000",
      quantity: "0.1",
      newClientOrderId: "bob-1",
    });
    assert.equal(placed.statusCode, 200, placed.body);
    // LIMIT_MAKER answers ACK unless asked otherwise.
    assert.deepEqual(Object.keys(body(placed)), [
      "symbol",
      "orderId",
      "orderListId",
      "clientOrderId",
      "transactTime",
    ]);
    const id = String(body(placed).orderId);
    const q = await bn(h, h.bob, "GET", "/api/v3/order", {
      symbol: "BTCUSDT",
      origClientOrderId: "bob-1",
    });
    assert.deepEqual(
      [body(q).orderId, body(q).type, body(q).status],
      [Number(id), "LIMIT_MAKER", "NEW"],
    );
    const mismatch = await bn(h, h.bob, "GET", "/api/v3/order", {
      symbol: "BTCUSDT",
      orderId: id,
      origClientOrderId: "x",
    });
    assert.equal(failed(mismatch)[1], -2039);
    assert.equal(
      failed(await bn(h, h.alice, "GET", "/api/v3/order", { symbol: "BTCUSDT", orderId: id }))[1],
      -2013,
    );
    assert.equal(
      failed(await bn(h, h.bob, "GET", "/api/v3/order", { symbol: "ETHUSDT", orderId: id }))[1],
      -2013,
    );
    const seen = await observe(h, h.bob);
    assert.equal(
      failed(
        await bn(h, h.alice, "DELETE", "/api/v3/order", { symbol: "BTCUSDT", orderId: id }),
      )[1],
      -2011,
    );
    assert.equal(
      failed(await bn(h, h.bob, "DELETE", "/api/v3/order", { symbol: "ETHUSDT", orderId: id }))[1],
      -2011,
    );
    assert.equal(
      failed(await bn(h, h.bob, "DELETE", "/api/v3/order", { symbol: "BTCUSDT" }))[1],
      -1102,
    );
    assert.deepEqual(await observe(h, h.bob), seen);
    const c = await bn(h, h.bob, "DELETE", "/api/v3/order", {
      symbol: "BTCUSDT",
      origClientOrderId: "bob-1",
      newClientOrderId: "cancel-1",
    });
    assert.deepEqual(
      [body(c).status, body(c).origClientOrderId, body(c).clientOrderId, body(c).orderId],
      ["CANCELED", "bob-1", "cancel-1", Number(id)],
    );
    assert.deepEqual(
      failed(await bn(h, h.bob, "DELETE", "/api/v3/order", { symbol: "BTCUSDT", orderId: id })),
      [400, -2011, "Unknown order sent."],
    );
  });

  test("an order placed here is traced with the gateway's events", async () => {
    h.events.length = 0;
    const r = await order("alice", {
      symbol: "BTCUSDT",
      side: "BUY",
      type: "LIMIT",
      timeInForce: "IOC",
      price: "100",
      quantity: "0.5",
    });
    assert.equal(body(r).status, "EXPIRED");
    assert.deepEqual(
      h.events.map((e) => e.event.name),
      ["ORDER_RECEIVED", "ORDER_ANSWERED"],
    );
    assert.equal(h.events[1]?.fields.event_id, String(body(r).orderId));
  });

  test("depth's lastUpdateId moves with the book", async () => {
    const before = body(await h.app.inject({ method: "GET", url: BOOK })).lastUpdateId as number;
    await order("bob", {
      symbol: "BTCUSDT",
      side: "SELL",
      type: "LIMIT",
      timeInForce: "GTC",
      price: "60000",
      quantity: "0.2",
    });
    const d = body(await h.app.inject({ method: "GET", url: BOOK }));
    assert.ok((d.lastUpdateId as number) > before);
    assert.deepEqual(d.asks, [["60000.000000", "0.20000000"]]);
  });

  test("allOrders answers -1127 rather than a short list when it would reach past the newest 1000", async () => {
    const first = body(
      await order("alice", {
        symbol: "ETHUSDT",
        side: "BUY",
        type: "LIMIT",
        timeInForce: "IOC",
        price: "1",
        quantity: "1",
      }),
    ).orderId as number;
    for (let i = 0; i < 1000; i++) {
      const cmd = placeCommand(
        h.backend.spec,
        {
          user_id: ALICE,
          symbol: "ETH_USDT",
          side: "Buy",
          order_type: "Limit",
          time_in_force: "IOC",
          price: "1",
          quantity: "1",
        },
        h.clock.t,
      );
      assert.equal(cmd.kind, CommandKind.Place);
      await h.backend.place(cmd);
    }
    const all = (params: Record<string, string>) =>
      bn(h, h.alice, "GET", "/api/v3/allOrders", { symbol: "ETHUSDT", ...params });
    const newest = body(await all({ limit: "1000" })) as unknown as { orderId: number }[];
    assert.equal(newest.length, 1000);
    assert.ok(newest.every((o, i) => i === 0 || o.orderId > (newest[i - 1]?.orderId ?? 0)));
    assert.equal(failed(await all({ orderId: String(first) }))[1], -1127);
    const from = newest[10]?.orderId as number;
    const page = body(await all({ orderId: String(from), limit: "5" })) as unknown as {
      orderId: number;
    }[];
    assert.deepEqual(
      page.map((o) => o.orderId),
      newest.slice(10, 15).map((o) => o.orderId),
    );
  });

  test("the limiter is the gateway's own: one budget per key across both surfaces, Binance's headers and 429", async () => {
    const limited = await harness({
      rate_limit: { rate_per_s: 1, burst: 3 },
      public_rate_limit: { rate_per_s: 1, burst: 2 },
    });
    try {
      await deposit(limited, ALICE, "USDT", "1000", "rl-1");
      const v1 = await signed(limited, limited.alice, "GET", "/api/v1/user/balance");
      assert.equal(v1.statusCode, 200);
      const a = await bn(limited, limited.alice, "GET", "/api/v3/account");
      assert.equal(a.headers["x-mbx-used-weight-1m"], "2");
      const b = await bn(limited, limited.alice, "GET", "/api/v3/openOrders");
      assert.equal(b.headers["x-mbx-used-weight-1m"], "3");
      const refused = await bn(limited, limited.alice, "GET", "/api/v3/account");
      assert.deepEqual(failed(refused).slice(0, 2), [429, -1003]);
      assert.equal(refused.headers["retry-after"], "1");
      const pub = await limited.app.inject({ method: "GET", url: "/api/v3/ping" });
      assert.equal(pub.headers["x-mbx-used-weight-1m"], "1");
      const info = body(await limited.app.inject({ method: "GET", url: "/api/v3/exchangeInfo" }));
      assert.deepEqual(
        (info.rateLimits as { limit: number }[]).map((l) => l.limit),
        [63, 4, 13, 86_403],
      );
    } finally {
      await limited.close();
    }
  });

  test("listen keys belong to their user and expire after an hour", async () => {
    const open = (key = h.alice) =>
      bn(h, key, "POST", "/api/v3/userDataStream", {}, { unsigned: true });
    const k = body(await open()).listenKey as string;
    const put = (key = h.alice, m: Method = "PUT") =>
      bn(h, key, m, "/api/v3/userDataStream", { listenKey: k }, { unsigned: true });
    assert.equal((await put()).statusCode, 200);
    assert.equal(failed(await put(h.bob))[1], -1125);
    h.clock.t += 60 * 60_000;
    assert.equal(failed(await put())[1], -1125);
    const again = body(await open()).listenKey as string;
    assert.notEqual(again, k);
    h.clock.t -= 60 * 60_000;
  });

  test("what Bourse does not offer answers -1020, never 200", async () => {
    for (const [method, url] of [
      ["GET", "/sapi/v1/margin/account"],
      ["POST", "/fapi/v1/order"],
      ["GET", "/dapi/v1/exchangeInfo"],
      ["GET", "/eapi/v1/ticker"],
      ["GET", "/papi/v1/um/account"],
      ["POST", "/api/v3/orderList/oto"],
      ["GET", "/api/v3/avgPrice?symbol=BTCUSDT"],
    ] as const) {
      const r = await h.app.inject({ method, url });
      assert.deepEqual(failed(r).slice(0, 2), [404, -1020], `${method} ${url}`);
    }
  });

  test("a backend that is not ready or does not answer is -1001 or -1007 with 503", async () => {
    h.backend.setReady(false);
    assert.deepEqual(
      failed(await h.app.inject({ method: "GET", url: "/api/v3/ping" })).slice(0, 2),
      [503, -1001],
    );
    h.backend.setReady(true);
    h.backend.setOutage("TIMEOUT");
    const r = await order("alice", {
      symbol: "BTCUSDT",
      side: "BUY",
      type: "LIMIT",
      timeInForce: "GTC",
      price: "100",
      quantity: "1",
    });
    assert.deepEqual(failed(r).slice(0, 2), [503, -1007]);
    h.backend.setOutage(null);
  });
});
