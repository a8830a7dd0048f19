// Database rows -> typed rows. PostgreSQL hands BIGINT over as strings (and
// PGlite as numbers); both become numbers here, checked to be exact.

import type {
  BalanceKind,
  CommandKind,
  OrderStatus,
  OrderType,
  Side,
  Stp,
  TimeInForce,
} from "../core/enums.ts";
import { hexToHash } from "./hex.ts";
import type {
  LedgerRow,
  MarketTradeRow,
  OrderHistoryRow,
  OrderRow,
  StoredPosition,
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

function numOrNull(v: unknown): number | null {
  return v === null || v === undefined ? null : num(v);
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
    status: num(r.status) as OrderStatus,
    filled_lots: num(r.filled_lots),
    remaining_lots: num(r.remaining_lots),
    filled_quote_units: num(r.filled_quote_units),
    reason: num(r.reason),
    created_ts_ms: num(r.created_ts_ms),
    updated_ts_ms: num(r.updated_ts_ms),
  };
}

export function toOrderEvent(r: DbRow): OrderHistoryRow {
  return {
    symbol_id: num(r.symbol_id),
    output_seq: num(r.output_seq),
    idx: num(r.idx),
    order_id: num(r.order_id),
    user_id: num(r.user_id),
    status: num(r.status) as OrderStatus,
    filled_lots: num(r.filled_lots),
    remaining_lots: num(r.remaining_lots),
    filled_quote_units: num(r.filled_quote_units),
    reason: num(r.reason),
    trade_id: numOrNull(r.trade_id),
    ts_ms: num(r.ts_ms),
    event_id: str(r.event_id),
  };
}

export function toTrade(r: DbRow): TradeRow {
  return {
    trade_id: num(r.trade_id),
    symbol_id: num(r.symbol_id),
    user_id: num(r.user_id),
    order_id: num(r.order_id),
    counterparty_user_id: num(r.counterparty_user_id),
    counterparty_order_id: num(r.counterparty_order_id),
    side: num(r.side) as Side,
    is_maker: num(r.is_maker) === 1,
    price_ticks: num(r.price_ticks),
    qty_lots: num(r.qty_lots),
    quote_units: num(r.quote_units),
    fee_units: num(r.fee_units),
    fee_asset_id: num(r.fee_asset_id),
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

export function toLedger(r: DbRow): LedgerRow {
  return {
    user_id: num(r.user_id),
    asset_id: num(r.asset_id),
    seq: num(r.seq),
    kind: num(r.kind) as BalanceKind,
    delta_avail: num(r.delta_avail),
    delta_frozen: num(r.delta_frozen),
    avail: num(r.avail),
    frozen: num(r.frozen),
    ref_id: num(r.ref_id),
    ref: str(r.ref),
    event_id: str(r.event_id),
    output_seq: num(r.output_seq),
    ts_ms: numOrNull(r.ts_ms),
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
  return { stream: str(r.stream), seq: num(r.seq), hash: hexToHash(str(r.hash)) };
}

export function positionMap(rows: readonly DbRow[]): Map<string, StoredPosition> {
  const out = new Map<string, StoredPosition>();
  for (const r of rows) {
    const p = toPosition(r);
    out.set(p.stream, p);
  }
  return out;
}
