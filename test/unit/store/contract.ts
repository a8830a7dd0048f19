// The settlement store contract: every implementation runs these tests
// unchanged, each test on a fresh, migrated, empty store. The input is the
// real combined core's outputs (fixtures.ts); every assertion names the
// rows those outputs must give, to the last unit.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  BalanceKind,
  CancelReplaceMode,
  type Command,
  CommandKind,
  Core,
  type CoreOutput,
  candleOpen,
  KLINE_INTERVAL_NAMES,
  type OrderSpec,
  OrderStatus,
  OrderType,
  Reject,
  Side,
  Stp,
  TimeInForce,
  tradeIdOf,
} from "../../../src/core/mod.ts";
import {
  CORE_STREAM,
  type OrderRow,
  type SettlementStore,
  StoreError,
} from "../../../src/store/mod.ts";
import {
  BTC,
  BUYER,
  batchOf,
  cancel,
  day,
  dayCommands,
  edited,
  FEES,
  HOUR,
  limit,
  MINUTE,
  run,
  SELLER,
  SPEC,
  SYMBOL,
  SYMBOL_2,
  T0,
  TRADE_1,
  TRADE_2,
  transfer,
  twoSymbols,
  USDT,
} from "./fixtures.ts";

export interface Opened {
  store: SettlementStore;
  /** Closes the store and removes what it created. */
  dispose(): Promise<void>;
}

/** Everything the queries can see of the fixture day, for before/after comparisons. */
async function snapshot(store: SettlementStore): Promise<unknown> {
  const out: Record<string, unknown> = {};
  for (const user_id of [BUYER, SELLER, FEES]) {
    out[`active/${user_id}`] = await store.activeOrders({ user_id, limit: 100 });
    out[`history/${user_id}`] = await store.orderHistory({ user_id, limit: 100 });
    out[`trades/${user_id}`] = await store.userTrades({ user_id, limit: 100 });
    out[`ledger/${user_id}`] = await store.ledger({ user_id, limit: 100 });
  }
  for (const symbol_id of [SYMBOL, SYMBOL_2]) {
    out[`market/${symbol_id}`] = await store.marketTrades({ symbol_id, limit: 100 });
    for (const interval of KLINE_INTERVAL_NAMES) {
      out[`klines/${symbol_id}/${interval}`] = await store.klines({
        symbol_id,
        interval,
        limit: 1000,
      });
    }
    out[`ticker/${symbol_id}`] = await store.ticker24h({ symbol_id, now_ms: T0 + 2 * HOUR });
  }
  for (const id of ["dep-1", "dep-2", "wd-1", "wd-2", "f-1"]) {
    out[`transfer/${id}`] = await store.transfer(id);
  }
  out.position = await store.position();
  return out;
}

