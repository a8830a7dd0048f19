// The settlement store contract: every implementation runs these tests
// unchanged, each test on a fresh, migrated, empty store.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { BalanceKind, CommandKind, OrderStatus, Side } from "../../../src/core/enums.ts";
import { Reject } from "../../../src/core/errors.ts";
import {
  BALANCE_STREAM,
  engineStream,
  type SettlementBatch,
  type SettlementStore,
  StoreError,
} from "../../../src/store/mod.ts";
import {
  BTC,
  BUYER,
  batchOf,
  day,
  ev,
  FEES,
  SELLER,
  SYMBOL,
  SYMBOL_2,
  shiftSeqs,
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
  const users = [BUYER, SELLER, FEES];
  const out: Record<string, unknown> = {};
  for (const user_id of users) {
    out[`active/${user_id}`] = await store.activeOrders({ user_id, limit: 100 });
    out[`history/${user_id}`] = await store.orderHistory({ user_id, limit: 100 });
    out[`trades/${user_id}`] = await store.userTrades({ user_id, limit: 100 });
    out[`ledger/${user_id}`] = await store.ledger({ user_id, limit: 100 });
  }
  for (const order_id of [101, 102, 103]) {
    out[`events/${order_id}`] = await store.orderEvents({ order_id });
  }
  out.market = await store.marketTrades({ symbol_id: SYMBOL, limit: 100 });
  for (const id of ["dep-1", "dep-2", "wd-1", "wd-2"])
    out[`transfer/${id}`] = await store.transfer(id);
  out.positions = [...(await store.loadPositions()).values()];
  return out;
}

