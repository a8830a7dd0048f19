// The Binance surface's trading commands over a real exchange: stop orders
// with stopPrice, OCO order lists, cancel-replace, cancel-all of a symbol as
// one command and amend keeping priority, each with the balances and states
// that follow and Binance's codes for what is refused.

import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { bn, body, failed } from "./binance-harness.ts";
import { ALICE, BOB, balances, deposit, type Harness, harness, observe } from "./harness.ts";

let h: Harness;

beforeEach(async () => {
  h = await harness();
  await deposit(h, ALICE, "USDT", "10000", "bt-a");
  await deposit(h, BOB, "BTC", "1", "bt-b");
});

afterEach(() => h.close());

type Row = Record<string, unknown>;

const sell = (extra: Record<string, string>) => ({ symbol: "BTCUSDT", side: "SELL", ...extra });

async function ok(
  key: Harness["bob"],
  method: "POST" | "DELETE" | "PUT" | "GET",
  path: string,
  params: Record<string, string>,
) {
  const r = await bn(h, key, method, path, params);
  assert.equal(r.statusCode, 200, r.body);
  return JSON.parse(r.body) as unknown;
}

async function openOrders(key: Harness["bob"]): Promise<Row[]> {
  return (await ok(key, "GET", "/api/v3/openOrders", { symbol: "BTCUSDT" })) as Row[];
}

const BOB_BTC = (avail: string, frozen: string) => ({ asset: "BTC", avail, frozen });

