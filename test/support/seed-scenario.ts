// The seed's step-by-step scenario, through HTTP with the typed client,
// against a running deployment (embedded or distributed): deposits to two
// users, a sell and a crossing buy, a resting order cancelled, a withdrawal and
// a refused over-withdrawal. Exact balances, trades, statuses, history and
// ledger after each step; then a restart and the same checks again.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { BourseApiError, BourseClient } from "../../src/client/mod.ts";
import { clientFor, eventually, type Key } from "./exchange-process.ts";

const SELLER = 1001;
const BUYER = 1002;

export interface LedgerRow {
  user_id: number;
  asset_id: number;
  seq: number;
  kind: number;
  delta_avail: number;
  delta_frozen: number;
  avail: number;
  frozen: number;
}

/** How a deployment of the exchange is started, stopped and inspected. */
export interface Launcher {
  name: string;
  /** Start every process; resolves with the gateway's URL. */
  start(): Promise<string>;
  /** Graceful stop of every process; resolves with their exit codes. */
  stop(): Promise<(number | null)[]>;
  createKey(who: { user: number } | "operator"): Key;
  /** The settlement database's ledger rows of a user, by asset then sequence. */
  ledger(user_id: number): Promise<LedgerRow[]>;
  dispose(): Promise<void>;
}