async function rejects(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof StoreError, `expected a StoreError, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  });
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

    withStore("a fresh store has no positions and no rows", async (store) => {
      assert.equal((await store.loadPositions()).size, 0);
      assert.deepEqual(await store.orderHistory({ user_id: BUYER, limit: 10 }), []);
      assert.equal(await store.transfer("dep-1"), null);
    });

    withStore("migrating twice changes nothing", async (store) => {
      const d = day();
      await store.apply(d.a);
      const before = await snapshot(store);
      await store.migrate();
      assert.deepEqual(await snapshot(store), before);
    });

    withStore("the resting order is active after the first part of the day", async (store) => {
      const d = day();
      const r = await store.apply(d.a);
      // 4 log rows, 1 order, 1 history, 1 active, 3 ledger, 2 transfers.
      assert.deepEqual(r, { rows: 12, skipped: 0 });
      const active = await store.activeOrders({ user_id: SELLER, limit: 10 });
      assert.equal(active.length, 1);
      assert.deepEqual(active[0], {
        order_id: 101,
        user_id: SELLER,
        symbol_id: SYMBOL,
        side: Side.Sell,
        order_type: 1,
        tif: 1,
        post_only: false,
        stp: 2,
        price_ticks: 5_000_000,
        qty_lots: 100,
        quote_units: 0,
        cid: "s-1",
        status: OrderStatus.New,
        filled_lots: 0,
        remaining_lots: 100,
        filled_quote_units: 0,
        reason: 0,
        created_ts_ms: 1_002,
        updated_ts_ms: 1_002,
      });
      assert.deepEqual(await store.activeOrders({ user_id: SELLER, symbol_id: 2, limit: 10 }), []);
      const positions = await store.loadPositions();
      assert.equal(positions.get(engineStream(SYMBOL))?.seq, 1);
      assert.equal(positions.get(BALANCE_STREAM)?.seq, 3);
      assert.equal(positions.get(BALANCE_STREAM)?.hash, d.a.balance[2]!.hash);
    });

    withStore("orders of every status, with their amounts", async (store) => {
      const d = day();
      await store.apply(d.a);
      await store.apply(d.b);
      const buyer = await store.orderHistory({ user_id: BUYER, limit: 10 });
      assert.deepEqual(
        buyer.map((o) => [o.order_id, o.status, o.filled_lots, o.remaining_lots, o.reason]),
        [
          [103, OrderStatus.Rejected, 0, 10, Reject.POST_ONLY_WOULD_TAKE.id],
          [102, OrderStatus.Filled, 40, 0, 0],
        ],
      );
      assert.equal(buyer[0]!.post_only, true);
      assert.equal(buyer[1]!.filled_quote_units, 200_000_000);
      const seller = await store.orderHistory({ user_id: SELLER, symbol_id: SYMBOL, limit: 10 });
      assert.equal(seller.length, 1);
      assert.deepEqual(
        [seller[0]!.status, seller[0]!.filled_lots, seller[0]!.remaining_lots, seller[0]!.reason],
        [OrderStatus.Cancelled, 40, 60, Reject.USER_CANCELLED.id],
      );
      assert.deepEqual([seller[0]!.created_ts_ms, seller[0]!.updated_ts_ms], [1_002, 1_005]);
      assert.equal((await store.orderHistory({ user_id: BUYER, limit: 1 })).length, 1);
    });

    withStore("active orders disappear when they end", async (store) => {
      const d = day();
      await store.apply(d.a);
      await store.apply(d.b);
      assert.deepEqual(await store.activeOrders({ user_id: SELLER, limit: 10 }), []);
      assert.deepEqual(await store.activeOrders({ user_id: BUYER, limit: 10 }), []);
    });

    withStore("every state change of every order, makers included, in order", async (store) => {
      const d = day();
      await store.apply(d.a);
      await store.apply(d.b);
      const maker = await store.orderEvents({ order_id: 101 });
      assert.deepEqual(
        maker.map((h) => [
          h.output_seq,
          h.idx,
          h.status,
          h.filled_lots,
          h.remaining_lots,
          h.trade_id,
          h.ts_ms,
        ]),
        [
          [1, 0, OrderStatus.New, 0, 100, null, 1_002],
          [2, 0, OrderStatus.PartiallyFilled, 40, 60, 9001, 1_003],
          [4, 0, OrderStatus.Cancelled, 40, 60, null, 1_005],
        ],
      );
      assert.ok(maker.every((h) => h.event_id === "101" && h.user_id === SELLER));
      const taker = await store.orderEvents({ order_id: 102 });
      assert.deepEqual(
        taker.map((h) => [h.output_seq, h.idx, h.status, h.filled_quote_units, h.trade_id]),
        [[2, 1, OrderStatus.Filled, 200_000_000, 9001]],
      );
      const refused = await store.orderEvents({ order_id: 103 });
      assert.deepEqual(
        refused.map((h) => [h.status, h.reason]),
        [[OrderStatus.Rejected, Reject.POST_ONLY_WOULD_TAKE.id]],
      );
    });

    withStore("two rows per trade, each with its side and fee", async (store) => {
      const d = day();
      await store.apply(d.all);
      assert.deepEqual(await store.userTrades({ user_id: BUYER, limit: 10 }), [
        {
          trade_id: 9001,
          symbol_id: SYMBOL,
          user_id: BUYER,
          order_id: 102,
          counterparty_user_id: SELLER,
          counterparty_order_id: 101,
          side: Side.Buy,
          is_maker: false,
          price_ticks: 5_000_000,
          qty_lots: 40,
          quote_units: 200_000_000,
          fee_units: 600,
          fee_asset_id: BTC,
          ts_ms: 1_003,
          output_seq: 2,
        },
      ]);
      const seller = await store.userTrades({ user_id: SELLER, symbol_id: SYMBOL, limit: 10 });
      assert.equal(seller.length, 1);
      assert.deepEqual(
        [
          seller[0]!.side,
          seller[0]!.is_maker,
          seller[0]!.fee_units,
          seller[0]!.fee_asset_id,
          seller[0]!.order_id,
        ],
        [Side.Sell, true, 200_000, USDT, 101],
      );
      assert.deepEqual(await store.userTrades({ user_id: SELLER, symbol_id: 2, limit: 10 }), []);
      assert.deepEqual(await store.marketTrades({ symbol_id: SYMBOL, limit: 10 }), [
        {
          trade_id: 9001,
          symbol_id: SYMBOL,
          price_ticks: 5_000_000,
          qty_lots: 40,
          quote_units: 200_000_000,
          taker_side: Side.Buy,
          ts_ms: 1_003,
          output_seq: 2,
        },
      ]);
    });

    withStore("the ledger: per-account seq, balances after, event ids, times", async (store) => {
      const d = day();
      await store.apply(d.a);
      await store.apply(d.b);
      const usdt = await store.ledger({ user_id: BUYER, asset_id: USDT, limit: 10 });
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
        ]),
        [
          [5, BalanceKind.Release, 50_000_000, -50_000_000, 9_800_000_000, 0, "103", 1_004],
          [4, BalanceKind.Freeze, -50_000_000, 50_000_000, 9_750_000_000, 50_000_000, "103", 1_004],
          [3, BalanceKind.TradeDebit, 0, -200_000_000, 9_800_000_000, 0, "9001", 1_003],
          [
            2,
            BalanceKind.Freeze,
            -200_000_000,
            200_000_000,
            9_800_000_000,
            200_000_000,
            "102",
            1_003,
          ],
          [
            1,
            BalanceKind.Deposit,
            10_000_000_000,
            0,
            10_000_000_000,
            0,
            "deposit_1_2_1000_dep-1",
            1_000,
          ],
        ],
      );
      assert.equal(usdt[4]!.ref, "dep-1");
      const all = await store.ledger({ user_id: SELLER, limit: 10 });
      assert.deepEqual(
        all.map((l) => [l.output_seq, l.asset_id, l.seq, l.kind, l.avail]),
        [
          [12, USDT, 2, BalanceKind.Withdraw, 99_800_000],
          [9, BTC, 4, BalanceKind.Release, 99_600_000],
          [5, BTC, 3, BalanceKind.TradeDebit, 99_000_000],
          [5, USDT, 1, BalanceKind.TradeCredit, 199_800_000],
          [3, BTC, 2, BalanceKind.Freeze, 99_000_000],
          [2, BTC, 1, BalanceKind.Deposit, 100_000_000],
        ],
      );
      assert.equal(all[0]!.event_id, "withdraw_2_2_1007_wd-1");
      const fees = await store.ledger({ user_id: FEES, limit: 10 });
      assert.deepEqual(
        fees.map((l) => [l.asset_id, l.kind, l.avail]),
        [
          [BTC, BalanceKind.FeeCredit, 600],
          [USDT, BalanceKind.FeeCredit, 200_000],
        ],
      );
      assert.equal((await store.ledger({ user_id: SELLER, limit: 2 })).length, 2);
    });

    withStore("transfers: one row per request, duplicates add none", async (store) => {
      const d = day();
      await store.apply(d.all);
      assert.deepEqual(await store.transfer("dep-1"), {
        request_id: "dep-1",
        kind: CommandKind.Deposit,
        user_id: BUYER,
        asset_id: USDT,
        amount_units: 10_000_000_000,
        reject: 0,
        event_id: "deposit_1_2_1000_dep-1",
        ts_ms: 1_000,
        output_seq: 1,
      });
      const wd = await store.transfer("wd-1");
      assert.deepEqual(
        [wd?.kind, wd?.reject, wd?.event_id],
        [CommandKind.Withdraw, 0, "withdraw_2_2_1007_wd-1"],
      );
      const refused = await store.transfer("wd-2");
      assert.deepEqual(
        [refused?.reject, refused?.amount_units],
        [Reject.INSUFFICIENT_BALANCE.id, 1_000_000_000],
      );
      assert.equal(await store.transfer("nope"), null);
    });

    withStore("a refused transfer retried and applied keeps the applied outcome", async (store) => {
      const d = day();
      await store.apply(d.all);
      const s = d.streams;
      const retried = s.command(
        {
          kind: CommandKind.Withdraw,
          request_id: "wd-2",
          user_id: BUYER,
          asset_id: BTC,
          amount_units: 100_000,
          ts_ms: 1_010,
        },
        [ev(BUYER, BTC, 2, BalanceKind.Withdraw, -100_000, 0, 299_400, 0, 0, "wd-2")],
      );
      await store.apply(batchOf([], [retried]));
      const row = await store.transfer("wd-2");
      assert.deepEqual([row?.reject, row?.amount_units, row?.ts_ms], [0, 100_000, 1_010]);
      const clash = s.command(
        {
          kind: CommandKind.Withdraw,
          request_id: "wd-2",
          user_id: BUYER,
          asset_id: BTC,
          amount_units: 5,
          ts_ms: 1_011,
        },
        [],
        { reject: Reject.DUPLICATE_REQUEST_ID.id },
      );
      await store.apply(batchOf([], [clash]));
      assert.deepEqual((await store.transfer("wd-2"))?.amount_units, 100_000);
    });

    withStore("one batch or two: the same rows (later updates win)", async (store) => {
      const d = day();
      await store.apply(d.all);
      const whole = await snapshot(store);
      const { store: other, dispose } = await open();
      try {
        await other.migrate();
        await other.apply(d.a);
        await other.apply(d.b);
        assert.deepEqual(await snapshot(other), whole);
      } finally {
        await dispose();
      }
    });

    withStore("positions: the last output of each stream, with its hash", async (store) => {
      const d = day();
      await store.apply(d.all);
      const p = await store.loadPositions();
      const lastEngine = d.all.engine[d.all.engine.length - 1]!;
      const lastBalance = d.all.balance[d.all.balance.length - 1]!;
      assert.deepEqual(p.get(engineStream(SYMBOL)), {
        stream: engineStream(SYMBOL),
        seq: lastEngine.output_seq,
        hash: lastEngine.hash,
      });
      assert.deepEqual(p.get(BALANCE_STREAM), {
        stream: BALANCE_STREAM,
        seq: lastBalance.output_seq,
        hash: lastBalance.hash,
      });
      assert.equal(p.size, 2);
    });

    withStore("re-applying an applied batch is a no-op", async (store) => {
      const d = day();
      await store.apply(d.a);
      await store.apply(d.b);
      const before = await snapshot(store);
      assert.deepEqual(await store.apply(d.a), { rows: 0, skipped: 4 });
      assert.deepEqual(await store.apply(d.all), {
        rows: 0,
        skipped: d.all.engine.length + d.all.balance.length,
      });
      assert.deepEqual(await snapshot(store), before);
    });

    withStore(
      "a batch overlapping the stored position applies only its new outputs",
      async (store) => {
        const d = day();
        await store.apply(d.a);
        const r = await store.apply(d.all);
        assert.equal(r.skipped, 4);
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

    withStore("a ledger gap against the database rolls the whole batch back", async (store) => {
      const d = day();
      await store.apply(d.a);
      const before = await snapshot(store);
      // The buyer's USDT rows in b start at 3 where 2 is due: an event was lost.
      await rejects(store.apply(shiftSeqs(d.b, BUYER, USDT, 1)), "LEDGER_GAP");
      assert.deepEqual(await snapshot(store), before);
      // The intact batch still applies afterwards.
      await store.apply(d.b);
      assert.equal((await store.loadPositions()).get(BALANCE_STREAM)?.seq, d.all.balance.length);
    });

    withStore("a ledger gap inside the batch rolls it back", async (store) => {
      const d = day();
      const gap: SettlementBatch = {
        ...d.all,
        balance: d.all.balance.map((o) =>
          o.output_seq === 5
            ? { ...o, events: o.events.filter((e) => e.asset_id !== USDT || e.user_id !== BUYER) }
            : o,
        ),
      };
      await rejects(store.apply(gap), "LEDGER_GAP");
      assert.equal((await store.loadPositions()).size, 0);
      assert.deepEqual(await store.orderHistory({ user_id: SELLER, limit: 10 }), []);
      assert.deepEqual(await store.ledger({ user_id: BUYER, limit: 10 }), []);
    });

    withStore("an output missing from a stream is refused", async (store) => {
      const d = day();
      await store.apply(d.a);
      const before = await snapshot(store);
      const b = d.b;
      await rejects(store.apply(batchOf(b.engine.slice(1), b.balance)), "STREAM_GAP");
      await rejects(store.apply(batchOf(b.engine, b.balance.slice(1))), "STREAM_GAP");
      assert.deepEqual(await snapshot(store), before);
    });

    withStore("an output that differs from the applied one is refused", async (store) => {
      const d = day();
      await store.apply(d.a);
      const forged = { ...d.a.engine[0]!, hash: d.a.engine[0]!.hash ^ 1n };
      await rejects(store.apply(batchOf([forged], [])), "STREAM_DIVERGED");
    });

    withStore("a batch whose positions do not match its outputs is refused", async (store) => {
      const d = day();
      await rejects(store.apply({ ...d.a, positions: [] }), "BATCH_INVALID");
      await rejects(
        store.apply({ ...d.a, positions: d.a.positions.map((p) => ({ ...p, seq: p.seq + 1 })) }),
        "BATCH_INVALID",
      );
      const reversed = { ...d.a, balance: [...d.a.balance].reverse() };
      await rejects(store.apply({ ...reversed }), "BATCH_INVALID");
      assert.equal((await store.loadPositions()).size, 0);
    });

    withStore("reads over all symbols merge each symbol's newest rows", async (store) => {
      await store.apply(twoSymbols());
      const all = await store.orderHistory({ user_id: SELLER, limit: 10 });
      assert.deepEqual(
        all.map((o) => [o.order_id, o.symbol_id, o.created_ts_ms]),
        [
          [204, SYMBOL_2, 40],
          [203, SYMBOL, 30],
          [202, SYMBOL_2, 20],
          [201, SYMBOL, 10],
        ],
      );
      assert.deepEqual(
        (await store.orderHistory({ user_id: SELLER, limit: 3 })).map((o) => o.order_id),
        [204, 203, 202],
      );
      assert.deepEqual(
        (await store.orderHistory({ user_id: SELLER, symbol_id: SYMBOL, limit: 10 })).map(
          (o) => o.order_id,
        ),
        [203, 201],
      );
      const trades = await store.userTrades({ user_id: BUYER, limit: 3 });
      assert.deepEqual(
        trades.map((t) => [t.trade_id, t.symbol_id, t.ts_ms]),
        [
          [8103, SYMBOL_2, 41],
          [8002, SYMBOL, 31],
          [8101, SYMBOL_2, 21],
        ],
      );
      assert.deepEqual(
        (await store.activeOrders({ user_id: SELLER, limit: 10 })).map((o) => o.order_id),
        [204, 203, 202, 201],
      );
      assert.deepEqual(
        (await store.activeOrders({ user_id: SELLER, symbol_id: SYMBOL_2, limit: 1 })).map(
          (o) => o.order_id,
        ),
        [204],
      );
      assert.deepEqual(
        (await store.marketTrades({ symbol_id: SYMBOL_2, limit: 10 })).map((t) => t.trade_id),
        [8103, 8101],
      );
    });

    withStore("queries check their limit", async (store) => {
      await assert.rejects(store.orderHistory({ user_id: BUYER, limit: 0 }), RangeError);
      await assert.rejects(store.marketTrades({ symbol_id: SYMBOL, limit: 1.5 }), RangeError);
    });
  });
}
