// Integers of the core and the database to the API's decimal strings. Prices
// show the symbol's price decimals (those of its tick size), quantities its
// lot decimals, quote amounts and fees the asset's own decimals.

import {
  type AssetSpec,
  BourseError,
  errorById,
  formatUnits,
  isMarketLike,
  isStopType,
  type OrderSpec,
  OrderType,
  orderTypeName,
  pow10,
  Reject,
  type Spec,
  type SymbolSpec,
  sideName,
  statusName,
  stpName,
  tifName,
} from "../../core/mod.ts";
import type { MarketTradeRow, OrderRow, TradeRow } from "../../store/mod.ts";
import type { BalanceRow, OrderReply, ReplyTrade, TransferReply } from "../../ubscore/mod.ts";
import type { Depth as BackendDepth, DepthLevel as BackendLevel } from "../backend.ts";
import type {
  Balance,
  CancelResult,
  Depth,
  DepthLevel,
  MarketTrade,
  Order,
  OrderResult,
  OrderTrade,
  TransferResult,
  UserTrade,
} from "./schemas.ts";

export function symbolById(spec: Spec, id: number): SymbolSpec {
  const s = spec.symbolById[id];
  if (s === undefined) throw new BourseError(Reject.UNKNOWN_SYMBOL, `unknown symbol id ${id}`);
  return s;
}

export function assetById(spec: Spec, id: number): AssetSpec {
  const a = spec.assetById[id];
  if (a === undefined) throw new BourseError(Reject.UNKNOWN_ASSET, `unknown asset id ${id}`);
  return a;
}

/** A tick is a whole number of price-decimal steps, because price_decimals are the tick size's. */
export function priceText(s: SymbolSpec, ticks: number): string {
  const step = s.tick_units / pow10(s.quote.decimals - s.price_decimals);
  return formatUnits(ticks * step, s.price_decimals);
}

export function qtyText(s: SymbolSpec, lots: number): string {
  const step = s.lot_units / pow10(s.base.decimals - s.qty_decimals);
  return formatUnits(lots * step, s.qty_decimals);
}

export function unitsText(a: AssetSpec, units: number): string {
  return formatUnits(units, a.decimals);
}

function enumName(names: Record<number, string>, code: number): string {
  const n = names[code];
  if (n === undefined) throw new RangeError(`unknown enum code ${code}`);
  return n;
}

function reasonOf(id: number): string | null {
  return id === 0 ? null : errorById(id).code;
}

function orderTrade(spec: Spec, s: SymbolSpec, t: ReplyTrade): OrderTrade {
  return {
    trade_id: String(t.trade_id),
    price: priceText(s, t.price_ticks),
    quantity: qtyText(s, t.qty_lots),
    quote_quantity: unitsText(s.quote, t.quote_units),
    fee: unitsText(assetById(spec, t.fee_asset_id), t.fee_units),
    fee_asset: assetById(spec, t.fee_asset_id).name,
    role: t.is_maker ? "maker" : "taker",
  };
}

/** What an answer says of an order's terms: a Place, an OCO's leg, a cancel-replace's new order. */
export interface OrderTerms extends OrderSpec {
  ts_ms: number;
  /** The other leg of its OCO; absent or 0 when none. */
  oco_order_id?: number;
}

function stopPriceOf(
  s: SymbolSpec,
  order_type: OrderType,
  stop_price_ticks: number,
): string | null {
  return isStopType(order_type) ? priceText(s, stop_price_ticks) : null;
}

function ocoOf(id: number | undefined): string | null {
  return id === undefined || id === 0 ? null : String(id);
}

/** The outcome of a new order: what was asked (the command) and what happened (the reply). */
export function orderResultOf(spec: Spec, cmd: OrderTerms, reply: OrderReply): OrderResult {
  const s = symbolById(spec, cmd.symbol_id);
  const byQuote = cmd.order_type === OrderType.Market && cmd.qty_lots === 0;
  return {
    order_id: String(reply.order_id),
    symbol: s.name,
    side: enumName(sideName, cmd.side) as Order["side"],
    order_type: enumName(orderTypeName, cmd.order_type) as Order["order_type"],
    time_in_force: enumName(tifName, cmd.tif) as Order["time_in_force"],
    post_only: cmd.post_only,
    stp: enumName(stpName, cmd.stp) as Order["stp"],
    cid: cmd.cid === "" ? null : cmd.cid,
    status: (reply.status ?? "Rejected") as Order["status"],
    reason: reply.reason,
    price: isMarketLike(cmd.order_type) ? null : priceText(s, cmd.price_ticks),
    stop_price: stopPriceOf(s, cmd.order_type, cmd.stop_price_ticks),
    oco_order_id: ocoOf(cmd.oco_order_id),
    quantity: byQuote ? null : qtyText(s, cmd.qty_lots),
    quote_quantity: byQuote ? unitsText(s.quote, cmd.quote_units) : null,
    filled_quantity: qtyText(s, reply.filled_lots),
    remaining_quantity: qtyText(s, reply.remaining_lots),
    filled_quote: unitsText(s.quote, reply.filled_quote_units),
    created_ts_ms: cmd.ts_ms,
    updated_ts_ms: cmd.ts_ms,
    trades: reply.trades.map((t) => orderTrade(spec, s, t)),
  };
}

