// A hand-built day on one symbol, as both streams would carry it: deposits,
// a resting sell, a buy that fills it partially, a post-only buy the engine
// refuses, a cancel, a cancel of an unknown order, a withdrawal, a duplicate
// deposit and a refused withdrawal. Amounts follow BTC_USDT: 1 quote unit per
// tick-lot, lot = 10,000 BTC units.

import {
  BalanceKind,
  CommandKind,
  OrderStatus,
  OrderType,
  Side,
  Stp,
  TimeInForce,
} from "../../../src/core/enums.ts";
import { Reject } from "../../../src/core/errors.ts";
import type {
  BalanceEvent,
  BalanceOutput,
  CancelIn,
  Command,
  EngineOutput,
  OrderIn,
  OrderUpdate,
  Trade,
} from "../../../src/core/types.ts";
import { Cause } from "../../../src/core/types.ts";
import type { SettlementBatch, SymbolAssets } from "../../../src/store/mod.ts";
import { positionsOf } from "../../../src/store/mod.ts";

export const BTC = 1;
export const USDT = 2;
export const SYMBOL = 1;
export const BUYER = 1;
export const SELLER = 2;
export const FEES = 9;
export const ETH = 3;
export const SYMBOL_2 = 2;
export const SYMBOLS: SymbolAssets[] = [
  { id: SYMBOL, base: { id: BTC }, quote: { id: USDT } },
  { id: SYMBOL_2, base: { id: ETH }, quote: { id: USDT } },
];

/** A stand-in for the real chain hash: deterministic, 64-bit, different per link. */
export class Chain {
  seq = 0;
  hash = 0n;
  next(): { output_seq: number; prev_hash: bigint; hash: bigint } {
    const prev_hash = this.hash;
    this.seq++;
    this.hash = BigInt.asUintN(
      64,
      prev_hash * 6364136223846793005n + BigInt(this.seq) * 1442695040888963407n + 1n,
    );
    return { output_seq: this.seq, prev_hash, hash: this.hash };
  }
}

export function ev(
  user_id: number,
  asset_id: number,
  seq: number,
  kind: BalanceKind,
  delta_avail: number,
  delta_frozen: number,
  avail: number,
  frozen: number,
  ref_id: number,
  ref = "",
): BalanceEvent {
  return { user_id, asset_id, seq, kind, delta_avail, delta_frozen, avail, frozen, ref_id, ref };
}

export class Streams {
  readonly balanceChain = new Chain();
  readonly engineChains = new Map<number, Chain>();
  readonly balance: BalanceOutput[] = [];
  readonly engine: EngineOutput[] = [];

  command(
    command: Command,
    events: BalanceEvent[],
    extra: { order_id?: number; reject?: number; duplicate?: boolean } = {},
  ): BalanceOutput {
    const out: BalanceOutput = {
      ...this.balanceChain.next(),
      cause: Cause.Command,
      command,
      engine_symbol_id: 0,
      engine_output_seq: 0,
      order_id: extra.order_id ?? 0,
      reject: extra.reject ?? 0,
      duplicate: extra.duplicate ?? false,
      events,
    };
    this.balance.push(out);
    return out;
  }

  applied(engine: EngineOutput, events: BalanceEvent[]): BalanceOutput {
    const out: BalanceOutput = {
      ...this.balanceChain.next(),
      cause: Cause.EngineOutput,
      command: null,
      engine_symbol_id: engine.symbol_id,
      engine_output_seq: engine.output_seq,
      order_id: engine.input.order_id,
      reject: 0,
      duplicate: false,
      events,
    };
    this.balance.push(out);
    return out;
  }

  output(
    input: OrderIn | CancelIn,
    updates: OrderUpdate[],
    trades: Trade[] = [],
    extra: { reject?: number; best_bid_ticks?: number; best_ask_ticks?: number } = {},
  ): EngineOutput {
    let chain = this.engineChains.get(input.symbol_id);
    if (chain === undefined) {
      chain = new Chain();
      this.engineChains.set(input.symbol_id, chain);
    }
    const out: EngineOutput = {
      symbol_id: input.symbol_id,
      ...chain.next(),
      input,
      updates,
      trades,
      deltas: [],
      completions: updates
        .filter((u) => u.status >= OrderStatus.Filled)
        .map((u) => ({
          order_id: u.order_id,
          user_id: u.user_id,
          status: u.status,
          reason: u.reason,
        })),
      best_bid_ticks: extra.best_bid_ticks ?? 0,
      best_ask_ticks: extra.best_ask_ticks ?? 0,
      reject: extra.reject ?? 0,
    };
    this.engine.push(out);
    return out;
  }
}

