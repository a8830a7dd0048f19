// Binance's own Node connector (@binance/connector) against `bourse start`:
// it signs everything in the query string and sends a JSON content type with
// no body, unlike ccxt's form bodies. The basic flow, with the rate-limit
// headers the gateway's real limiter drives.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Spot } from "@binance/connector";
import { connectorFor } from "../support/binance-clients.ts";
import {
  clientFor,
  createKey,
  eventually,
  type Running,
  startExchange,
} from "../support/exchange-process.ts";

const SELLER = 3001;
const BUYER = 3002;

interface AxiosFailure {
  response?: {
    status: number;
    data: { code: number; msg: string };
    headers: Record<string, string>;
  };
}

async function failure(
  p: Promise<unknown>,
): Promise<{ status: number; code: number; msg: string }> {
  try {
    await p;
  } catch (err) {
    const r = (err as AxiosFailure).response;
    assert.ok(r !== undefined, `no HTTP answer: ${String(err)}`);
    return { status: r.status, code: r.data.code, msg: r.data.msg };
  }
  assert.fail("expected the request to fail");
}

describe("@binance/connector against bourse start", () => {
  const dir = mkdtempSync(join(tmpdir(), "bourse-bnc-"));
  let ex: Running;
  let seller: Spot;
  let buyer: Spot;

  const balances = async (c: Spot) =>
    Object.fromEntries(
      (await c.account()).data.balances.map((b) => [b.asset, `${b.free}/${b.locked}`]),
    );

  before(async () => {
    ex = await startExchange(dir, ["--rate-limit-per-s", "50", "--rate-limit-burst", "100"]);
    const op = clientFor(ex.url, createKey(dir, "operator"));
    await op.transferIn({ request_id: "bc-1", user_id: SELLER, asset: "ETH", amount: "20" });
    await op.transferIn({ request_id: "bc-2", user_id: BUYER, asset: "USDT", amount: "10000" });
    seller = connectorFor(ex.url, createKey(dir, { user: SELLER }));
    buyer = connectorFor(ex.url, createKey(dir, { user: BUYER }));
  });

  after(async () => {
    await ex?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("public routes: ping, time, exchange info with the real limits, empty book", async () => {
    const pub = connectorFor(ex.url);
    assert.deepEqual((await pub.ping()).data, {});
    assert.ok(Math.abs((await pub.time()).data.serverTime - Date.now()) < 5000);
    const info = (await pub.exchangeInfo({ symbol: "ETHUSDT" })).data as unknown as {
      rateLimits: { rateLimitType: string; interval: string; intervalNum: number; limit: number }[];
      symbols: { symbol: string; filters: { filterType: string }[] }[];
    };
    assert.deepEqual(
      info.symbols.map((s) => s.symbol),
      ["ETHUSDT"],
    );
    assert.deepEqual(
      info.rateLimits.map((l) => [l.rateLimitType, l.interval, l.intervalNum, l.limit]),
      [
        ["REQUEST_WEIGHT", "MINUTE", 1, 100 + 50 * 60],
        ["RAW_REQUESTS", "SECOND", 1, 150],
        ["ORDERS", "SECOND", 10, 600],
        ["ORDERS", "DAY", 1, 100 + 50 * 86_400],
      ],
    );
    const depth = await pub.depth("ETHUSDT", { limit: 5 });
    assert.deepEqual([depth.data.bids, depth.data.asks], [[], []]);
    assert.ok(Number(depth.headers["x-mbx-used-weight-1m"]) >= 1);
  });

  test("orders: place, query, list, fill, cancel; balances exact; headers counted", async () => {
    const sell = await seller.newOrder("ETHUSDT", "SELL", "LIMIT", {
      price: "2500.5",
      quantity: "2",
      timeInForce: "GTC",
      newClientOrderId: "eth-sell-1",
    });
    assert.equal(sell.data.status, "NEW");
    assert.equal(sell.data.clientOrderId, "eth-sell-1");
    assert.equal(sell.headers["x-mbx-order-count-10s"], "1");
    assert.equal(sell.headers["x-mbx-order-count-1d"], "1");
    const orderId = sell.data.orderId as number;
    const q = await seller.getOrder("ETHUSDT", { origClientOrderId: "eth-sell-1" });
    assert.equal(q.data.orderId, orderId);
    assert.equal(q.data.price, "2500.500000");
    assert.equal(q.data.origQty, "2.00000000");
    assert.deepEqual(
      (await seller.openOrders({ symbol: "ETHUSDT" })).data.map((o) => o.orderId),
      [orderId],
    );
    const buy = await buyer.newOrder("ETHUSDT", "BUY", "LIMIT", {
      price: "2501",
      quantity: "1.5",
      timeInForce: "GTC",
      newOrderRespType: "RESULT",
    });
    assert.equal(buy.data.status, "FILLED");
    assert.equal(buy.data.executedQty, "1.50000000");
    assert.equal(buy.data.cummulativeQuoteQty, "3750.750000");
    assert.equal(buy.data.fills, undefined);
    const cancelled = await seller.cancelOrder("ETHUSDT", { orderId });
    assert.equal(cancelled.data.status, "CANCELED");
    assert.equal(cancelled.data.executedQty, "1.50000000");
    assert.equal(cancelled.data.origClientOrderId, "eth-sell-1");
    // Seller: 1.5 ETH sold at 2500.5, 0.1% maker fee on 3750.75 USDT = 3.75075.
    assert.deepEqual(await balances(seller), {
      BTC: "0.00000000/0.00000000",
      USDT: "3746.999250/0.000000",
      ETH: "18.50000000/0.00000000",
    });
    // Buyer: paid 3750.75 USDT; 0.15% taker fee in ETH on 1.5 = 0.00225.
    assert.deepEqual(await balances(buyer), {
      BTC: "0.00000000/0.00000000",
      USDT: "6249.250000/0.000000",
      ETH: "1.49775000/0.00000000",
    });
    const trades = await eventually(
      async () => (await buyer.myTrades("ETHUSDT")).data,
      (t) => t.length === 1,
      "the buyer's trade",
    );
    assert.deepEqual(
      trades.map((t) => [t.price, t.qty, t.commission, t.commissionAsset, t.isBuyer, t.isMaker]),
      [["2500.500000", "1.50000000", "0.00225000", "ETH", true, false]],
    );
    const kl = await eventually(
      async () => (await connectorFor(ex.url).klines("ETHUSDT", "1h")).data,
      (k) => k.length === 1,
      "one candle",
    );
    assert.equal(kl[0]?.[5], "1.50000000");
  });

  test("test orders validate without trading; errors carry Binance's codes", async () => {
    assert.deepEqual(
      (
        await buyer.newOrderTest("ETHUSDT", "BUY", "LIMIT", {
          price: "1",
          quantity: "1",
          timeInForce: "GTC",
        })
      ).data,
      {},
    );
    assert.deepEqual(
      await failure(
        buyer.newOrder("ETHUSD", "BUY", "LIMIT", { price: "1", quantity: "1", timeInForce: "GTC" }),
      ),
      { status: 400, code: -1121, msg: "Invalid symbol." },
    );
    assert.deepEqual(
      await failure(
        buyer.newOrder("ETHUSDT", "BUY", "LIMIT", {
          price: "1.0000001",
          quantity: "1",
          timeInForce: "GTC",
        }),
      ),
      { status: 400, code: -1111, msg: "Parameter 'price' has too much precision." },
    );
    assert.deepEqual(
      await failure(
        buyer.newOrder("ETHUSDT", "BUY", "LIMIT", {
          price: "1.005",
          quantity: "1",
          timeInForce: "GTC",
        }),
      ),
      { status: 400, code: -1013, msg: "Filter failure: PRICE_FILTER" },
    );
    assert.deepEqual(
      await failure(
        // A buy stop at or below the last price would trigger at once.
        buyer.newOrder("ETHUSDT", "BUY", "STOP_LOSS", { quantity: "1", stopPrice: "2000" }),
      ),
      { status: 400, code: -2010, msg: "Order would trigger immediately." },
    );
    assert.deepEqual(
      await failure(
        buyer.newOrder("ETHUSDT", "BUY", "LIMIT", {
          price: "9000",
          quantity: "2",
          timeInForce: "GTC",
        }),
      ),
      { status: 400, code: -2010, msg: "Account has insufficient balance for requested action." },
    );
    assert.deepEqual(await failure(buyer.cancelOpenOrders("ETHUSDT")), {
      status: 400,
      code: -2011,
      msg: "Unknown order sent.",
    });
  });

  test("listen keys are created, kept alive and closed", async () => {
    const { listenKey } = (await buyer.createListenKey()).data;
    assert.match(listenKey, /^[A-Za-z0-9]{64}$/);
    assert.equal((await buyer.createListenKey()).data.listenKey, listenKey);
    assert.deepEqual((await buyer.renewListenKey(listenKey)).data, {});
    assert.deepEqual(await failure(seller.renewListenKey(listenKey)), {
      status: 400,
      code: -1125,
      msg: "This listenKey does not exist.",
    });
    assert.deepEqual((await buyer.closeListenKey(listenKey)).data, {});
    assert.equal((await failure(buyer.closeListenKey(listenKey))).code, -1125);
  });
});
