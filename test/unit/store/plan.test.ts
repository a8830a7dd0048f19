import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { BalanceKind, CommandKind, OrderStatus, Side } from "../../../src/core/enums.ts";
import { Reject } from "../../../src/core/errors.ts";
import { planBalance } from "../../../src/store/balance-plan.ts";
import { planEngine } from "../../../src/store/engine-plan.ts";
import { StoreError } from "../../../src/store/mod.ts";
import { planBatch } from "../../../src/store/plan.ts";
import { BUYER, day, ev, orderIn, SELLER, Streams, SYMBOL, SYMBOLS, upd } from "./fixtures.ts";

const symbols = new Map(SYMBOLS.map((s) => [s.id, s]));

const code = (c: string) => (err: unknown) => err instanceof StoreError && err.code === c;

describe("engine plan", () => {
  test("an order written once per batch with its last state; history keeps each change", () => {
    const d = day();
    const p = planEngine(d.all.engine, symbols);
    // 101, 102, 103 all enter the book inside the batch: inserts only.
    assert.equal(p.orderUpdates.length, 0);
    const byId = new Map(p.orderInserts.map((r) => [r[0], r]));
    assert.equal(byId.get(101)![13], OrderStatus.Cancelled);
    assert.equal(byId.get(102)![13], OrderStatus.Filled);
    assert.equal(p.history.length, 5);
    assert.equal(p.activeInserts.length, 0);
    assert.equal(p.activeDeletes.length, 0);
    assert.equal(p.trades.length, 2);
  });

  test("orders from earlier batches are updated, and leave active_orders when they end", () => {
    const d = day();
    const p = planEngine(d.b.engine, symbols);
    assert.deepEqual(
      p.orderUpdates.map((r) => [r[r.length - 1], r[0]]),
      [[101, OrderStatus.Cancelled]],
    );
    assert.deepEqual(p.activeDeletes, [[101]]);
  });

  test("a resting order created in the batch is inserted into active_orders", () => {
    const d = day();
    const p = planEngine(d.a.engine, symbols);
    assert.deepEqual(p.activeInserts, [[101, SELLER, SYMBOL, 1_002]]);
  });

  test("an order the engine refused without an update gets a Rejected row", () => {
    const s = new Streams();
    const input = orderIn({
      order_id: 7,
      user_id: BUYER,
      side: Side.Buy,
      price_ticks: 1,
      qty_lots: 3,
      ts_ms: 5,
    });
    s.output(input, [], [], { reject: Reject.POST_ONLY_WOULD_TAKE.id });
    const p = planEngine(s.engine, symbols);
    assert.equal(p.orderInserts[0]![13], OrderStatus.Rejected);
    assert.equal(p.orderInserts[0]![17], Reject.POST_ONLY_WOULD_TAKE.id);
    assert.deepEqual(p.history[0]!.slice(3, 10), [
      7,
      BUYER,
      OrderStatus.Rejected,
      0,
      3,
      0,
      Reject.POST_ONLY_WOULD_TAKE.id,
    ]);
  });

  test("an accepted order without an update is refused", () => {
    const s = new Streams();
    s.output(
      orderIn({
        order_id: 7,
        user_id: BUYER,
        side: Side.Buy,
        price_ticks: 1,
        qty_lots: 3,
        ts_ms: 5,
      }),
      [],
    );
    assert.throws(() => planEngine(s.engine, symbols), code("BATCH_INVALID"));
  });

  test("an unknown symbol is refused", () => {
    const s = new Streams();
    s.output(
      {
        ...orderIn({
          order_id: 7,
          user_id: BUYER,
          side: Side.Buy,
          price_ticks: 1,
          qty_lots: 3,
          ts_ms: 5,
        }),
        symbol_id: 99,
      },
      [upd(7, BUYER, OrderStatus.New, 0, 3, 0)],
    );
    assert.throws(() => planEngine(s.engine, symbols), code("BATCH_INVALID"));
  });

  test("a self-trade gives two rows with different sides", () => {
    const s = new Streams();
    s.output(
      orderIn({
        order_id: 1,
        user_id: BUYER,
        side: Side.Sell,
        price_ticks: 10,
        qty_lots: 1,
        ts_ms: 1,
      }),
      [upd(1, BUYER, OrderStatus.New, 0, 1, 0)],
    );
    s.output(
      orderIn({
        order_id: 2,
        user_id: BUYER,
        side: Side.Buy,
        price_ticks: 10,
        qty_lots: 1,
        ts_ms: 2,
      }),
      [upd(1, BUYER, OrderStatus.Filled, 1, 0, 10), upd(2, BUYER, OrderStatus.Filled, 1, 0, 10)],
      [
        {
          trade_id: 1,
          symbol_id: SYMBOL,
          price_ticks: 10,
          qty_lots: 1,
          quote_units: 10,
          maker_order_id: 1,
          taker_order_id: 2,
          maker_user_id: BUYER,
          taker_user_id: BUYER,
          taker_side: Side.Buy,
          buyer_fee_units: 1,
          seller_fee_units: 2,
        },
      ],
    );
    const p = planEngine(s.engine, symbols);
    assert.deepEqual(
      p.trades.map((r) => [r[2], r[3], r[7], r[11], r[12]]),
      [
        [Side.Buy, BUYER, 0, 1, 1],
        [Side.Sell, BUYER, 1, 2, 2],
      ],
    );
  });
});