describe("Binance trading commands", () => {
  test("STOP_LOSS_LIMIT with stopPrice waits NEW, not working, its funds frozen", async () => {
    const placed = (await ok(
      h.bob,
      "POST",
      "/api/v3/order",
      sell({
        type: "STOP_LOSS_LIMIT",
        timeInForce: "GTC",
        price: "48900",
        stopPrice: "49000",
        quantity: "0.1",
        newClientOrderId: "stop-1",
        newOrderRespType: "RESULT",
      }),
    )) as Row;
    assert.deepEqual(
      [placed.orderId, placed.type, placed.status, placed.price, placed.stopPrice],
      [1, "STOP_LOSS_LIMIT", "NEW", "48900.000000", "49000.000000"],
    );
    const [open] = await openOrders(h.bob);
    assert.deepEqual(
      [open?.type, open?.status, open?.isWorking, open?.stopPrice, open?.orderListId],
      ["STOP_LOSS_LIMIT", "NEW", false, "49000.000000", -1],
    );
    assert.deepEqual(((await balances(h, h.bob)) as Row[])[0], BOB_BTC("0.90000000", "0.10000000"));
    // STOP_LOSS takes no price and no timeInForce, and needs stopPrice.
    assert.deepEqual(
      failed(
        await bn(h, h.bob, "POST", "/api/v3/order", sell({ type: "STOP_LOSS", quantity: "0.1" })),
      ).slice(0, 2),
      [400, -1102],
    );
    const market = await ok(
      h.bob,
      "POST",
      "/api/v3/order",
      sell({ type: "STOP_LOSS", stopPrice: "40000", quantity: "0.1" }),
    );
    // Stop types answer ACK unless asked otherwise, as Binance's do.
    assert.deepEqual(Object.keys(market as Row).sort(), [
      "clientOrderId",
      "orderId",
      "orderListId",
      "symbol",
      "transactTime",
    ]);
  });

  test("POST /api/v3/orderList/oco: a LIMIT_MAKER above and a STOP_LOSS_LIMIT below, one freeze", async () => {
    const r = (await ok(h.bob, "POST", "/api/v3/orderList/oco", {
      symbol: "BTCUSDT",
      side: "SELL",
      quantity: "0.1",
      aboveType: "LIMIT_MAKER",
      abovePrice: "52000",
      aboveClientOrderId: "tp",
      belowType: "STOP_LOSS_LIMIT",
      belowStopPrice: "48000",
      belowPrice: "47900",
      belowTimeInForce: "GTC",
      belowClientOrderId: "sl",
      listClientOrderId: "my-list",
    })) as Row;
    assert.deepEqual(
      [r.orderListId, r.contingencyType, r.listOrderStatus, r.listClientOrderId],
      [1, "OCO", "EXECUTING", "my-list"],
    );
    assert.deepEqual(r.orders, [
      { symbol: "BTCUSDT", orderId: 2, clientOrderId: "sl" },
      { symbol: "BTCUSDT", orderId: 1, clientOrderId: "tp" },
    ]);
    const reports = r.orderReports as Row[];
    assert.deepEqual(
      reports.map((o) => [o.orderId, o.type, o.status, o.price, o.stopPrice, o.orderListId]),
      [
        [2, "STOP_LOSS_LIMIT", "NEW", "47900.000000", "48000.000000", 1],
        [1, "LIMIT_MAKER", "NEW", "52000.000000", "0.000000", 1],
      ],
    );
    assert.deepEqual(((await balances(h, h.bob)) as Row[])[0], BOB_BTC("0.90000000", "0.10000000"));
    // The limit leg fills; the stop leg is cancelled with it.
    await ok(h.alice, "POST", "/api/v3/order", {
      symbol: "BTCUSDT",
      side: "BUY",
      type: "LIMIT",
      timeInForce: "GTC",
      price: "52000",
      quantity: "0.1",
    });
    assert.deepEqual(await openOrders(h.bob), []);
    const all = (await ok(h.bob, "GET", "/api/v3/allOrders", { symbol: "BTCUSDT" })) as Row[];
    assert.deepEqual(
      all.map((o) => [o.orderId, o.status]),
      [
        [1, "FILLED"],
        [2, "CANCELED"],
      ],
    );
  });

  test("orderList/oco refusals: two stop legs, a missing price, too little balance", async () => {
    const seen = await observe(h, h.bob);
    const base = {
      symbol: "BTCUSDT",
      side: "SELL",
      quantity: "0.1",
      aboveType: "LIMIT_MAKER",
      abovePrice: "52000",
      belowType: "STOP_LOSS",
      belowStopPrice: "48000",
    };
    const oco = (p: Record<string, string>) => bn(h, h.bob, "POST", "/api/v3/orderList/oco", p);
    assert.deepEqual(
      failed(await oco({ ...base, aboveType: "TAKE_PROFIT", aboveStopPrice: "53000" })).slice(0, 2),
      [400, -1014],
    );
    const { abovePrice: _, ...noPrice } = base;
    assert.deepEqual(failed(await oco(noPrice)).slice(0, 2), [400, -1102]);
    assert.deepEqual(failed(await oco({ ...base, quantity: "2" })).slice(0, 2), [400, -2010]);
    assert.deepEqual(await observe(h, h.bob), seen);
  });

  test("POST /api/v3/order/cancelReplace: both halves, and a failed cancel under STOP_ON_FAILURE", async () => {
    await ok(h.bob, "POST", "/api/v3/order", {
      ...sell({ type: "LIMIT", timeInForce: "GTC", price: "50000", quantity: "0.9" }),
      newClientOrderId: "b1",
    });
    const r = (await ok(h.bob, "POST", "/api/v3/order/cancelReplace", {
      ...sell({ type: "LIMIT", timeInForce: "GTC", price: "51000", quantity: "0.2" }),
      cancelReplaceMode: "STOP_ON_FAILURE",
      cancelOrigClientOrderId: "b1",
      newClientOrderId: "b2",
    })) as Row;
    assert.deepEqual([r.cancelResult, r.newOrderResult], ["SUCCESS", "SUCCESS"]);
    const c = r.cancelResponse as Row;
    const n = r.newOrderResponse as Row;
    assert.deepEqual([c.orderId, c.status, c.origClientOrderId], [1, "CANCELED", "b1"]);
    assert.deepEqual(
      [n.orderId, n.status, n.clientOrderId, n.price],
      [2, "NEW", "b2", "51000.000000"],
    );
    assert.deepEqual(((await balances(h, h.bob)) as Row[])[0], BOB_BTC("0.80000000", "0.20000000"));

    const seen = await observe(h, h.bob);
    const bad = await bn(h, h.bob, "POST", "/api/v3/order/cancelReplace", {
      ...sell({ type: "LIMIT", timeInForce: "GTC", price: "51000", quantity: "0.2" }),
      cancelReplaceMode: "STOP_ON_FAILURE",
      cancelOrderId: "99",
    });
    assert.equal(bad.statusCode, 400);
    assert.deepEqual(body(bad), {
      code: -2022,
      msg: "Order cancel-replace failed.",
      data: {
        cancelResult: "FAILURE",
        newOrderResult: "NOT_ATTEMPTED",
        cancelResponse: { code: -2011, msg: "Unknown order sent." },
        newOrderResponse: {
          code: -1013,
          msg: "Not attempted: the other half of the cancel-replace failed.",
        },
      },
    });
    assert.deepEqual(await observe(h, h.bob), seen);
  });

  test("DELETE /api/v3/openOrders cancels a symbol's orders, stops and OCO legs, in one command", async () => {
    await ok(
      h.bob,
      "POST",
      "/api/v3/order",
      sell({ type: "LIMIT", timeInForce: "GTC", price: "50000", quantity: "0.1" }),
    );
    await ok(
      h.bob,
      "POST",
      "/api/v3/order",
      sell({ type: "STOP_LOSS", stopPrice: "40000", quantity: "0.2" }),
    );
    await ok(h.bob, "POST", "/api/v3/orderList/oco", {
      symbol: "BTCUSDT",
      side: "SELL",
      quantity: "0.3",
      aboveType: "LIMIT_MAKER",
      abovePrice: "60000",
      belowType: "STOP_LOSS",
      belowStopPrice: "41000",
    });
    const r = (await ok(h.bob, "DELETE", "/api/v3/openOrders", { symbol: "BTCUSDT" })) as Row[];
    assert.deepEqual(
      r.map((o) => [o.orderId, o.status, o.type, o.orderListId]),
      [
        [1, "CANCELED", "LIMIT", -1],
        [2, "CANCELED", "STOP_LOSS", -1],
        [3, "CANCELED", "LIMIT_MAKER", 3],
        [4, "CANCELED", "STOP_LOSS", 3],
      ],
    );
    assert.deepEqual(((await balances(h, h.bob)) as Row[])[0], BOB_BTC("1.00000000", "0.00000000"));
    assert.deepEqual(
      failed(await bn(h, h.bob, "DELETE", "/api/v3/openOrders", { symbol: "BTCUSDT" })).slice(0, 2),
      [400, -2011],
    );
  });

  test("PUT /api/v3/order/amend/keepPriority lowers the quantity; a higher one is refused", async () => {
    await ok(h.bob, "POST", "/api/v3/order", {
      ...sell({ type: "LIMIT", timeInForce: "GTC", price: "50000", quantity: "0.1" }),
      newClientOrderId: "k",
    });
    const r = (await ok(h.bob, "PUT", "/api/v3/order/amend/keepPriority", {
      symbol: "BTCUSDT",
      origClientOrderId: "k",
      newQty: "0.04",
    })) as { amendedOrder: Row };
    assert.deepEqual(
      [r.amendedOrder.orderId, r.amendedOrder.qty, r.amendedOrder.status, r.amendedOrder.price],
      [1, "0.04000000", "NEW", "50000.000000"],
    );
    assert.deepEqual(((await balances(h, h.bob)) as Row[])[0], BOB_BTC("0.96000000", "0.04000000"));
    const up = await bn(h, h.bob, "PUT", "/api/v3/order/amend/keepPriority", {
      symbol: "BTCUSDT",
      orderId: "1",
      newQty: "0.05",
    });
    assert.deepEqual(failed(up).slice(0, 2), [400, -1013]);
    const unknown = await bn(h, h.bob, "PUT", "/api/v3/order/amend/keepPriority", {
      symbol: "BTCUSDT",
      orderId: "9",
      newQty: "0.01",
    });
    assert.equal(failed(unknown)[0], 400);
  });
});
