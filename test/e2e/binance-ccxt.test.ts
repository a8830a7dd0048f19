// ccxt's binance class against `bourse start` (embedded, a real process on a
// port of its own): markets, the book, every supported order type placed,
// fetched and cancelled, open orders, balances to the last unit, trades,
// candles, and the errors ccxt raises from Bourse's Binance codes.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import ccxt from "ccxt";
import { ccxtBinance } from "../support/binance-clients.ts";
import {
  clientFor,
  createKey,
  eventually,
  type Key,
  type Running,
  startExchange,
} from "../support/exchange-process.ts";

const SELLER = 2001;
const BUYER = 2002;

describe("ccxt binance against bourse start", () => {
  const dir = mkdtempSync(join(tmpdir(), "bourse-ccxt-"));
  let ex: Running;
  let seller: InstanceType<typeof ccxt.binance>;
  let buyer: InstanceType<typeof ccxt.binance>;
  let sellerKey: Key;
  let restingSell = "";
  let makerSell = "";

  /** The exact balance strings Bourse sent, asset by asset: "free/locked". */
  async function balances(c: InstanceType<typeof ccxt.binance>): Promise<Record<string, string>> {
    const b = await c.fetchBalance();
    const rows = (b.info as { balances: { asset: string; free: string; locked: string }[] })
      .balances;
    for (const r of rows) {
      assert.equal(b[r.asset]?.free, Number(r.free), `ccxt parses ${r.asset} free`);
    }
    return Object.fromEntries(rows.map((r) => [r.asset, `${r.free}/${r.locked}`]));
  }

  before(async () => {
    ex = await startExchange(dir);
    const op = clientFor(ex.url, createKey(dir, "operator"));
    sellerKey = createKey(dir, { user: SELLER });
    const buyerKey = createKey(dir, { user: BUYER });
    await op.transferIn({ request_id: "cx-1", user_id: SELLER, asset: "BTC", amount: "10" });
    await op.transferIn({ request_id: "cx-2", user_id: BUYER, asset: "USDT", amount: "100000" });
    seller = ccxtBinance(ex.url, sellerKey);
    buyer = ccxtBinance(ex.url, buyerKey);
  });

  after(async () => {
    await ex?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("loads markets with Bourse's tick, lot and notional filters", async () => {
    const markets = await buyer.loadMarkets();
    const m = markets["BTC/USDT"];
    assert.ok(m !== undefined);
    assert.equal(m.id, "BTCUSDT");
    assert.equal(m.spot, true);
    assert.equal(m.active, true);
    assert.equal(m.precision.price, 0.01);
    assert.equal(m.precision.amount, 0.0001);
    assert.equal(m.limits.cost?.min, 1);
    assert.equal(m.limits.price?.max, 1_000_000);
    assert.ok(markets["ETH/USDT"] !== undefined);
    assert.equal(Object.keys(markets).length, 2);
    assert.ok(Math.abs(((await buyer.fetchTime()) ?? 0) - Date.now()) < 5000);
  });

  test("rests a GTC limit sell and a LIMIT_MAKER sell, visible in the book", async () => {
    const o = await seller.createOrder("BTC/USDT", "limit", "sell", 1, 45000);
    assert.equal(o.status, "open");
    assert.equal(o.amount, 1);
    assert.equal(o.price, 45000);
    restingSell = String(o.id);
    const maker = await seller.createOrder("BTC/USDT", "limit", "sell", 0.5, 46000, {
      postOnly: true,
    });
    makerSell = String(maker.id);
    const fetched = await seller.fetchOrder(makerSell, "BTC/USDT");
    assert.equal(fetched.status, "open");
    assert.equal(fetched.postOnly, true);
    assert.equal((fetched.info as { type: string }).type, "LIMIT_MAKER");
    const book = await buyer.fetchOrderBook("BTC/USDT");
    assert.deepEqual(book.asks, [
      [45000, 1],
      [46000, 0.5],
    ]);
    assert.deepEqual(book.bids, []);
    assert.ok(typeof book.nonce === "number");
  });

  test("a market buy, an IOC limit buy and a market buy by cost fill against it", async () => {
    const market = await buyer.createOrder("BTC/USDT", "market", "buy", 0.5);
    assert.equal(market.status, "closed");
    assert.equal(market.filled, 0.5);
    assert.equal(market.cost, 22500);
    assert.deepEqual(
      market.trades.map((t) => [t.price, t.amount, t.fee?.cost, t.fee?.currency]),
      [[45000, 0.5, 0.00075, "BTC"]],
    );
    const ioc = await buyer.createOrder("BTC/USDT", "limit", "buy", 0.2, 45000, {
      timeInForce: "IOC",
    });
    assert.equal(ioc.status, "closed");
    assert.equal(ioc.filled, 0.2);
    assert.equal(ioc.timeInForce, "IOC");
    const byCost = await buyer.createMarketBuyOrderWithCost("BTC/USDT", 900);
    assert.equal(byCost.status, "closed");
    assert.equal(byCost.filled, 0.02);
    assert.equal(byCost.cost, 900);
  });

  test("a FOK that cannot fill expires and changes nothing", async () => {
    const before = await balances(buyer);
    // 0.28 BTC rest at 45000, the rest higher: a whole 1 BTC is not there.
    const fok = await buyer.createOrder("BTC/USDT", "limit", "buy", 1, 45000, {
      timeInForce: "FOK",
    });
    assert.equal(fok.status, "expired");
    assert.equal(fok.filled, 0);
    assert.deepEqual(await balances(buyer), before);
  });

  test("a LIMIT_MAKER that would take is refused as ccxt's OrderImmediatelyFillable", async () => {
    await assert.rejects(
      buyer.createOrder("BTC/USDT", "limit", "buy", 0.1, 46000, { postOnly: true }),
      ccxt.OrderImmediatelyFillable,
    );
  });

  test("open orders, one cancel, and balances to the last unit", async () => {
    const open = await seller.fetchOpenOrders("BTC/USDT");
    assert.deepEqual(
      open.map((o) => [o.id, o.status, o.remaining]),
      [
        [restingSell, "open", 0.28],
        [makerSell, "open", 0.5],
      ],
    );
    const cancelled = await seller.cancelOrder(makerSell, "BTC/USDT");
    assert.equal(cancelled.status, "canceled");
    assert.equal(cancelled.id, makerSell);
    assert.deepEqual(
      (await seller.fetchOpenOrders("BTC/USDT")).map((o) => o.id),
      [restingSell],
    );
    // Seller: 10 BTC less 0.72 sold, 0.28 of it still frozen; 32400 USDT less 0.1% maker fee.
    assert.deepEqual(await balances(seller), {
      BTC: "9.00000000/0.28000000",
      USDT: "32367.600000/0.000000",
      ETH: "0.00000000/0.00000000",
    });
    // Buyer: 0.72 BTC less 0.15% taker fee in BTC; 100000 - 32400 USDT.
    assert.deepEqual(await balances(buyer), {
      BTC: "0.71892000/0.00000000",
      USDT: "67600.000000/0.000000",
      ETH: "0.00000000/0.00000000",
    });
  });

  test("cancelling again, or an unknown order, is ccxt's OrderNotFound", async () => {
    await assert.rejects(seller.cancelOrder(makerSell, "BTC/USDT"), ccxt.OrderNotFound);
    await assert.rejects(seller.fetchOrder("999999", "BTC/USDT"), ccxt.OrderNotFound);
    // Another user's order reads as unknown.
    await assert.rejects(buyer.cancelOrder(restingSell, "BTC/USDT"), ccxt.OrderNotFound);
  });

  test("my trades, closed orders, public trades and candles once settled", async () => {
    const mine = await eventually(
      () => buyer.fetchMyTrades("BTC/USDT"),
      (t) => t.length === 3,
      "the buyer's three trades",
    );
    assert.deepEqual(
      mine.map((t) => [
        t.side,
        t.price,
        t.amount,
        t.cost,
        t.fee?.cost,
        t.fee?.currency,
        t.takerOrMaker,
      ]),
      [
        ["buy", 45000, 0.5, 22500, 0.00075, "BTC", "taker"],
        ["buy", 45000, 0.2, 9000, 0.0003, "BTC", "taker"],
        ["buy", 45000, 0.02, 900, 0.00003, "BTC", "taker"],
      ],
    );
    const sells = await seller.fetchMyTrades("BTC/USDT");
    assert.deepEqual(
      sells.map((t) => [t.side, t.amount, t.fee?.cost, t.fee?.currency, t.takerOrMaker]),
      [
        ["sell", 0.5, 22.5, "USDT", "maker"],
        ["sell", 0.2, 9, "USDT", "maker"],
        ["sell", 0.02, 0.9, "USDT", "maker"],
      ],
    );
    // The refused LIMIT_MAKER got an order id before the book refused it, so it is listed.
    const orders = await buyer.fetchOrders("BTC/USDT");
    assert.deepEqual(
      orders.map((o) => o.status),
      ["closed", "closed", "closed", "expired", "rejected"],
    );
    const trades = await buyer.fetchTrades("BTC/USDT");
    assert.deepEqual(
      trades.map((t) => [t.side, t.amount]),
      [
        ["buy", 0.5],
        ["buy", 0.2],
        ["buy", 0.02],
      ],
    );
    const candles = await buyer.fetchOHLCV("BTC/USDT", "1m");
    const volume = candles.reduce((v, c) => v + (c[5] ?? 0), 0);
    assert.equal(Math.round(volume * 1e8), 72_000_000);
    const ticker = await buyer.fetchTicker("BTC/USDT");
    assert.equal(ticker.last, 45000);
    assert.equal(ticker.baseVolume, 0.72);
    assert.equal(ticker.ask, 45000);
  });

  test("a stop-limit order waits for its trigger, open and cancellable", async () => {
    // ccxt sends a sell below the last price (45000) with a trigger as STOP_LOSS_LIMIT.
    const o = await buyer.createOrder("BTC/USDT", "limit", "sell", 0.1, 40000, {
      triggerPrice: 41000,
    });
    assert.equal(o.status, "open");
    const open = await buyer.fetchOpenOrders("BTC/USDT");
    const mine = open.find((x) => x.id === o.id);
    assert.ok(mine !== undefined);
    assert.equal(mine.triggerPrice, 41000);
    assert.equal((mine.info as { type: string }).type, "STOP_LOSS_LIMIT");
    const c = await buyer.cancelOrder(o.id as string, "BTC/USDT");
    assert.equal(c.status, "canceled");
  });

  test("what Bourse does not offer is a clear error, never a silent success", async () => {
    await assert.rejects(
      buyer.createOrder("BTC/USDT", "limit", "sell", 0.1, 40000, { icebergQty: "0.05" }),
      (err: Error) => {
        assert.ok(err instanceof ccxt.InvalidOrder, String(err));
        assert.match(err.message, /Iceberg orders are not supported/);
        return true;
      },
    );
    await assert.rejects(buyer.sapiGetMarginAccount(), (err: Error) => {
      assert.ok(err instanceof ccxt.BadRequest, String(err));
      assert.match(err.message, /-1020/);
      return true;
    });
    const wrong = ccxtBinance(ex.url, { api_key: sellerKey.api_key, secret: "0".repeat(64) });
    await assert.rejects(wrong.fetchBalance(), ccxt.AuthenticationError);
  });
});
