import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Side, type Trade } from "../../../src/core/mod.ts";
import { addExact, KlineFold } from "../../../src/store/klines.ts";
import { settledTime } from "../../../src/store/mod.ts";
import { planOutputs, planTables, rowCounts } from "../../../src/store/plan.ts";
import { KlineRows, PositionRow } from "../../../src/store/rows.ts";
import { widthOf } from "../../../src/store/writes.ts";
import {
  BTC,
  BUYER,
  day,
  limit,
  run,
  SELLER,
  SPEC,
  SYMBOL,
  T0,
  transfer,
  USDT,
} from "./fixtures.ts";

const symbols = new Map(SPEC.symbols.map((s) => [s.id, s]));

function trade(id: number, price_ticks: number, qty_lots: number, side: Side): Trade {
  return {
    trade_id: id,
    symbol_id: SYMBOL,
    price_ticks,
    qty_lots,
    quote_units: price_ticks * qty_lots,
    maker_order_id: 1,
    taker_order_id: 2,
    maker_user_id: 1,
    taker_user_id: 2,
    taker_side: side,
    buyer_fee_units: 0,
    seller_fee_units: 0,
  };
}

describe("row plan", () => {
  test("the day's rows, table by table", () => {
    const p = planOutputs(day().outputs, 0, symbols);
    // Six orders; two trades; 24 ledger rows; four transfer ids (the duplicate adds none).
    assert.deepEqual(rowCounts(p).tables, {
      orders: 6,
      "orders:update": 0,
      trades: 2,
      balance_ledger: 24,
      transfers: 4,
      // Two trades in different minutes and hours, one 4 h and one day: 2+2+2+2+1+1.
      klines: 10,
    });
    assert.equal(p.trade_count, 2);
    assert.equal(p.clock_ms, T0 + 3_600_000 + 9);
  });

  test("an order accepted in an earlier batch is updated with its last state", () => {
    const d = day();
    const p = planOutputs(d.b.outputs, T0 + 2, symbols);
    assert.equal(p.orderUpdates.count, 1);
    const v: unknown[] = [];
    p.orderUpdates.row(0, v as never[]);
    // status, filled, remaining, filled quote, reason, updated time, output, no amended
    // price nor quantity (0 keeps the stored ones), order id.
    assert.deepEqual(v, [4, 40, 60, 200_000_000, 22, T0 + 60_001, 6, 0, 0, 1]);
  });

  test("times never go backwards along the stream", () => {
    assert.equal(settledTime(100, 90), 100);
    assert.equal(settledTime(100, 120), 120);
    // A deposit stamped earlier than the one before it settles at the later time.
    const outputs = run([
      transfer("deposit", "a", BUYER, USDT, 5, T0 + 10),
      transfer("deposit", "b", SELLER, BTC, 5, T0 + 5),
      limit(SELLER, Side.Sell, 100, 1, T0 + 7),
    ]);
    const p = planOutputs(outputs, 0, symbols);
    assert.deepEqual(
      p.transfers.items.map((t) => t.at_ms),
      [T0 + 10, T0 + 10],
    );
    assert.equal(p.clock_ms, T0 + 10);
  });
});

describe("candles", () => {
  test("a batch's trades fold into one row per candle, later candles after earlier ones", () => {
    const f = new KlineFold();
    f.add(trade(1, 10, 2, Side.Buy), 60_000);
    f.add(trade(2, 12, 1, Side.Sell), 60_500);
    f.add(trade(3, 9, 3, Side.Buy), 120_000);
    const rows = new KlineRows(f.candles());
    // 1m: two candles; 5m to 1d: one each.
    assert.equal(rows.count, 7);
    const out: unknown[] = [];
    rows.row(0, out as never[]);
    // The first 1m candle: open 10, high 12, low 10, close 12, volumes, taker-buy share, count, ids.
    assert.deepEqual(out, [SYMBOL, 60, 60_000, 10, 12, 10, 12, 3, 32, 2, 20, 2, 1, 2]);
    // The second 1m candle comes next.
    rows.row(1, out as never[]);
    assert.deepEqual(out.slice(0, 3), [SYMBOL, 60, 120_000]);
  });

  test("a trade older than its candle is a broken clock", () => {
    const f = new KlineFold();
    f.add(trade(1, 10, 2, Side.Buy), 120_000);
    assert.throws(() => f.add(trade(2, 10, 2, Side.Buy), 60_000), /older than its candle/);
  });

  test("sums stay exact past 2^53", () => {
    assert.equal(addExact(1, 2), 3);
    const big = addExact(Number.MAX_SAFE_INTEGER, 10);
    assert.equal(big, 9_007_199_254_741_001n);
    assert.equal(addExact(big, 1), 9_007_199_254_741_002n);
  });
});

describe("planned rows", () => {
  test("each table's two accessors give the same values, as many as its columns", () => {
    // The day after its first part: every table has rows (order 1 is updated).
    const p = planOutputs(day().b.outputs, T0 + 2, symbols);
    const tables = [
      ...planTables(p),
      new PositionRow({ stream: "core", seq: 1, hash: 5n, clock_ms: 2, source_seq: 3 }),
    ];
    for (const t of tables) {
      assert.ok(t.count > 0, `${t.spec.table} has rows in the day`);
      for (let i = 0; i < t.count; i++) {
        const out: unknown[] = [];
        t.row(i, out as never[]);
        let args: unknown[] = [];
        t.run(
          {
            run: (...a: unknown[]) => {
              args = a;
            },
          },
          i,
        );
        assert.equal(out.length, widthOf(t.spec), t.spec.table);
        assert.deepEqual(args, out, t.spec.table);
      }
    }
  });

  test("an amount that is not a safe integer fails the batch", () => {
    const outputs = run([transfer("deposit", "x", BUYER, USDT, 5, T0)]);
    const broken = [
      { ...outputs[0]!, events: outputs[0]!.events.map((e) => ({ ...e, avail: 1.5 })) },
    ];
    const p = planOutputs(broken, 0, symbols);
    assert.throws(() => p.ledger.row(0, []), /BATCH_INVALID: 1.5 is not a safe integer/);
  });
});