export function orderIn(
  o: Partial<OrderIn> &
    Pick<OrderIn, "order_id" | "user_id" | "side" | "price_ticks" | "qty_lots" | "ts_ms">,
): OrderIn {
  return {
    kind: 1,
    ubs_seq: o.order_id,
    symbol_id: SYMBOL,
    order_type: OrderType.Limit,
    tif: TimeInForce.GTC,
    post_only: false,
    stp: Stp.ExpireMaker,
    quote_units: 0,
    stop_price_ticks: 0,
    frozen_units: 0,
    cid: "",
    ...o,
  };
}

export function upd(
  order_id: number,
  user_id: number,
  status: OrderStatus,
  filled_lots: number,
  remaining_lots: number,
  filled_quote_units: number,
  reason = 0,
): OrderUpdate {
  return { order_id, user_id, status, filled_lots, remaining_lots, filled_quote_units, reason };
}

export interface Day {
  streams: Streams;
  /** The first part: deposits, the resting sell. */
  a: SettlementBatch;
  /** The rest of the day. */
  b: SettlementBatch;
  /** The whole day as one batch. */
  all: SettlementBatch;
}

export function batchOf(engine: EngineOutput[], balance: BalanceOutput[]): SettlementBatch {
  return { engine, balance, positions: positionsOf({ engine, balance }) };
}