export function seedScenario(launcher: Launcher): void {
  describe(`${launcher.name} exchange end to end`, () => {
    let url = "";
    let operator: BourseClient;
    let seller: BourseClient;
    let buyer: BourseClient;
    let sellOrder = "";
    let buyOrder = "";

    const connect = () => {
      operator = clientFor(url, createKeyOnce("operator"));
      seller = clientFor(url, createKeyOnce({ user: SELLER }));
      buyer = clientFor(url, createKeyOnce({ user: BUYER }));
    };
    const keys = new Map<string, { api_key: string; secret: string }>();
    const createKeyOnce = (who: { user: number } | "operator") => {
      const name = who === "operator" ? "operator" : String(who.user);
      let k = keys.get(name);
      if (k === undefined) {
        k = launcher.createKey(who);
        keys.set(name, k);
      }
      return k;
    };

    async function balances(c: BourseClient): Promise<Record<string, string>> {
      const rows = await c.balance();
      return Object.fromEntries(rows.map((b) => [b.asset, `${b.avail}/${b.frozen}`]));
    }

    async function checkFinal(): Promise<void> {
      assert.deepEqual(await balances(seller), {
        BTC: "9.00000000/0.00000000",
        USDT: "22477.500000/0.000000",
        ETH: "0.00000000/0.00000000",
      });
      assert.deepEqual(await balances(buyer), {
        BTC: "0.49925000/0.00000000",
        USDT: "77500.000000/0.000000",
        ETH: "0.00000000/0.00000000",
      });
      const history = await eventually(
        () => buyer.orderHistory({ symbol: "BTC_USDT" }),
        (h) => h.length === 1 && h[0]?.status === "Cancelled",
        "the cancelled buy in history",
      );
      assert.equal(history[0]?.order_id, buyOrder);
      assert.equal(history[0]?.filled_quantity, "0.5000");
      assert.deepEqual(await buyer.activeOrders({ symbol: "BTC_USDT" }), []);
      const sells = await seller.orderHistory({});
      assert.deepEqual(
        sells.map((o) => [o.order_id, o.status, o.filled_quantity]),
        [[sellOrder, "Filled", "0.5000"]],
      );
      const trades = await buyer.trades({ symbol: "BTC_USDT" });
      assert.deepEqual(
        trades.map((t) => [t.side, t.role, t.price, t.quantity, t.fee, t.fee_asset]),
        [["Buy", "taker", "45000.00", "0.5000", "0.00075000", "BTC"]],
      );
      const sellerTrades = await seller.trades({});
      assert.deepEqual(
        sellerTrades.map((t) => [t.side, t.role, t.price, t.quantity, t.fee, t.fee_asset]),
        [["Sell", "maker", "45000.00", "0.5000", "22.500000", "USDT"]],
      );
      // The ledger replays to the balances: every row's balance-after is the
      // previous one plus its deltas, ending at what UBSCore reports.
      const rows = await eventually(
        () => launcher.ledger(SELLER),
        (r) => r.length === 5,
        "the seller's five ledger rows",
      );
      const btc = rows.filter((r) => r.asset_id === 1);
      assert.deepEqual(
        btc.map((r) => [r.seq, r.kind, r.delta_avail, r.delta_frozen, r.avail, r.frozen]),
        [
          [1, 1, 1_000_000_000, 0, 1_000_000_000, 0],
          [2, 3, -50_000_000, 50_000_000, 950_000_000, 50_000_000],
          [3, 5, 0, -50_000_000, 950_000_000, 0],
          [4, 2, -50_000_000, 0, 900_000_000, 0],
        ],
      );
      const usdt = rows.filter((r) => r.asset_id === 2);
      assert.deepEqual(
        usdt.map((r) => [r.seq, r.kind, r.avail]),
        [[1, 6, 22_477_500_000]],
      );
      const buyerRows = await launcher.ledger(BUYER);
      assert.deepEqual(
        buyerRows.filter((r) => r.asset_id === 2).map((r) => [r.seq, r.kind, r.avail, r.frozen]),
        [
          [1, 1, 100_000_000_000, 0],
          [2, 3, 72_940_000_000, 27_060_000_000],
          [3, 5, 72_990_000_000, 4_510_000_000],
          [4, 4, 77_500_000_000, 0],
        ],
      );
    }

    before(async () => {
      url = await launcher.start();
      connect();
    });

    after(async () => {
      await launcher.stop();
      await launcher.dispose();
    });

    test("deposits to two users", async () => {
      const d1 = await operator.transferIn({
        request_id: "dep-btc-1",
        user_id: SELLER,
        asset: "BTC",
        amount: "10",
      });
      assert.equal(d1.status, "applied");
      assert.equal(d1.avail, "10.00000000");
      assert.match(d1.event_id, /^deposit_1001_1_\d+_dep-btc-1$/);
      const d2 = await operator.transferIn({
        request_id: "dep-usdt-1",
        user_id: BUYER,
        asset: "USDT",
        amount: "100000",
      });
      assert.equal(d2.avail, "100000.000000");
      const again = await operator.transferIn({
        request_id: "dep-usdt-1",
        user_id: BUYER,
        asset: "USDT",
        amount: "100000",
      });
      assert.equal(again.status, "duplicate");
      assert.deepEqual(await balances(buyer), {
        BTC: "0.00000000/0.00000000",
        USDT: "100000.000000/0.000000",
        ETH: "0.00000000/0.00000000",
      });
    });

    test("a sell rests, a crossing buy trades at the maker's price", async () => {
      const sell = await seller.createOrder({
        symbol: "BTC_USDT",
        side: "Sell",
        order_type: "Limit",
        price: "45000",
        quantity: "0.5",
      });
      assert.equal(sell.status, "New");
      sellOrder = sell.order_id;
      assert.deepEqual(await balances(seller), {
        BTC: "9.50000000/0.50000000",
        USDT: "0.000000/0.000000",
        ETH: "0.00000000/0.00000000",
      });
      const buy = await buyer.createOrder({
        symbol: "BTC_USDT",
        side: "Buy",
        order_type: "Limit",
        price: "45100",
        quantity: "0.6",
        cid: "buy-1",
      });
      buyOrder = buy.order_id;
      assert.equal(buy.status, "PartiallyFilled");
      assert.equal(buy.filled_quantity, "0.5000");
      assert.equal(buy.remaining_quantity, "0.1000");
      assert.deepEqual(
        buy.trades.map((t) => [t.price, t.quantity, t.quote_quantity, t.fee, t.fee_asset]),
        [["45000.00", "0.5000", "22500.000000", "0.00075000", "BTC"]],
      );
      // 0.1 still frozen at the buyer's limit: 4510 USDT.
      assert.deepEqual(await balances(buyer), {
        BTC: "0.49925000/0.00000000",
        USDT: "72990.000000/4510.000000",
        ETH: "0.00000000/0.00000000",
      });
      const active = await eventually(
        () => buyer.activeOrders({ symbol: "BTC_USDT" }),
        (a) => a.length === 1 && a[0]?.status === "PartiallyFilled",
        "the partially filled buy among active orders",
      );
      assert.equal(active[0]?.remaining_quantity, "0.1000");
      const depth = await buyer.depth("BTC_USDT");
      assert.deepEqual(
        depth.bids.map((l) => [l.price, l.quantity]),
        [["45100.00", "0.1000"]],
      );
    });

    test("the resting remainder is cancelled and its funds released", async () => {
      const c = await buyer.cancelOrder({ cid: "buy-1" });
      assert.equal(c.status, "Cancelled");
      assert.equal(c.order_id, buyOrder);
      await assert.rejects(buyer.cancelOrder({ order_id: buyOrder }), (err: BourseApiError) => {
        assert.equal(err.status, 409);
        assert.equal(err.code, "ORDER_ALREADY_DONE");
        return true;
      });
      await assert.rejects(seller.cancelOrder({ order_id: buyOrder }), (err: BourseApiError) => {
        assert.equal(err.code, "UNKNOWN_ORDER");
        return true;
      });
    });

    test("a withdrawal, and an over-withdrawal that is refused without effect", async () => {
      const w = await operator.transferOut({
        request_id: "wd-1",
        user_id: SELLER,
        asset: "BTC",
        amount: "0.5",
      });
      assert.equal(w.status, "applied");
      assert.equal(w.avail, "9.00000000");
      assert.match(w.event_id, /^withdraw_1001_1_\d+_wd-1$/);
      await assert.rejects(
        operator.transferOut({ request_id: "wd-2", user_id: SELLER, asset: "BTC", amount: "1000" }),
        (err: BourseApiError) => {
          assert.equal(err.status, 422);
          assert.equal(err.code, "INSUFFICIENT_BALANCE");
          return true;
        },
      );
      await checkFinal();
    });

    test("after a restart everything reads the same", async () => {
      assert.deepEqual(
        (await launcher.stop()).filter((code) => code !== 0),
        [],
        "every process stops cleanly",
      );
      url = await launcher.start();
      connect();
      await checkFinal();
      // Idempotency survived: the deposit's id is still known.
      const again = await operator.transferIn({
        request_id: "dep-btc-1",
        user_id: SELLER,
        asset: "BTC",
        amount: "10",
      });
      assert.equal(again.status, "duplicate");
      assert.deepEqual((await balances(seller)).BTC, "9.00000000/0.00000000");
    });
  });
}
