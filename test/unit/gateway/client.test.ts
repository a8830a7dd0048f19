// The typed client against a listening gateway: every method, signed as the
// server verifies, and failures as BourseApiError.

import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { BourseApiError, BourseClient, sign } from "../../../src/client/mod.ts";
import { sign as serverSign } from "../../../src/gateway/mod.ts";
import { ALICE, BOB, type Harness, harness } from "./harness.ts";

let h: Harness;
let baseUrl: string;
let alice: BourseClient;
let bob: BourseClient;
let operator: BourseClient;
let anonymous: BourseClient;

before(async () => {
  h = await harness({ now_ms: Date.now });
  await h.app.listen({ port: 0, host: "127.0.0.1" });
  baseUrl = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
  const as = (k: { api_key: string; secret: string }) =>
    new BourseClient({ baseUrl, apiKey: k.api_key, secret: k.secret });
  alice = as(h.alice);
  bob = as(h.bob);
  operator = as(h.operator);
  anonymous = new BourseClient({ baseUrl });
});

after(async () => {
  await h.close();
});

async function rejects(p: Promise<unknown>, status: number, code: string): Promise<BourseApiError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof BourseApiError, String(err));
    assert.deepEqual([err.status, err.code], [status, code], err.msg);
    return err;
  }
  assert.fail(`expected ${status} ${code}`);
}