export function day(): Day {
  const s = new Streams();
  // Deposits.
  s.command(
    {
      kind: CommandKind.Deposit,
      request_id: "dep-1",
      user_id: BUYER,
      asset_id: USDT,
      amount_units: 10_000_000_000,
      ts_ms: 1_000,
      corr: "",
    },
    [ev(BUYER, USDT, 1, BalanceKind.Deposit, 10_000_000_000, 0, 10_000_000_000, 0, 0, "dep-1")],
  );
  s.command(
    {
      kind: CommandKind.Deposit,
      request_id: "dep-2",
      user_id: SELLER,
      asset_id: BTC,
      amount_units: 100_000_000,
      ts_ms: 1_001,
      corr: "",
    },
    [ev(SELLER, BTC, 1, BalanceKind.Deposit, 100_000_000, 0, 100_000_000, 0, 0, "dep-2")],
  );
  // A sell of 100 lots at 50,000.00 rests.
  const sell = orderIn({
    order_id: 101,
    user_id: SELLER,
    side: Side.Sell,
    price_ticks: 5_000_000,
    qty_lots: 100,
    frozen_units: 1_000_000,
    cid: "s-1",
    ts_ms: 1_002,
  });
  s.command(
    {
      kind: CommandKind.Place,
      user_id: SELLER,
      symbol_id: SYMBOL,
      side: Side.Sell,
      order_type: OrderType.Limit,
      tif: TimeInForce.GTC,
      post_only: false,
      stp: Stp.ExpireMaker,
      price_ticks: 5_000_000,
      qty_lots: 100,
      quote_units: 0,
      stop_price_ticks: 0,
      cid: "s-1",
      ts_ms: 1_002,
      corr: "",
    },
    [ev(SELLER, BTC, 2, BalanceKind.Freeze, -1_000_000, 1_000_000, 99_000_000, 1_000_000, 101)],
    { order_id: 101 },
  );
  s.output(sell, [upd(101, SELLER, OrderStatus.New, 0, 100, 0)], [], { best_ask_ticks: 5_000_000 });
  const splitBalance = s.balance.length;
  const splitEngine = s.engine.length;

  // A buy of 40 lots takes from it: trade 9001.
  const buy = orderIn({
    order_id: 102,
    user_id: BUYER,
    side: Side.Buy,
    price_ticks: 5_000_000,
    qty_lots: 40,
    frozen_units: 200_000_000,
    ts_ms: 1_003,
  });
  s.command(
    {
      kind: CommandKind.Place,
      user_id: BUYER,
      symbol_id: SYMBOL,
      side: Side.Buy,
      order_type: OrderType.Limit,
      tif: TimeInForce.GTC,
      post_only: false,
      stp: Stp.ExpireMaker,
      price_ticks: 5_000_000,
      qty_lots: 40,
      quote_units: 0,
      stop_price_ticks: 0,
      cid: "",
      ts_ms: 1_003,
      corr: "",
    },
    [
      ev(
        BUYER,
        USDT,
        2,
        BalanceKind.Freeze,
        -200_000_000,
        200_000_000,
        9_800_000_000,
        200_000_000,
        102,
      ),
    ],
    { order_id: 102 },
  );
  const fill = s.output(
    buy,
    [
      upd(101, SELLER, OrderStatus.PartiallyFilled, 40, 60, 200_000_000),
      upd(102, BUYER, OrderStatus.Filled, 40, 0, 200_000_000),
    ],
    [
      {
        trade_id: 9001,
        symbol_id: SYMBOL,
        price_ticks: 5_000_000,
        qty_lots: 40,
        quote_units: 200_000_000,
        maker_order_id: 101,
        taker_order_id: 102,
        maker_user_id: SELLER,
        taker_user_id: BUYER,
        taker_side: Side.Buy,
        buyer_fee_units: 600,
        seller_fee_units: 200_000,
      },
    ],
    { best_ask_ticks: 5_000_000 },
  );
  s.applied(fill, [
    ev(BUYER, USDT, 3, BalanceKind.TradeDebit, 0, -200_000_000, 9_800_000_000, 0, 9001),
    ev(BUYER, BTC, 1, BalanceKind.TradeCredit, 399_400, 0, 399_400, 0, 9001),
    ev(SELLER, BTC, 3, BalanceKind.TradeDebit, 0, -400_000, 99_000_000, 600_000, 9001),
    ev(SELLER, USDT, 1, BalanceKind.TradeCredit, 199_800_000, 0, 199_800_000, 0, 9001),
    ev(FEES, BTC, 1, BalanceKind.FeeCredit, 600, 0, 600, 0, 9001),
    ev(FEES, USDT, 1, BalanceKind.FeeCredit, 200_000, 0, 200_000, 0, 9001),
  ]);

  // A post-only buy that would take: the engine rejects it and UBSCore releases.
  const postOnly = orderIn({
    order_id: 103,
    user_id: BUYER,
    side: Side.Buy,
    price_ticks: 5_000_000,
    qty_lots: 10,
    post_only: true,
    frozen_units: 50_000_000,
    cid: "po-1",
    ts_ms: 1_004,
  });
  s.command(
    {
      kind: CommandKind.Place,
      user_id: BUYER,
      symbol_id: SYMBOL,
      side: Side.Buy,
      order_type: OrderType.Limit,
      tif: TimeInForce.GTC,
      post_only: true,
      stp: Stp.ExpireMaker,
      price_ticks: 5_000_000,
      qty_lots: 10,
      quote_units: 0,
      stop_price_ticks: 0,
      cid: "po-1",
      ts_ms: 1_004,
      corr: "",
    },
    [
      ev(
        BUYER,
        USDT,
        4,
        BalanceKind.Freeze,
        -50_000_000,
        50_000_000,
        9_750_000_000,
        50_000_000,
        103,
      ),
    ],
    { order_id: 103 },
  );
  const rejected = s.output(
    postOnly,
    [upd(103, BUYER, OrderStatus.Rejected, 0, 10, 0, Reject.POST_ONLY_WOULD_TAKE.id)],
    [],
    { best_ask_ticks: 5_000_000 },
  );
  s.applied(rejected, [
    ev(BUYER, USDT, 5, BalanceKind.Release, 50_000_000, -50_000_000, 9_800_000_000, 0, 103),
  ]);

  // The seller cancels the rest of 101.
  s.command(
    { kind: CommandKind.Cancel, user_id: SELLER, order_id: 101, cid: "", ts_ms: 1_005, corr: "" },
    [],
    { order_id: 101 },
  );
  const cancel = s.output(
    {
      kind: 2,
      ubs_seq: 5,
      order_id: 101,
      user_id: SELLER,
      symbol_id: SYMBOL,
      reason: Reject.USER_CANCELLED.id,
      ts_ms: 1_005,
    },
    [upd(101, SELLER, OrderStatus.Cancelled, 40, 60, 200_000_000, Reject.USER_CANCELLED.id)],
  );
  s.applied(cancel, [
    ev(SELLER, BTC, 4, BalanceKind.Release, 600_000, -600_000, 99_600_000, 0, 101),
  ]);

  // A cancel of an order the engine does not have.
  s.command(
    { kind: CommandKind.Cancel, user_id: BUYER, order_id: 555, cid: "", ts_ms: 1_006, corr: "" },
    [],
    { order_id: 555 },
  );
  const unknown = s.output(
    {
      kind: 2,
      ubs_seq: 6,
      order_id: 555,
      user_id: BUYER,
      symbol_id: SYMBOL,
      reason: Reject.USER_CANCELLED.id,
      ts_ms: 1_006,
    },
    [],
    [],
    { reject: Reject.UNKNOWN_ORDER.id },
  );
  s.applied(unknown, []);

  // A withdrawal, a retried deposit, a withdrawal refused for lack of funds.
  s.command(
    {
      kind: CommandKind.Withdraw,
      request_id: "wd-1",
      user_id: SELLER,
      asset_id: USDT,
      amount_units: 100_000_000,
      ts_ms: 1_007,
      corr: "",
    },
    [ev(SELLER, USDT, 2, BalanceKind.Withdraw, -100_000_000, 0, 99_800_000, 0, 0, "wd-1")],
  );
  s.command(
    {
      kind: CommandKind.Deposit,
      request_id: "dep-1",
      user_id: BUYER,
      asset_id: USDT,
      amount_units: 10_000_000_000,
      ts_ms: 1_008,
      corr: "",
    },
    [],
    { duplicate: true },
  );
  s.command(
    {
      kind: CommandKind.Withdraw,
      request_id: "wd-2",
      user_id: BUYER,
      asset_id: BTC,
      amount_units: 1_000_000_000,
      ts_ms: 1_009,
      corr: "",
    },
    [],
    { reject: Reject.INSUFFICIENT_BALANCE.id },
  );

  return {
    streams: s,
    a: batchOf(s.engine.slice(0, splitEngine), s.balance.slice(0, splitBalance)),
    b: batchOf(s.engine.slice(splitEngine), s.balance.slice(splitBalance)),
    all: batchOf(s.engine.slice(), s.balance.slice()),
  };
}