async function rejects(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof StoreError, `expected a StoreError, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  });
}

/** n trades on BTC_USDT one second apart: the seller rests, the buyer takes. */
function tape(n: number): CoreOutput[] {
  const cmds = [
    transfer("deposit", "t-1", SELLER, BTC, 100_000_000, T0),
    transfer("deposit", "t-2", BUYER, USDT, 1_000_000_000_000, T0),
  ];
  for (let i = 1; i <= n; i++) {
    cmds.push(limit(SELLER, Side.Sell, 1_000_000 + i, 10, T0 + i * 1000));
    cmds.push(limit(BUYER, Side.Buy, 1_000_000 + i, 10, T0 + i * 1000 + 1));
  }
  return run(cmds);
}

/**
 * The trading commands on the real core: a waiting stop, an OCO, an amend, a
 * cancel-replace, a trade that triggers the stop, a cancel-all, and a
 * dead-man's switch that a tick fires. Order ids: 1 the stop, 2 and 3 the
 * OCO's legs, 4 amended then replaced by 5, 6 the buy that triggers 1, 7 a
 * buy the buyer's cancel-all takes.
 */
function tradingDay(): CoreOutput[] {
  const at = (ms: number) => T0 + ms;
  const base = { stp: Stp.ExpireMaker, corr: "" };
  const spec = (o: Partial<OrderSpec> & Pick<OrderSpec, "side" | "order_type">): OrderSpec => ({
    symbol_id: SYMBOL,
    tif: TimeInForce.GTC,
    post_only: false,
    stp: Stp.ExpireMaker,
    price_ticks: 0,
    stop_price_ticks: 0,
    qty_lots: 0,
    quote_units: 0,
    cid: "",
    ...o,
  });
  const place = (user_id: number, o: OrderSpec, ts_ms: number): Command => ({
    kind: CommandKind.Place,
    user_id,
    ...o,
    ts_ms,
    corr: "",
  });
  return run([
    transfer("deposit", "tr-1", SELLER, BTC, 100_000_000, at(0)),
    transfer("deposit", "tr-2", BUYER, USDT, 10_000_000_000, at(0)),
    place(
      SELLER,
      spec({
        side: Side.Sell,
        order_type: OrderType.StopLossLimit,
        price_ticks: 4_890_000,
        stop_price_ticks: 4_900_000,
        qty_lots: 100,
      }),
      at(1),
    ),
    {
      kind: CommandKind.PlaceOco,
      user_id: SELLER,
      symbol_id: SYMBOL,
      side: Side.Sell,
      qty_lots: 100,
      price_ticks: 5_200_000,
      post_only: false,
      cid: "take",
      stop_type: OrderType.StopLoss,
      stop_price_ticks: 4_800_000,
      stop_limit_price_ticks: 0,
      stop_tif: TimeInForce.IOC,
      stop_cid: "",
      ts_ms: at(2),
      ...base,
    },
    place(
      SELLER,
      spec({
        side: Side.Sell,
        order_type: OrderType.Limit,
        price_ticks: 5_000_000,
        qty_lots: 100,
        cid: "a",
      }),
      at(3),
    ),
    {
      kind: CommandKind.Amend,
      user_id: SELLER,
      symbol_id: SYMBOL,
      order_id: 4,
      cid: "",
      price_ticks: 5_100_000,
      qty_lots: 50,
      ts_ms: at(4),
      corr: "",
    },
    {
      kind: CommandKind.CancelReplace,
      user_id: SELLER,
      order_id: 0,
      cid: "a",
      mode: CancelReplaceMode.StopOnFailure,
      order: spec({
        side: Side.Sell,
        order_type: OrderType.Limit,
        price_ticks: 4_900_000,
        qty_lots: 100,
        cid: "b",
      }),
      ts_ms: at(5),
      corr: "",
    },
    place(
      BUYER,
      spec({ side: Side.Buy, order_type: OrderType.Limit, price_ticks: 4_900_000, qty_lots: 100 }),
      at(6),
    ),
    place(
      BUYER,
      spec({ side: Side.Buy, order_type: OrderType.Limit, price_ticks: 4_000_000, qty_lots: 10 }),
      at(7),
    ),
    { kind: CommandKind.CancelAll, user_id: BUYER, symbol_id: 0, ts_ms: at(8), corr: "" },
    { kind: CommandKind.CancelAllAfter, user_id: SELLER, timeout_ms: 1000, ts_ms: at(9), corr: "" },
    { kind: CommandKind.Tick, ts_ms: at(1009), corr: "" },
  ]);
}

/** What history says of an order's terms and state, compactly. */
function termsOf(r: OrderRow) {
  return [
    r.order_id,
    r.order_type,
    r.price_ticks,
    r.qty_lots,
    r.stop_price_ticks,
    r.oco_order_id,
    r.cid,
    r.status,
    r.reason,
    r.filled_lots,
  ];
}

export function storeContract(name: string, open: () => Promise<Opened>): void {
  describe(`settlement store contract: ${name}`, () => {
    const withStore = (title: string, fn: (store: SettlementStore) => Promise<void>) =>
      test(title, async () => {
        const { store, dispose } = await open();
        try {
          await store.migrate();
          await fn(store);
        } finally {
          await dispose();
        }
      });

    withStore("a fresh store has no position and no rows", async (store) => {
      assert.equal(await store.position(), null);
      assert.deepEqual(await store.orderHistory({ user_id: BUYER, limit: 10 }), []);
      assert.equal(await store.transfer("dep-1"), null);
      assert.equal(await store.ticker24h({ symbol_id: SYMBOL, now_ms: T0 }), null);
    });

    withStore("migrating twice changes nothing", async (store) => {
      const d = day();
      await store.apply(d.a);
      const before = await snapshot(store);
      await store.migrate();
      assert.deepEqual(await snapshot(store), before);
    });

    withStore(
      "the first outputs: transfers, ledger, a resting order, the position",
      async (store) => {
        const d = day();
        const r = await store.apply(d.a);
        assert.deepEqual(
          { rows: r.rows, tables: r.tables, skipped: r.skipped, trades: r.trades },
          {
            rows: 6,
            tables: {
              orders: 1,
              "orders:update": 0,
              trades: 0,
              balance_ledger: 3,
              transfers: 2,
              klines: 0,
            },
            skipped: 0,
            trades: 0,
          },
        );
        const third = d.outputs[2]!;
        const want = {
          stream: CORE_STREAM,
          seq: 3,
          hash: third.hash,
          clock_ms: T0 + 2,
          source_seq: 0,
        };
        assert.deepEqual(r.position, want);
        assert.deepEqual(await store.position(), want);
        assert.deepEqual(await store.activeOrders({ user_id: SELLER, limit: 10 }), [
          {
            order_id: 1,
            user_id: SELLER,
            symbol_id: SYMBOL,
            side: Side.Sell,
            order_type: 1,
            tif: TimeInForce.GTC,
            post_only: false,
            stp: 2,
            price_ticks: 5_000_000,
            qty_lots: 100,
            quote_units: 0,
            cid: "s-1",
            stop_price_ticks: 0,
            oco_order_id: 0,
            status: OrderStatus.New,
            filled_lots: 0,
            remaining_lots: 100,
            filled_quote_units: 0,
            reason: 0,
            created_ts_ms: T0 + 2,
            updated_ts_ms: T0 + 2,
            output_seq: 3,
          },
        ]);
        assert.deepEqual(
          await store.activeOrders({ user_id: SELLER, symbol_id: SYMBOL_2, limit: 10 }),
          [],
        );
      },
    );

    withStore("orders of every status, with their amounts and times", async (store) => {
      const d = day();
      await store.apply(d.a);
      const r = await store.apply(d.b);
      // Orders 2-6 inserted, order 1 updated; two trades; 25 ledger rows.
      assert.equal(r.tables.orders, 5);
      assert.equal(r.tables["orders:update"], 1);
      assert.equal(r.tables.trades, 2);
      assert.equal(r.tables.balance_ledger, 21);
      assert.equal(r.tables.transfers, 2);
      const buyer = await store.orderHistory({ user_id: BUYER, limit: 10 });
      assert.deepEqual(
        buyer.map((o) => [
          o.order_id,
          o.status,
          o.filled_lots,
          o.remaining_lots,
          o.filled_quote_units,
          o.reason,
          o.cid,
          o.created_ts_ms,
          o.updated_ts_ms,
        ]),
        [
          [6, OrderStatus.New, 0, 10, 0, 0, "c-9", T0 + HOUR + 9, T0 + HOUR + 9],
          [
            5,
            OrderStatus.Expired,
            30,
            20,
            153_000_000,
            Reject.NOT_FILLED.id,
            "",
            T0 + HOUR + 5,
            T0 + HOUR + 5,
          ],
          [
            3,
            OrderStatus.Rejected,
            0,
            10,
            0,
            Reject.POST_ONLY_WOULD_TAKE.id,
            "po-1",
            T0 + 4,
            T0 + 4,
          ],
          [2, OrderStatus.Filled, 40, 0, 200_000_000, 0, "", T0 + 3, T0 + 3],
        ],
      );
      assert.equal(buyer[1]!.tif, TimeInForce.IOC);
      assert.equal(buyer[2]!.post_only, true);
      const seller = await store.orderHistory({ user_id: SELLER, symbol_id: SYMBOL, limit: 10 });
      assert.deepEqual(
        seller.map((o) => [
          o.order_id,
          o.status,
          o.filled_lots,
          o.remaining_lots,
          o.reason,
          o.created_ts_ms,
          o.updated_ts_ms,
          o.output_seq,
        ]),
        [
          [4, OrderStatus.Filled, 30, 0, 0, T0 + MINUTE + 4, T0 + HOUR + 5, 10],
          [1, OrderStatus.Cancelled, 40, 60, Reject.USER_CANCELLED.id, T0 + 2, T0 + MINUTE + 1, 6],
        ],
      );
      assert.equal((await store.orderHistory({ user_id: BUYER, limit: 1 })).length, 1);
    });

    withStore("one order by id or by client id", async (store) => {
      await store.apply(day().all);
      assert.equal((await store.order({ order_id: 5 }))?.status, OrderStatus.Expired);
      assert.equal(await store.order({ order_id: 555 }), null);
      assert.equal((await store.order({ user_id: BUYER, cid: "c-9" }))?.order_id, 6);
      assert.equal(
        (await store.order({ user_id: SELLER, cid: "s-1" }))?.status,
        OrderStatus.Cancelled,
      );
      assert.equal(await store.order({ user_id: BUYER, cid: "s-1" }), null);
      assert.equal(await store.order({ user_id: BUYER, cid: "" }), null);
    });

    withStore("a client id reused after its order ended finds the newest order", async (store) => {
      const core = new Core(SPEC);
      const outputs = run(
        [
          ...dayCommands(),
          cancel(BUYER, 6, T0 + 2 * HOUR),
          limit(BUYER, Side.Buy, 4_000_000, 20, T0 + 2 * HOUR + 1, { cid: "c-9" }),
        ],
        core,
      );
      await store.apply(batchOf(outputs));
      const o = await store.order({ user_id: BUYER, cid: "c-9" });
      assert.deepEqual([o?.order_id, o?.qty_lots, o?.status], [7, 20, OrderStatus.New]);
    });

    withStore("open orders appear while they rest and leave when they end", async (store) => {
      const d = day();
      await store.apply(d.a);
      assert.deepEqual(
        (await store.activeOrders({ user_id: SELLER, limit: 10 })).map((o) => o.order_id),
        [1],
      );
      await store.apply(d.b);
      assert.deepEqual(await store.activeOrders({ user_id: SELLER, limit: 10 }), []);
      assert.deepEqual(
        (await store.activeOrders({ user_id: BUYER, symbol_id: SYMBOL, limit: 10 })).map((o) => [
          o.order_id,
          o.status,
        ]),
        [[6, OrderStatus.New]],
      );
    });

    withStore(
      "one row per trade: each user sees their side, fee and counterparty",
      async (store) => {
        await store.apply(day().all);
        assert.deepEqual(await store.userTrades({ user_id: BUYER, limit: 10 }), [
          {
            trade_id: TRADE_2,
            symbol_id: SYMBOL,
            user_id: BUYER,
            order_id: 5,
            counterparty_user_id: SELLER,
            counterparty_order_id: 4,
            side: Side.Buy,
            is_maker: false,
            price_ticks: 5_100_000,
            qty_lots: 30,
            quote_units: 153_000_000,
            fee_units: 450,
            fee_asset_id: BTC,
            ts_ms: T0 + HOUR + 5,
            output_seq: 10,
          },
          {
            trade_id: TRADE_1,
            symbol_id: SYMBOL,
            user_id: BUYER,
            order_id: 2,
            counterparty_user_id: SELLER,
            counterparty_order_id: 1,
            side: Side.Buy,
            is_maker: false,
            price_ticks: 5_000_000,
            qty_lots: 40,
            quote_units: 200_000_000,
            fee_units: 600,
            fee_asset_id: BTC,
            ts_ms: T0 + 3,
            output_seq: 4,
          },
        ]);
        const seller = await store.userTrades({ user_id: SELLER, symbol_id: SYMBOL, limit: 10 });
        assert.deepEqual(
          seller.map((t) => [
            t.trade_id,
            t.side,
            t.is_maker,
            t.order_id,
            t.fee_units,
            t.fee_asset_id,
          ]),
          [
            [TRADE_2, Side.Sell, true, 4, 153_000, USDT],
            [TRADE_1, Side.Sell, true, 1, 200_000, USDT],
          ],
        );
        assert.deepEqual(
          await store.userTrades({ user_id: SELLER, symbol_id: SYMBOL_2, limit: 10 }),
          [],
        );
        assert.deepEqual(await store.marketTrades({ symbol_id: SYMBOL, limit: 10 }), [
          {
            trade_id: TRADE_2,
            symbol_id: SYMBOL,
            price_ticks: 5_100_000,
            qty_lots: 30,
            quote_units: 153_000_000,
            taker_side: Side.Buy,
            ts_ms: T0 + HOUR + 5,
            output_seq: 10,
          },
          {
            trade_id: TRADE_1,
            symbol_id: SYMBOL,
            price_ticks: 5_000_000,
            qty_lots: 40,
            quote_units: 200_000_000,
            taker_side: Side.Buy,
            ts_ms: T0 + 3,
            output_seq: 4,
          },
        ]);
        assert.deepEqual(
          (await store.orderTrades({ order_id: 1, limit: 10 })).map((t) => [
            t.trade_id,
            t.user_id,
            t.side,
            t.is_maker,
            t.qty_lots,
          ]),
          [[TRADE_1, SELLER, Side.Sell, true, 40]],
        );
        assert.deepEqual(
          (await store.orderTrades({ order_id: 5, limit: 10 })).map((t) => [
            t.trade_id,
            t.order_id,
          ]),
          [[TRADE_2, 5]],
        );
        assert.deepEqual(await store.orderTrades({ order_id: 3, limit: 10 }), []);
      },
    );

    withStore("self-trade prevention: no trade row, the maker expires", async (store) => {
      const outputs = run([
        transfer("deposit", "s-1", BUYER, BTC, 100_000_000, 1),
        transfer("deposit", "s-2", BUYER, USDT, 100_000_000_000, 2),
        limit(BUYER, Side.Sell, 100_000, 10, 3),
        // The same user crossing their own order: the default STP expires the maker.
        limit(BUYER, Side.Buy, 100_000, 10, 4),
      ]);
      await store.apply(batchOf(outputs));
      assert.deepEqual(await store.marketTrades({ symbol_id: SYMBOL, limit: 10 }), []);
      assert.deepEqual(
        (await store.orderHistory({ user_id: BUYER, limit: 10 })).map((o) => [
          o.order_id,
          o.status,
          o.reason,
        ]),
        [
          [2, OrderStatus.New, 0],
          [1, OrderStatus.Expired, Reject.SELF_TRADE_PREVENTED.id],
        ],
      );
    });

    withStore("the ledger: per-account seq, balances after, event ids, times", async (store) => {
      const d = day();
      await store.apply(d.a);
      await store.apply(d.b);
      const usdt = await store.ledger({ user_id: BUYER, asset_id: USDT, limit: 20 });
      const trade1 = String(TRADE_1);
      const trade2 = String(TRADE_2);
      assert.deepEqual(
        usdt.map((l) => [
          l.seq,
          l.kind,
          l.delta_avail,
          l.delta_frozen,
          l.avail,
          l.frozen,
          l.event_id,
          l.ts_ms,
          l.output_seq,
        ]),
        [
          [
            9,
            BalanceKind.Freeze,
            -40_000_000,
            40_000_000,
            9_607_000_000,
            40_000_000,
            "6",
            T0 + HOUR + 9,
            14,
          ],
          [
            8,
            BalanceKind.Release,
            102_000_000,
            -102_000_000,
            9_647_000_000,
            0,
            "5",
            T0 + HOUR + 5,
            10,
          ],
          [
            7,
            BalanceKind.TradeDebit,
            0,
            -153_000_000,
            9_545_000_000,
            102_000_000,
            trade2,
            T0 + HOUR + 5,
            10,
          ],
          [
            6,
            BalanceKind.Freeze,
            -255_000_000,
            255_000_000,
            9_545_000_000,
            255_000_000,
            "5",
            T0 + HOUR + 5,
            10,
          ],
          [5, BalanceKind.Release, 50_000_000, -50_000_000, 9_800_000_000, 0, "3", T0 + 4, 5],
          [
            4,
            BalanceKind.Freeze,
            -50_000_000,
            50_000_000,
            9_750_000_000,
            50_000_000,
            "3",
            T0 + 4,
            5,
          ],
          [3, BalanceKind.TradeDebit, 0, -200_000_000, 9_800_000_000, 0, trade1, T0 + 3, 4],
          [
            2,
            BalanceKind.Freeze,
            -200_000_000,
            200_000_000,
            9_800_000_000,
            200_000_000,
            "2",
            T0 + 3,
            4,
          ],
          [
            1,
            BalanceKind.Deposit,
            10_000_000_000,
            0,
            10_000_000_000,
            0,
            `deposit_1_2_${T0}_dep-1`,
            T0,
            1,
          ],
        ],
      );
      assert.equal(usdt[8]!.ref, "dep-1");
      const all = await store.ledger({ user_id: SELLER, limit: 20 });
      assert.deepEqual(
        all.map((l) => [l.output_seq, l.asset_id, l.seq, l.kind, l.avail, l.frozen]),
        [
          [11, USDT, 3, BalanceKind.Withdraw, 252_647_000, 0],
          [10, BTC, 6, BalanceKind.TradeDebit, 99_300_000, 0],
          [10, USDT, 2, BalanceKind.TradeCredit, 352_647_000, 0],
          [9, BTC, 5, BalanceKind.Freeze, 99_300_000, 300_000],
          [6, BTC, 4, BalanceKind.Release, 99_600_000, 0],
          [4, BTC, 3, BalanceKind.TradeDebit, 99_000_000, 600_000],
          [4, USDT, 1, BalanceKind.TradeCredit, 199_800_000, 0],
          [3, BTC, 2, BalanceKind.Freeze, 99_000_000, 1_000_000],
          [2, BTC, 1, BalanceKind.Deposit, 100_000_000, 0],
        ],
      );
      assert.equal(all[0]!.event_id, `withdraw_2_2_${T0 + HOUR + 6}_wd-1`);
      const fees = await store.ledger({ user_id: FEES, limit: 10 });
      assert.deepEqual(
        fees.map((l) => [l.asset_id, l.seq, l.kind, l.delta_avail, l.avail]),
        [
          [BTC, 2, BalanceKind.FeeCredit, 450, 1_050],
          [USDT, 2, BalanceKind.FeeCredit, 153_000, 353_000],
          [BTC, 1, BalanceKind.FeeCredit, 600, 600],
          [USDT, 1, BalanceKind.FeeCredit, 200_000, 200_000],
        ],
      );
      assert.equal((await store.ledger({ user_id: SELLER, limit: 2 })).length, 2);
    });

    withStore(
      "transfers: one row per request, refusals kept, duplicates add none",
      async (store) => {
        await store.apply(day().all);
        assert.deepEqual(await store.transfer("dep-1"), {
          request_id: "dep-1",
          kind: CommandKind.Deposit,
          user_id: BUYER,
          asset_id: USDT,
          amount_units: 10_000_000_000,
          reject: 0,
          event_id: `deposit_1_2_${T0}_dep-1`,
          ts_ms: T0,
          output_seq: 1,
        });
        const wd = await store.transfer("wd-1");
        assert.deepEqual(
          [wd?.kind, wd?.reject, wd?.amount_units, wd?.event_id, wd?.output_seq],
          [CommandKind.Withdraw, 0, 100_000_000, `withdraw_2_2_${T0 + HOUR + 6}_wd-1`, 11],
        );
        const refused = await store.transfer("wd-2");
        assert.deepEqual(
          [refused?.reject, refused?.amount_units, refused?.output_seq],
          [Reject.INSUFFICIENT_BALANCE.id, 1_000_000_000, 13],
        );
        assert.equal(await store.transfer("nope"), null);
      },
    );

    withStore("a transfer retried, or its id reused, keeps the first outcome", async (store) => {
      const core = new Core(SPEC);
      await store.apply(batchOf(run(dayCommands(), core)));
      const before = await store.ledger({ user_id: BUYER, limit: 100 });
      const outputs = run(
        [
          // The refused withdrawal again: the core answers it as a duplicate.
          transfer("withdraw", "wd-2", BUYER, BTC, 1_000_000_000, T0 + 2 * HOUR),
          // The same id with other terms: refused as DUPLICATE_REQUEST_ID.
          transfer("withdraw", "wd-2", BUYER, BTC, 5, T0 + 2 * HOUR + 1),
          // The applied withdrawal's id with other terms.
          transfer("withdraw", "wd-1", SELLER, USDT, 1, T0 + 2 * HOUR + 2),
        ],
        core,
      );
      assert.deepEqual(
        outputs.map((o) => [o.duplicate, o.reject]),
        [
          [true, Reject.INSUFFICIENT_BALANCE.id],
          [false, Reject.DUPLICATE_REQUEST_ID.id],
          [false, Reject.DUPLICATE_REQUEST_ID.id],
        ],
      );
      const r = await store.apply(batchOf(outputs));
      assert.deepEqual([r.rows, r.position?.seq], [0, 17]);
      const refused = await store.transfer("wd-2");
      assert.deepEqual(
        [refused?.reject, refused?.amount_units, refused?.output_seq],
        [Reject.INSUFFICIENT_BALANCE.id, 1_000_000_000, 13],
      );
      const applied = await store.transfer("wd-1");
      assert.deepEqual(
        [applied?.reject, applied?.amount_units, applied?.output_seq],
        [0, 100_000_000, 11],
      );
      assert.deepEqual(await store.ledger({ user_id: BUYER, limit: 100 }), before);
    });

    withStore("klines: one candle per interval touched, exact sums", async (store) => {
      await store.apply(day().all);
      const m1 = await store.klines({ symbol_id: SYMBOL, interval: "1m", limit: 10 });
      assert.deepEqual(m1, [
        {
          symbol_id: SYMBOL,
          interval: "1m",
          open_time_ms: T0,
          close_time_ms: T0 + MINUTE - 1,
          open_ticks: 5_000_000,
          high_ticks: 5_000_000,
          low_ticks: 5_000_000,
          close_ticks: 5_000_000,
          volume_lots: 40n,
          quote_units: 200_000_000n,
          taker_buy_volume_lots: 40n,
          taker_buy_quote_units: 200_000_000n,
          trade_count: 1,
          first_trade_id: TRADE_1,
          last_trade_id: TRADE_1,
        },
        {
          symbol_id: SYMBOL,
          interval: "1m",
          open_time_ms: T0 + HOUR,
          close_time_ms: T0 + HOUR + MINUTE - 1,
          open_ticks: 5_100_000,
          high_ticks: 5_100_000,
          low_ticks: 5_100_000,
          close_ticks: 5_100_000,
          volume_lots: 30n,
          quote_units: 153_000_000n,
          taker_buy_volume_lots: 30n,
          taker_buy_quote_units: 153_000_000n,
          trade_count: 1,
          first_trade_id: TRADE_2,
          last_trade_id: TRADE_2,
        },
      ]);
      const h4 = await store.klines({ symbol_id: SYMBOL, interval: "4h", limit: 10 });
      const d1 = await store.klines({ symbol_id: SYMBOL, interval: "1d", limit: 10 });
      for (const [list, ms] of [
        [h4, 4 * HOUR],
        [d1, 24 * HOUR],
      ] as const) {
        assert.deepEqual(
          list.map((k) => [
            k.open_time_ms,
            k.open_ticks,
            k.high_ticks,
            k.low_ticks,
            k.close_ticks,
            k.volume_lots,
            k.quote_units,
            k.trade_count,
            k.first_trade_id,
            k.last_trade_id,
          ]),
          [
            [
              candleOpen(T0, ms),
              5_000_000,
              5_100_000,
              5_000_000,
              5_100_000,
              70n,
              353_000_000n,
              2,
              TRADE_1,
              TRADE_2,
            ],
          ],
        );
      }
      assert.equal(
        (await store.klines({ symbol_id: SYMBOL, interval: "1h", limit: 10 })).length,
        2,
      );
      // A time range, ascending from its start; without a start, the newest, still ascending.
      assert.deepEqual(
        (
          await store.klines({ symbol_id: SYMBOL, interval: "1m", start_time: T0 + 1, limit: 10 })
        ).map((k) => k.open_time_ms),
        [T0 + HOUR],
      );
      assert.deepEqual(
        (await store.klines({ symbol_id: SYMBOL, interval: "1m", limit: 1 })).map(
          (k) => k.open_time_ms,
        ),
        [T0 + HOUR],
      );
      assert.deepEqual(
        (
          await store.klines({
            symbol_id: SYMBOL,
            interval: "5m",
            end_time: T0 + 30 * MINUTE,
            limit: 10,
          })
        ).map((k) => k.open_time_ms),
        [candleOpen(T0, 5 * MINUTE)],
      );
      assert.deepEqual(await store.klines({ symbol_id: SYMBOL_2, interval: "1m", limit: 10 }), []);
    });

    withStore("the 24 h ticker rolls over the candles", async (store) => {
      await store.apply(day().all);
      assert.deepEqual(await store.ticker24h({ symbol_id: SYMBOL, now_ms: T0 + HOUR + 10 }), {
        symbol_id: SYMBOL,
        open_time_ms: T0 + HOUR + MINUTE - 24 * HOUR,
        close_time_ms: T0 + HOUR + MINUTE - 1,
        open_ticks: 5_000_000,
        high_ticks: 5_100_000,
        low_ticks: 5_000_000,
        last_ticks: 5_100_000,
        volume_lots: 70n,
        quote_units: 353_000_000n,
        trade_count: 2,
        first_trade_id: TRADE_1,
        last_trade_id: TRADE_2,
      });
      // A day and half an hour later only the second trade is inside the window.
      const later = await store.ticker24h({
        symbol_id: SYMBOL,
        now_ms: T0 + 24 * HOUR + 30 * MINUTE,
      });
      assert.deepEqual(
        [later?.open_ticks, later?.last_ticks, later?.volume_lots, later?.trade_count],
        [5_100_000, 5_100_000, 30n, 1],
      );
      assert.equal(await store.ticker24h({ symbol_id: SYMBOL, now_ms: T0 + 3 * 24 * HOUR }), null);
      assert.equal(await store.ticker24h({ symbol_id: SYMBOL_2, now_ms: T0 + HOUR }), null);
    });

    withStore("one batch, two batches or one per output: the same rows", async (store) => {
      const d = day();
      await store.apply(d.all);
      const whole = await snapshot(store);
      for (const cut of [[d.a, d.b], d.outputs.map((o) => batchOf([o]))]) {
        const { store: other, dispose } = await open();
        try {
          await other.migrate();
          for (const b of cut) await other.apply(b);
          assert.deepEqual(await snapshot(other), whole);
        } finally {
          await dispose();
        }
      }
    });

    withStore("candles of trades in one batch or across batches agree", async (store) => {
      const outputs = twoSymbols();
      await store.apply(batchOf(outputs));
      const whole = await snapshot(store);
      const k = await store.klines({ symbol_id: SYMBOL, interval: "1m", limit: 10 });
      assert.deepEqual(
        k.map((c) => [
          c.open_time_ms,
          c.trade_count,
          c.volume_lots,
          c.first_trade_id,
          c.last_trade_id,
        ]),
        [[0, 2, 200n, tradeIdOf(SYMBOL, 1), tradeIdOf(SYMBOL, 2)]],
      );
      const { store: other, dispose } = await open();
      try {
        await other.migrate();
        for (const o of outputs) await other.apply(batchOf([o]));
        assert.deepEqual(await snapshot(other), whole);
      } finally {
        await dispose();
      }
    });

    withStore("re-applying applied outputs is a no-op", async (store) => {
      const d = day();
      await store.apply(d.a);
      await store.apply(d.b);
      const before = await snapshot(store);
      const again = await store.apply(d.a);
      assert.deepEqual([again.rows, again.skipped, again.position?.seq], [0, 3, 14]);
      assert.deepEqual(
        [(await store.apply(d.all)).rows, (await store.apply(d.all)).skipped],
        [0, 14],
      );
      assert.deepEqual(await snapshot(store), before);
    });

    withStore(
      "a batch overlapping the stored position applies only its new outputs",
      async (store) => {
        const d = day();
        await store.apply(d.a);
        const r = await store.apply(d.all);
        assert.equal(r.skipped, 3);
        const { store: other, dispose } = await open();
        try {
          await other.migrate();
          await other.apply(d.all);
          assert.deepEqual(await snapshot(store), await snapshot(other));
        } finally {
          await dispose();
        }
      },
    );

    withStore("the stored position carries the transport's position", async (store) => {
      const d = day();
      await store.apply({ outputs: d.a.outputs, source_seq: 7 });
      assert.equal((await store.position())?.source_seq, 7);
    });

    withStore("a lost output is refused: STREAM_GAP, nothing written", async (store) => {
      const d = day();
      // A fresh store starts at the stream's first output.
      await rejects(store.apply(d.b), "STREAM_GAP");
      await store.apply(d.a);
      const before = await snapshot(store);
      await rejects(store.apply(batchOf(d.b.outputs.slice(1))), "STREAM_GAP");
      // Inside a batch too.
      const holey = [...d.b.outputs.slice(0, 2), ...d.b.outputs.slice(3)];
      await rejects(store.apply(batchOf(holey)), "STREAM_GAP");
      await rejects(store.apply(batchOf([...d.b.outputs].reverse())), "STREAM_GAP");
      assert.deepEqual(await snapshot(store), before);
    });

    withStore("another stream than the one applied is refused: STREAM_DIVERGED", async (store) => {
      const d = day();
      await store.apply(d.a);
      const before = await snapshot(store);
      const forged = edited(d.a.outputs, 3, (o) => ({ ...o, hash: o.hash ^ 1n }));
      await rejects(store.apply(batchOf(forged)), "STREAM_DIVERGED");
      const relinked = edited(d.b.outputs, 4, (o) => ({ ...o, prev_hash: o.prev_hash ^ 1n }));
      await rejects(store.apply(batchOf(relinked)), "STREAM_DIVERGED");
      const inner = edited(d.b.outputs, 6, (o) => ({ ...o, prev_hash: o.prev_hash ^ 1n }));
      await rejects(store.apply(batchOf(inner)), "STREAM_DIVERGED");
      assert.deepEqual(await snapshot(store), before);
    });

    withStore("a ledger gap against the database rolls the whole batch back", async (store) => {
      const d = day();
      await store.apply(d.a);
      const before = await snapshot(store);
      // The buyer's USDT rows in b start at 3 where 2 is due: an event was lost.
      const shifted = d.b.outputs.map((o) => ({
        ...o,
        events: o.events.map((e) =>
          e.user_id === BUYER && e.asset_id === USDT ? { ...e, seq: e.seq + 1 } : e,
        ),
      }));
      await rejects(store.apply(batchOf(shifted)), "LEDGER_GAP");
      assert.deepEqual(await snapshot(store), before);
      // The intact batch still applies afterwards.
      await store.apply(d.b);
      assert.equal((await store.position())?.seq, 14);
    });

    withStore("a ledger gap inside the batch rolls it back", async (store) => {
      const d = day();
      const gap = edited(d.all.outputs, 4, (o) => ({
        ...o,
        events: o.events.filter((e) => e.user_id !== BUYER || e.asset_id !== USDT),
      }));
      await rejects(store.apply(batchOf(gap)), "LEDGER_GAP");
      assert.equal(await store.position(), null);
      assert.deepEqual(await store.orderHistory({ user_id: SELLER, limit: 10 }), []);
      assert.deepEqual(await store.ledger({ user_id: BUYER, limit: 10 }), []);
    });

    withStore(
      "outputs against the rules are refused: BATCH_INVALID, nothing written",
      async (store) => {
        const d = day();
        const cases: CoreOutput[][] = [
          // A command kind with no row plan.
          edited(d.all.outputs, 11, (o) => ({ ...o, input: { ...o.input, kind: 99 } as never })),
          // An accepted order without its update.
          edited(d.all.outputs, 3, (o) => ({ ...o, updates: [] })),
          // A fractional amount.
          edited(d.all.outputs, 1, (o) => ({
            ...o,
            events: o.events.map((e) => ({ ...e, avail: e.avail + 0.5 })),
          })),
          // A symbol the store does not know.
          edited(d.all.outputs, 3, (o) => ({
            ...o,
            input: { ...o.input, symbol_id: 77 } as never,
          })),
        ];
        for (const outputs of cases) await rejects(store.apply(batchOf(outputs)), "BATCH_INVALID");
        assert.equal(await store.position(), null);
        assert.deepEqual(await store.ledger({ user_id: BUYER, limit: 10 }), []);
      },
    );

    withStore("reads over all symbols merge each symbol's rows", async (store) => {
      await store.apply(batchOf(twoSymbols()));
      const all = await store.orderHistory({ user_id: SELLER, limit: 10 });
      assert.deepEqual(
        all.map((o) => [o.order_id, o.symbol_id, o.created_ts_ms]),
        [
          [7, SYMBOL_2, 40],
          [5, SYMBOL, 30],
          [3, SYMBOL_2, 20],
          [1, SYMBOL, 10],
        ],
      );
      assert.deepEqual(
        (await store.orderHistory({ user_id: SELLER, limit: 3 })).map((o) => o.order_id),
        [7, 5, 3],
      );
      assert.deepEqual(
        (await store.orderHistory({ user_id: SELLER, symbol_id: SYMBOL, limit: 10 })).map(
          (o) => o.order_id,
        ),
        [5, 1],
      );
      assert.deepEqual(
        (await store.userTrades({ user_id: BUYER, limit: 3 })).map((t) => [t.trade_id, t.ts_ms]),
        [
          [tradeIdOf(SYMBOL_2, 2), 41],
          [tradeIdOf(SYMBOL, 2), 31],
          [tradeIdOf(SYMBOL_2, 1), 21],
        ],
      );
      assert.deepEqual(
        (await store.userTrades({ user_id: SELLER, limit: 10 })).map((t) => [t.trade_id, t.side]),
        [
          [tradeIdOf(SYMBOL_2, 2), Side.Sell],
          [tradeIdOf(SYMBOL, 2), Side.Sell],
          [tradeIdOf(SYMBOL_2, 1), Side.Sell],
          [tradeIdOf(SYMBOL, 1), Side.Sell],
        ],
      );
      // The buyer filled orders 1 and 3 (each taken twice); 5 and 7 still rest.
      assert.deepEqual(
        (await store.activeOrders({ user_id: SELLER, limit: 10 })).map((o) => o.order_id),
        [7, 5],
      );
      assert.deepEqual(
        (await store.activeOrders({ user_id: SELLER, symbol_id: SYMBOL_2, limit: 1 })).map(
          (o) => o.order_id,
        ),
        [7],
      );
      assert.deepEqual(
        (await store.marketTrades({ symbol_id: SYMBOL_2, limit: 10 })).map((t) => t.trade_id),
        [tradeIdOf(SYMBOL_2, 2), tradeIdOf(SYMBOL_2, 1)],
      );
    });

    withStore("pages: from an id, from a time, up to a time", async (store) => {
      await store.apply(batchOf(tape(12)));
      const trade = (i: number) => tradeIdOf(SYMBOL, i);
      const at = (i: number) => T0 + i * 1000 + 1;
      const ids = (rows: { trade_id: number }[]) => rows.map((t) => t.trade_id);
      const q = { user_id: BUYER, symbol_id: SYMBOL };
      assert.deepEqual(ids(await store.userTrades({ ...q, limit: 3 })), [
        trade(12),
        trade(11),
        trade(10),
      ]);
      assert.deepEqual(ids(await store.userTrades({ ...q, from_id: trade(4), limit: 3 })), [
        trade(4),
        trade(5),
        trade(6),
      ]);
      assert.deepEqual(ids(await store.userTrades({ ...q, start_time: at(7), limit: 2 })), [
        trade(7),
        trade(8),
      ]);
      assert.deepEqual(ids(await store.userTrades({ ...q, end_time: at(6), limit: 2 })), [
        trade(6),
        trade(5),
      ]);
      assert.deepEqual(
        ids(await store.userTrades({ ...q, start_time: at(3), end_time: at(5), limit: 10 })),
        [trade(3), trade(4), trade(5)],
      );
      assert.deepEqual(
        ids(await store.userTrades({ ...q, from_id: trade(11), end_time: at(11), limit: 10 })),
        [trade(11)],
      );
      assert.deepEqual(await store.userTrades({ ...q, from_id: trade(13), limit: 10 }), []);
      assert.deepEqual(
        ids(await store.marketTrades({ symbol_id: SYMBOL, from_id: trade(10), limit: 10 })),
        [trade(10), trade(11), trade(12)],
      );
      assert.deepEqual(
        ids(await store.marketTrades({ symbol_id: SYMBOL, start_time: at(2), limit: 2 })),
        [trade(2), trade(3)],
      );
      assert.deepEqual(
        ids(await store.marketTrades({ symbol_id: SYMBOL, end_time: at(2), limit: 5 })),
        [trade(2), trade(1)],
      );
      // Orders: sells are odd ids 1, 3, ..., 23 (one per second), buys even.
      const sells = { user_id: SELLER, symbol_id: SYMBOL };
      const oids = (rows: { order_id: number }[]) => rows.map((o) => o.order_id);
      assert.deepEqual(
        oids(await store.orderHistory({ ...sells, from_id: 4, limit: 3 })),
        [5, 7, 9],
      );
      assert.deepEqual(
        oids(await store.orderHistory({ ...sells, start_time: T0 + 11_000, limit: 5 })),
        [21, 23],
      );
      assert.deepEqual(
        oids(await store.orderHistory({ user_id: SELLER, end_time: T0 + 2_000, limit: 5 })),
        [3, 1],
      );
      // A page continues where the previous one ended: no row twice, none left out.
      const seen: number[] = [];
      let from = 0;
      for (;;) {
        const page = await store.userTrades({ ...q, from_id: from, limit: 5 });
        seen.push(...ids(page));
        if (page.length < 5) break;
        from = page[page.length - 1]!.trade_id + 1;
      }
      assert.deepEqual(
        seen,
        Array.from({ length: 12 }, (_, i) => trade(i + 1)),
      );
    });

    withStore(
      "trading commands: stops, OCO legs, amended terms, a cancel-replace, cancel-all and a fired timer",
      async (store) => {
        const outputs = tradingDay();
        // Each output its own batch: the amend changes a row an earlier batch inserted.
        for (const o of outputs) await store.apply(batchOf([o]));
        const history = async (user_id: number) =>
          (await store.orderHistory({ user_id, limit: 100 }))
            .map(termsOf)
            .sort((a, b) => (a[0] as number) - (b[0] as number));
        const L = OrderType.Limit;
        const S = OrderStatus;
        const auto = Reject.AUTO_CANCELLED.id;
        const user = Reject.USER_CANCELLED.id;
        assert.deepEqual(await history(SELLER), [
          // Triggered by the trade at 49000, it rested as a limit sell until the timer.
          [1, OrderType.StopLossLimit, 4_890_000, 100, 4_900_000, 0, "", S.Cancelled, auto, 0],
          [2, L, 5_200_000, 100, 0, 3, "take", S.Cancelled, auto, 0],
          [
            3,
            OrderType.StopLoss,
            0,
            100,
            4_800_000,
            2,
            "",
            S.Cancelled,
            Reject.OCO_CANCELLED.id,
            0,
          ],
          // Amended to 51000 x 0.005, then cancelled by the cancel-replace.
          [4, L, 5_100_000, 50, 0, 0, "a", S.Cancelled, user, 0],
          [5, L, 4_900_000, 100, 0, 0, "b", S.Filled, 0, 100],
        ]);
        assert.deepEqual(await history(BUYER), [
          [6, L, 4_900_000, 100, 0, 0, "", S.Filled, 0, 100],
          [7, L, 4_000_000, 10, 0, 0, "", S.Cancelled, user, 0],
        ]);
        assert.deepEqual(await store.activeOrders({ user_id: SELLER, limit: 100 }), []);
        // The same outputs in one batch: the amend changes the row the batch inserts.
        const { store: other, dispose } = await open();
        try {
          await other.migrate();
          await other.apply(batchOf(outputs));
          for (const user_id of [SELLER, BUYER]) {
            assert.deepEqual(
              (await other.orderHistory({ user_id, limit: 100 })).map(termsOf),
              (await store.orderHistory({ user_id, limit: 100 })).map(termsOf),
            );
          }
        } finally {
          await dispose();
        }
      },
    );

    withStore("waiting stops and OCO legs are open orders", async (store) => {
      // Up to the amend: 1 waits, 2 rests, 3 waits, 4 rests amended.
      const outputs = tradingDay().slice(0, 6);
      await store.apply(batchOf(outputs.slice(0, 5)));
      await store.apply(batchOf(outputs.slice(5)));
      const open = (await store.activeOrders({ user_id: SELLER, limit: 100 }))
        .map((r) => [r.order_id, r.status, r.price_ticks, r.qty_lots, r.reason])
        .sort((a, b) => (a[0] as number) - (b[0] as number));
      assert.deepEqual(open, [
        [1, OrderStatus.Untriggered, 4_890_000, 100, 0],
        [2, OrderStatus.New, 5_200_000, 100, 0],
        [3, OrderStatus.Untriggered, 0, 100, 0],
        [4, OrderStatus.New, 5_100_000, 50, Reject.ORDER_AMENDED.id],
      ]);
      assert.equal((await store.order({ user_id: SELLER, cid: "take" }))?.oco_order_id, 3);
    });

    withStore("queries check their arguments", async (store) => {
      await assert.rejects(store.orderHistory({ user_id: BUYER, limit: 0 }), RangeError);
      await assert.rejects(store.marketTrades({ symbol_id: SYMBOL, limit: 1.5 }), RangeError);
      await assert.rejects(store.userTrades({ user_id: BUYER, from_id: -1, limit: 5 }), RangeError);
      await assert.rejects(
        store.klines({ symbol_id: SYMBOL, interval: "1m", start_time: 0.5, limit: 5 }),
        RangeError,
      );
    });
  });
}