describe("BourseClient", () => {
  test("a full session: transfers, orders, cancels, reads", async () => {
    assert.deepEqual(await anonymous.livez(), { status: "live" });
    assert.deepEqual(await anonymous.readyz(), { status: "ready" });

    const dep = await operator.transferIn({
      request_id: "c-dep-1",
      user_id: ALICE,
      asset: "USDT",
      amount: "10000",
    });
    assert.deepEqual(
      [dep.status, dep.avail, dep.amount],
      ["applied", "10000.000000", "10000.000000"],
    );
    await operator.transferIn({ request_id: "c-dep-2", user_id: BOB, asset: "BTC", amount: "1" });

    const sell = await bob.createOrder({
      symbol: "BTC_USDT",
      side: "Sell",
      order_type: "Limit",
      price: "50000",
      quantity: "0.1",
      cid: "bob-1",
    });
    assert.deepEqual([sell.order_id, sell.status, sell.cid], ["1", "New", "bob-1"]);

    const buy = await alice.createOrder({
      symbol: "BTC_USDT",
      side: "Buy",
      order_type: "Limit",
      price: "50001",
      quantity: "0.15",
    });
    assert.deepEqual(
      [buy.status, buy.filled_quantity, buy.remaining_quantity, buy.trades[0]?.fee],
      ["PartiallyFilled", "0.1000", "0.0500", "0.00015000"],
    );

    assert.deepEqual(await alice.balance(), [
      { asset: "BTC", avail: "0.09985000", frozen: "0.00000000" },
      { asset: "USDT", avail: "2499.950000", frozen: "2500.050000" },
      { asset: "ETH", avail: "0.00000000", frozen: "0.00000000" },
    ]);
    assert.deepEqual(
      (await alice.activeOrders({ symbol: "BTC_USDT", limit: 10 })).map((o) => o.order_id),
      ["2"],
    );
    assert.deepEqual(
      (await bob.orderHistory()).map((o) => [o.order_id, o.status]),
      [["1", "Filled"]],
    );
    assert.deepEqual(
      (await bob.trades()).map((t) => [t.trade_id, t.role, t.fee, t.fee_asset]),
      [["1099511627777", "maker", "5.000000", "USDT"]],
    );
    const depth = await anonymous.depth("BTC_USDT", 5);
    assert.ok(depth.last_update_id > 0);
    assert.deepEqual(depth, {
      symbol: "BTC_USDT",
      last_update_id: depth.last_update_id,
      bids: [{ price: "50001.00", quantity: "0.0500", orders: 1 }],
      asks: [],
    });
    assert.deepEqual(
      (await anonymous.marketTrades("BTC_USDT")).map((t) => [t.price, t.quantity, t.taker_side]),
      [["50000.00", "0.1000", "Buy"]],
    );

    const cancelled = await alice.cancelOrder({ order_id: buy.order_id });
    assert.deepEqual([cancelled.status, cancelled.reason], ["Cancelled", "USER_CANCELLED"]);

    const out = await operator.transferOut({
      request_id: "c-wd-1",
      user_id: ALICE,
      asset: "USDT",
      amount: "5000",
    });
    assert.deepEqual([out.status, out.avail], ["applied", "0.000000"]);
  });

  test("failures throw BourseApiError with HTTP status, code, message and data", async () => {
    const e = await rejects(
      alice.transferOut({ request_id: "x", user_id: ALICE, asset: "USDT", amount: "1" }),
      403,
      "FORBIDDEN",
    );
    assert.equal(e.msg, "this route needs an operator key");
    assert.equal(e.error_id, 114);
    await rejects(alice.cancelOrder({ order_id: "424242" }), 404, "UNKNOWN_ORDER");
    await rejects(anonymous.balance(), 401, "AUTH_MISSING");
    await rejects(anonymous.depth("NOPE"), 400, "UNKNOWN_SYMBOL");

    await operator.transferIn({
      request_id: "c-dep-3",
      user_id: BOB,
      asset: "USDT",
      amount: "100",
    });
    await bob.createOrder({
      symbol: "ETH_USDT",
      side: "Buy",
      order_type: "Limit",
      price: "10",
      quantity: "1",
    });
    await operator.transferIn({ request_id: "c-dep-4", user_id: ALICE, asset: "ETH", amount: "1" });
    const rejected = await rejects(
      alice.createOrder({
        symbol: "ETH_USDT",
        side: "Sell",
        order_type: "Limit",
        price: "10",
        quantity: "1",
        post_only: true,
      }),
      422,
      "POST_ONLY_WOULD_TAKE",
    );
    assert.equal((rejected.data as { status: string }).status, "Rejected");
  });

  test("a client clock outside the receive window is refused", async () => {
    const late = new BourseClient({
      baseUrl,
      apiKey: h.alice.api_key,
      secret: h.alice.secret,
      now_ms: () => Date.now() - 60_000,
    });
    await rejects(late.balance(), 401, "AUTH_STALE_TIMESTAMP");
  });

  test("credentials come in pairs", () => {
    assert.throws(() => new BourseClient({ baseUrl, apiKey: "k" }), TypeError);
  });

  test("no server: status 0 UNAVAILABLE; no answer in time: status 0 TIMEOUT", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await rejects(
      new BourseClient({ baseUrl: `http://127.0.0.1:${port}` }).livez(),
      0,
      "UNAVAILABLE",
    );

    const silent: Server = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const silentPort = (silent.address() as AddressInfo).port;
    try {
      const c = new BourseClient({ baseUrl: `http://127.0.0.1:${silentPort}`, timeout_ms: 50 });
      await rejects(c.livez(), 0, "TIMEOUT");
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });

  test("an answer that is not the gateway's envelope is UNAVAILABLE with its HTTP status", async () => {
    const proxy = createServer((_req, res) => {
      res.writeHead(502, { "content-type": "text/html" });
      res.end("<html>bad gateway</html>");
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
    const port = (proxy.address() as AddressInfo).port;
    try {
      await rejects(
        new BourseClient({ baseUrl: `http://127.0.0.1:${port}` }).livez(),
        502,
        "UNAVAILABLE",
      );
    } finally {
      await new Promise<void>((r) => proxy.close(() => r()));
    }
  });
});

describe("signing with Web Crypto", () => {
  test("signs the documented examples exactly as the gateway verifies", async () => {
    const secret = "4f1b7c2e9a0d8e63b5c4a1f07d92e8b3c6a5f4e1d0b9c8a7f6e5d4c3b2a19080";
    const body =
      '{"symbol":"BTC_USDT","side":"Buy","order_type":"Limit","price":"50000.00","quantity":"0.0100"}';
    assert.equal(
      await sign(secret, "1700000000000", "POST", "/api/v1/order/create", body),
      "e2fbda9e32f29df6b6186150951bedccc895536280340012c51f6b8f7a75bc2f",
    );
    for (const [method, path, b] of [
      ["GET", "/api/v1/order/active?symbol=BTC_USDT&limit=10", ""],
      ["post", "/p", '{"cid":"ü"}'],
      ["POST", "/p", new TextEncoder().encode('{"cid":"ü"}')],
    ] as const) {
      assert.equal(
        await sign(secret, "1", method, path, b),
        serverSign(secret, "1", method, path, b),
      );
    }
  });

  test("two identical orders sent in the same millisecond are both placed, not taken for a replay", async () => {
    const t = Date.now();
    const fixed = new BourseClient({
      baseUrl,
      apiKey: h.alice.api_key,
      secret: h.alice.secret,
      now_ms: () => t,
    });
    await operator.transferIn({
      request_id: "c-dep-same",
      user_id: ALICE,
      asset: "USDT",
      amount: "100",
    });
    const order = {
      symbol: "BTC_USDT",
      side: "Buy" as const,
      order_type: "Limit" as const,
      price: "1",
      quantity: "1",
    };
    const [a, b] = await Promise.all([fixed.createOrder(order), fixed.createOrder(order)]);
    assert.notEqual(a.order_id, b.order_id);
    assert.deepEqual([a.status, b.status], ["New", "New"]);
  });
  test("trading methods: OCO, amend, cancel-replace, cancel-all, cancel-all-after", async () => {
    await bob.cancelAll();
    const funds = await bob.balance();
    const oco = await bob.createOco({
      symbol: "BTC_USDT",
      side: "Sell",
      quantity: "0.01",
      price: "90000",
      stop_type: "StopLoss",
      stop_price: "10000",
    });
    const [limit, stop] = oco.orders as [(typeof oco.orders)[0], (typeof oco.orders)[0]];
    assert.deepEqual(
      [limit.status, stop.status, stop.stop_price, limit.oco_order_id],
      ["New", "Untriggered", "10000.00", stop.order_id],
    );
    await rejects(
      bob.amendOrder({ symbol: "BTC_USDT", order_id: limit.order_id, price: "91000" }),
      422,
      "AMEND_NOT_ALLOWED",
    );
    const placed = await bob.createOrder({
      symbol: "BTC_USDT",
      side: "Sell",
      order_type: "Limit",
      price: "95000",
      quantity: "0.02",
      cid: "c-amend",
    });
    const amended = await bob.amendOrder({ symbol: "BTC_USDT", cid: "c-amend", quantity: "0.01" });
    assert.deepEqual(
      [amended.order_id, amended.quantity, amended.reason],
      [placed.order_id, "0.0100", "ORDER_AMENDED"],
    );
    const replaced = await bob.cancelReplace({
      cid: "c-amend",
      mode: "StopOnFailure",
      order: {
        symbol: "BTC_USDT",
        side: "Sell",
        order_type: "Limit",
        price: "96000",
        quantity: "0.01",
      },
    });
    assert.deepEqual(
      [replaced.cancel?.order_id, replaced.cancel?.status, replaced.order?.status],
      [placed.order_id, "Cancelled", "New"],
    );
    const failed = await rejects(
      bob.cancelReplace({
        cid: "c-amend",
        mode: "StopOnFailure",
        order: {
          symbol: "BTC_USDT",
          side: "Sell",
          order_type: "Limit",
          price: "96000",
          quantity: "0.01",
        },
      }),
      404,
      "UNKNOWN_ORDER",
    );
    assert.deepEqual(failed.data, {
      cancel: null,
      cancel_code: "UNKNOWN_ORDER",
      order: null,
      order_code: "NOT_ATTEMPTED",
    });
    const all = await bob.cancelAll({ symbol: "BTC_USDT" });
    assert.deepEqual(
      all.cancelled.map((c) => c.order_id),
      [limit.order_id, stop.order_id, replaced.order?.order_id],
    );
    assert.deepEqual(await bob.balance(), funds);
    assert.deepEqual(await bob.cancelAllAfter(60_000), { timeout_ms: 60_000, armed: true });
    assert.deepEqual(await bob.cancelAllAfter(0), { timeout_ms: 0, armed: false });
  });
});