/**
 * One user trading on two symbols at interleaved times: resting sells on
 * both, each taken by another user. Orders 201-204; trades 8000 and 8002 on
 * symbol 1, 8101 and 8103 on symbol 2 (engine trade ids carry the symbol).
 */
export function twoSymbols(): SettlementBatch {
  const s = new Streams();
  const times = [
    [SYMBOL, 10],
    [SYMBOL_2, 20],
    [SYMBOL, 30],
    [SYMBOL_2, 40],
  ] as const;
  times.forEach(([symbol_id, ts_ms], i) => {
    const order_id = 201 + i;
    const resting = orderIn({
      order_id,
      user_id: SELLER,
      side: Side.Sell,
      price_ticks: 100,
      qty_lots: 2,
      ts_ms,
      symbol_id,
    });
    s.output(resting, [upd(order_id, SELLER, OrderStatus.New, 0, 2, 0)]);
    const taker_id = 301 + i;
    const taker = orderIn({
      order_id: taker_id,
      user_id: BUYER,
      side: Side.Buy,
      price_ticks: 100,
      qty_lots: 1,
      ts_ms: ts_ms + 1,
      symbol_id,
    });
    s.output(
      taker,
      [
        upd(order_id, SELLER, OrderStatus.PartiallyFilled, 1, 1, 100),
        upd(taker_id, BUYER, OrderStatus.Filled, 1, 0, 100),
      ],
      [
        {
          trade_id: symbol_id * 100 + 7_900 + i,
          symbol_id,
          price_ticks: 100,
          qty_lots: 1,
          quote_units: 100,
          maker_order_id: order_id,
          taker_order_id: taker_id,
          maker_user_id: SELLER,
          taker_user_id: BUYER,
          taker_side: Side.Buy,
          buyer_fee_units: 0,
          seller_fee_units: 0,
        },
      ],
    );
  });
  return batchOf(s.engine, s.balance);
}

/** The same batch with one account's ledger seqs moved by `by` (a gap before them). */
export function shiftSeqs(
  batch: SettlementBatch,
  user_id: number,
  asset_id: number,
  by: number,
): SettlementBatch {
  const balance = batch.balance.map((o) => ({
    ...o,
    events: o.events.map((e) =>
      e.user_id === user_id && e.asset_id === asset_id ? { ...e, seq: e.seq + by } : e,
    ),
  }));
  return { ...batch, balance };
}