describe("balance plan", () => {
  test("duplicates add no transfer; event ids follow the kind of row", () => {
    const d = day();
    const p = planBalance(d.all.balance);
    assert.deepEqual(
      p.transfers.map((r) => [r[0], r[5]]),
      [
        ["dep-1", 0],
        ["dep-2", 0],
        ["wd-1", 0],
        ["wd-2", Reject.INSUFFICIENT_BALANCE.id],
      ],
    );
    const ids = new Map(p.ledger.map((r) => [`${r[0]}:${r[1]}:${r[2]}`, r[10]]));
    assert.equal(ids.get("1:2:1"), "deposit_1_2_1000_dep-1");
    assert.equal(ids.get("1:2:2"), "102");
    assert.equal(ids.get("1:2:3"), "9001");
  });

  test("the first seq of each account is reported for the database check", () => {
    const d = day();
    const p = planBalance(d.b.balance);
    assert.deepEqual(p.starts[0], { user_id: BUYER, asset_id: 2, seq: 2 });
  });

  test("a deposit row without its command is refused", () => {
    const s = new Streams();
    s.command({ kind: CommandKind.Cancel, user_id: BUYER, order_id: 1, cid: "", ts_ms: 1 }, [
      ev(BUYER, 2, 1, BalanceKind.Deposit, 1, 0, 1, 0, 0),
    ]);
    assert.throws(() => planBalance(s.balance), code("BATCH_INVALID"));
  });

  test("a retried transfer inside one batch keeps the applied outcome", () => {
    const s = new Streams();
    const cmd = {
      kind: CommandKind.Withdraw,
      request_id: "w",
      user_id: BUYER,
      asset_id: 2,
      amount_units: 5,
      ts_ms: 1,
    } as const;
    s.command(cmd, [], { reject: Reject.INSUFFICIENT_BALANCE.id });
    s.command({ ...cmd, ts_ms: 2 }, [ev(BUYER, 2, 1, BalanceKind.Withdraw, -5, 0, 0, 0, 0, "w")]);
    s.command({ ...cmd, ts_ms: 3 }, [], { reject: Reject.DUPLICATE_REQUEST_ID.id });
    const p = planBalance(s.balance);
    assert.deepEqual(
      p.transfers.map((r) => [r[5], r[7]]),
      [[0, 2]],
    );
  });
});

describe("batch plan", () => {
  test("fractional amounts are refused, never stored as floats", () => {
    const s = new Streams();
    s.command(
      {
        kind: CommandKind.Deposit,
        request_id: "d",
        user_id: BUYER,
        asset_id: 2,
        amount_units: 1.5,
        ts_ms: 1,
      },
      [ev(BUYER, 2, 1, BalanceKind.Deposit, 1.5, 0, 1.5, 0, 0, "d")],
    );
    assert.throws(() => planBatch([], s.balance, [], symbols), code("BATCH_INVALID"));
  });

  test("rows count every write but the positions", () => {
    const d = day();
    assert.equal(planBatch(d.a.engine, d.a.balance, d.a.positions, symbols).rows, 12);
  });
});
