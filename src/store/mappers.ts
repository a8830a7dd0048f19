// Database rows -> typed rows. PostgreSQL hands BIGINT over as strings,
// SQLite as numbers (or bigints where a statement asks for them); ids,
// amounts and times become numbers checked to be exact, candle sums bigints.

import {
  type BalanceKind,
  type CommandKind,
  type OrderStatus,
  type OrderType,
  Side,
  type Stp,
  type TimeInForce,
} from "../core/mod.ts";
import { ledgerEventId } from "./event-id.ts";
import { hexToHash } from "./hex.ts";
import { intervalOfSeconds } from "./klines.ts";
import type {
  CandleFigures,
  KlineRow,
  LedgerRow,
  MarketTradeRow,
  OrderRow,
  StoredPosition,
  SymbolAssets,
  TradeRow,
  TransferRow,
} from "./types.ts";

export type DbRow = Record<string, unknown>;

export function num(v: unknown): number {
  const n =
    typeof v === "number" ? v : typeof v === "string" || typeof v === "bigint" ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) throw new Error(`database returned a non-integer: ${String(v)}`);
  return n;
}

export function big(v: unknown): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "number" && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === "string" && /^-?\d+$/.test(v)) return BigInt(v);
  throw new Error(`database returned a non-integer: ${String(v)}`);
}

function str(v: unknown): string {
  if (typeof v !== "string") throw new Error(`database returned a non-string: ${String(v)}`);
  return v;
}

export function toOrder(r: DbRow): OrderRow {
  return {
    order_id: num(r.order_id),
    user_id: num(r.user_id),
    symbol_id: num(r.symbol_id),
    side: num(r.side) as Side,
    order_type: num(r.order_type) as OrderType,
    tif: num(r.tif) as TimeInForce,
    post_only: num(r.post_only) === 1,
    stp: num(r.stp) as Stp,
    price_ticks: num(r.price_ticks),
    qty_lots: num(r.qty_lots),
    quote_units: num(r.quote_units),
    cid: str(r.cid),
    stop_price_ticks: num(r.stop_price_ticks),
    oco_order_id: num(r.oco_order_id),
    status: num(r.status) as OrderStatus,
    filled_lots: num(r.filled_lots),
    remaining_lots: num(r.remaining_lots),
    filled_quote_units: num(r.filled_quote_units),
    reason: num(r.reason),
    created_ts_ms: num(r.created_ts_ms),
    updated_ts_ms: num(r.updated_ts_ms),
    output_seq: num(r.output_seq),
  };
}

/** One trades row as the taker or the maker sees it. */
export function toUserTrade(r: DbRow, taker: boolean, assets: SymbolAssets): TradeRow {
  const taker_side = num(r.taker_side) as Side;
  const side = taker ? taker_side : taker_side === Side.Buy ? Side.Sell : Side.Buy;
  const buyer = side === Side.Buy;
  return {
    trade_id: num(r.trade_id),
    symbol_id: num(r.symbol_id),
    user_id: num(taker ? r.taker_user_id : r.maker_user_id),
    order_id: num(taker ? r.taker_order_id : r.maker_order_id),
    counterparty_user_id: num(taker ? r.maker_user_id : r.taker_user_id),
    counterparty_order_id: num(taker ? r.maker_order_id : r.taker_order_id),
    side,
    is_maker: !taker,
    price_ticks: num(r.price_ticks),
    qty_lots: num(r.qty_lots),
    quote_units: num(r.quote_units),
    fee_units: num(buyer ? r.buyer_fee_units : r.seller_fee_units),
    fee_asset_id: buyer ? assets.base.id : assets.quote.id,
    ts_ms: num(r.ts_ms),
    output_seq: num(r.output_seq),
  };
}

export function toMarketTrade(r: DbRow): MarketTradeRow {
  return {
    trade_id: num(r.trade_id),
    symbol_id: num(r.symbol_id),
    price_ticks: num(r.price_ticks),
    qty_lots: num(r.qty_lots),
    quote_units: num(r.quote_units),
    taker_side: num(r.taker_side) as Side,
    ts_ms: num(r.ts_ms),
    output_seq: num(r.output_seq),
  };
}

export function toKline(r: DbRow): KlineRow {
  const interval = intervalOfSeconds(num(r.interval_s));
  const open_time_ms = num(r.open_time_ms);
  return {
    symbol_id: num(r.symbol_id),
    interval,
    open_time_ms,
    close_time_ms: open_time_ms + num(r.interval_s) * 1000 - 1,
    ...candleFiguresOf(r),
  };
}

/** A candle's figures from a row of any klines table (SQL or CQL). */
export function candleFiguresOf(r: DbRow): CandleFigures {
  return {
    open_ticks: num(r.open_ticks),
    high_ticks: num(r.high_ticks),
    low_ticks: num(r.low_ticks),
    close_ticks: num(r.close_ticks),
    volume_lots: big(r.volume_lots),
    quote_units: big(r.quote_units),
    taker_buy_volume_lots: big(r.taker_buy_volume_lots),
    taker_buy_quote_units: big(r.taker_buy_quote_units),
    trade_count: num(r.trade_count),
    first_trade_id: num(r.first_trade_id),
    last_trade_id: num(r.last_trade_id),
  };
}

export function toLedger(r: DbRow): LedgerRow {
  const kind = num(r.kind) as BalanceKind;
  const ref_id = num(r.ref_id);
  const transfer = r.transfer_event_id;
  return {
    user_id: num(r.user_id),
    asset_id: num(r.asset_id),
    seq: num(r.seq),
    kind,
    delta_avail: num(r.delta_avail),
    delta_frozen: num(r.delta_frozen),
    avail: num(r.avail),
    frozen: num(r.frozen),
    ref_id,
    ref: str(r.ref),
    event_id: ledgerEventId(kind, ref_id, typeof transfer === "string" ? transfer : null),
    output_seq: num(r.output_seq),
    ts_ms: num(r.ts_ms),
  };
}

export function toTransfer(r: DbRow): TransferRow {
  return {
    request_id: str(r.request_id),
    kind: num(r.kind) as typeof CommandKind.Deposit | typeof CommandKind.Withdraw,
    user_id: num(r.user_id),
    asset_id: num(r.asset_id),
    amount_units: num(r.amount_units),
    reject: num(r.reject),
    event_id: str(r.event_id),
    ts_ms: num(r.ts_ms),
    output_seq: num(r.output_seq),
  };
}

export function toPosition(r: DbRow): StoredPosition {
  return {
    stream: str(r.stream),
    seq: num(r.seq),
    hash: hexToHash(str(r.hash)),
    clock_ms: num(r.clock_ms),
    source_seq: num(r.source_seq),
  };
}