export function cancelResultOf(spec: Spec, reply: OrderReply): CancelResult {
  const s = symbolById(spec, reply.symbol_id);
  return {
    order_id: String(reply.order_id),
    symbol: s.name,
    status: (reply.status ?? "Cancelled") as CancelResult["status"],
    reason: reply.reason,
    filled_quantity: qtyText(s, reply.filled_lots),
    remaining_quantity: qtyText(s, reply.remaining_lots),
    filled_quote: unitsText(s.quote, reply.filled_quote_units),
  };
}

/** A cancelled order as settlement stored it (for commands over every symbol). */
export function cancelResultOfRow(spec: Spec, r: OrderRow): CancelResult {
  const s = symbolById(spec, r.symbol_id);
  return {
    order_id: String(r.order_id),
    symbol: s.name,
    status: enumName(statusName, r.status) as CancelResult["status"],
    reason: reasonOf(r.reason),
    filled_quantity: qtyText(s, r.filled_lots),
    remaining_quantity: qtyText(s, r.remaining_lots),
    filled_quote: unitsText(s.quote, r.filled_quote_units),
  };
}

export function orderOfRow(spec: Spec, r: OrderRow): Order {
  const s = symbolById(spec, r.symbol_id);
  const byQuote = r.order_type === OrderType.Market && r.qty_lots === 0;
  return {
    order_id: String(r.order_id),
    symbol: s.name,
    side: enumName(sideName, r.side) as Order["side"],
    order_type: enumName(orderTypeName, r.order_type) as Order["order_type"],
    time_in_force: enumName(tifName, r.tif) as Order["time_in_force"],
    post_only: r.post_only,
    stp: enumName(stpName, r.stp) as Order["stp"],
    cid: r.cid === "" ? null : r.cid,
    status: enumName(statusName, r.status) as Order["status"],
    reason: reasonOf(r.reason),
    // A market order's stored price is the collar UBSCore set, not one the user gave.
    price: isMarketLike(r.order_type) ? null : priceText(s, r.price_ticks),
    stop_price: stopPriceOf(s, r.order_type, r.stop_price_ticks),
    oco_order_id: ocoOf(r.oco_order_id),
    quantity: byQuote ? null : qtyText(s, r.qty_lots),
    quote_quantity: byQuote ? unitsText(s.quote, r.quote_units) : null,
    filled_quantity: qtyText(s, r.filled_lots),
    remaining_quantity: qtyText(s, r.remaining_lots),
    filled_quote: unitsText(s.quote, r.filled_quote_units),
    created_ts_ms: r.created_ts_ms,
    updated_ts_ms: r.updated_ts_ms,
  };
}

export function userTradeOfRow(spec: Spec, r: TradeRow): UserTrade {
  const s = symbolById(spec, r.symbol_id);
  const fee_asset = assetById(spec, r.fee_asset_id);
  return {
    trade_id: String(r.trade_id),
    order_id: String(r.order_id),
    symbol: s.name,
    side: enumName(sideName, r.side) as UserTrade["side"],
    role: r.is_maker ? "maker" : "taker",
    price: priceText(s, r.price_ticks),
    quantity: qtyText(s, r.qty_lots),
    quote_quantity: unitsText(s.quote, r.quote_units),
    fee: unitsText(fee_asset, r.fee_units),
    fee_asset: fee_asset.name,
    ts_ms: r.ts_ms,
  };
}

export function marketTradeOfRow(spec: Spec, r: MarketTradeRow): MarketTrade {
  const s = symbolById(spec, r.symbol_id);
  return {
    trade_id: String(r.trade_id),
    symbol: s.name,
    price: priceText(s, r.price_ticks),
    quantity: qtyText(s, r.qty_lots),
    quote_quantity: unitsText(s.quote, r.quote_units),
    taker_side: enumName(sideName, r.taker_side) as MarketTrade["taker_side"],
    ts_ms: r.ts_ms,
  };
}

function levelOf(s: SymbolSpec, l: BackendLevel): DepthLevel {
  return { price: priceText(s, l.price_ticks), quantity: qtyText(s, l.qty_lots), orders: l.orders };
}

export function depthOf(spec: Spec, d: BackendDepth): Depth {
  const s = symbolById(spec, d.symbol_id);
  return {
    symbol: s.name,
    last_update_id: d.last_update_id ?? 0,
    bids: d.bids.map((l) => levelOf(s, l)),
    asks: d.asks.map((l) => levelOf(s, l)),
  };
}

/** Every configured asset, in id order; an asset the user never held shows zero. */
export function balancesOf(spec: Spec, rows: readonly BalanceRow[]): Balance[] {
  const byAsset = new Map<number, BalanceRow>();
  for (const r of rows) byAsset.set(r.asset_id, r);
  return [...spec.assets]
    .sort((a, b) => a.id - b.id)
    .map((a) => {
      const r = byAsset.get(a.id);
      return {
        asset: a.name,
        avail: unitsText(a, r?.avail_units ?? 0),
        frozen: unitsText(a, r?.frozen_units ?? 0),
      };
    });
}

export function transferResultOf(spec: Spec, reply: TransferReply): TransferResult {
  const a = assetById(spec, reply.asset_id);
  return {
    request_id: reply.request_id,
    user_id: reply.user_id,
    asset: a.name,
    amount: unitsText(a, reply.amount_units),
    status: reply.duplicate ? "duplicate" : "applied",
    avail: unitsText(a, reply.avail_units ?? 0),
    frozen: unitsText(a, reply.frozen_units ?? 0),
    event_id: reply.event_id,
  };
}
