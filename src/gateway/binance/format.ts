// Bourse's orders and trades in Binance's JSON shapes. Prices show the quote
// asset's decimals, quantities the base asset's, commissions the fee asset's:
// decimal strings from integers, never through a float.

import {
  errorById,
  formatUnits,
  isMarketLike,
  isTerminal,
  OrderStatus,
  OrderType,
  Side,
  type Spec,
  Stp,
  type SymbolSpec,
  TimeInForce,
} from "../../core/mod.ts";
import type { MarketTradeRow, OrderRow, TradeRow } from "../../store/mod.ts";
import type { ReplyTrade } from "../../ubscore/mod.ts";
import { outcomeOf } from "./errors.ts";
import { priceText, qtyText, quoteText } from "./symbols.ts";

export const ORDER_TYPES = [
  "LIMIT",
  "LIMIT_MAKER",
  "MARKET",
  "STOP_LOSS",
  "STOP_LOSS_LIMIT",
  "TAKE_PROFIT",
  "TAKE_PROFIT_LIMIT",
] as const;
export type OrderTypeName = (typeof ORDER_TYPES)[number];

/** Binance's stop types and Bourse's, both ways. */
export const STOP_TYPES: Readonly<Partial<Record<OrderTypeName, OrderType>>> = {
  STOP_LOSS: OrderType.StopLoss,
  STOP_LOSS_LIMIT: OrderType.StopLossLimit,
  TAKE_PROFIT: OrderType.TakeProfit,
  TAKE_PROFIT_LIMIT: OrderType.TakeProfitLimit,
};
const STOP_TYPE_NAME: Readonly<Record<number, OrderTypeName>> = {
  [OrderType.StopLoss]: "STOP_LOSS",
  [OrderType.StopLossLimit]: "STOP_LOSS_LIMIT",
  [OrderType.TakeProfit]: "TAKE_PROFIT",
  [OrderType.TakeProfitLimit]: "TAKE_PROFIT_LIMIT",
};
export const TIFS = ["GTC", "IOC", "FOK"] as const;
export const STP_MODES = ["EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"] as const;
export type StpName = (typeof STP_MODES)[number];

export const STP_OF: Readonly<Record<StpName, Stp>> = {
  EXPIRE_TAKER: Stp.ExpireTaker,
  EXPIRE_MAKER: Stp.ExpireMaker,
  EXPIRE_BOTH: Stp.ExpireBoth,
};

const STP_NAME: Readonly<Record<number, StpName>> = {
  [Stp.ExpireTaker]: "EXPIRE_TAKER",
  [Stp.ExpireMaker]: "EXPIRE_MAKER",
  [Stp.ExpireBoth]: "EXPIRE_BOTH",
};

const STATUS_NAME: Readonly<Record<number, string>> = {
  [OrderStatus.New]: "NEW",
  [OrderStatus.PartiallyFilled]: "PARTIALLY_FILLED",
  [OrderStatus.Filled]: "FILLED",
  [OrderStatus.Cancelled]: "CANCELED",
  [OrderStatus.Rejected]: "REJECTED",
  [OrderStatus.Expired]: "EXPIRED",
  // Binance shows a waiting stop NEW (isWorking false), and a triggered one NEW until it trades.
  [OrderStatus.Untriggered]: "NEW",
  [OrderStatus.Triggered]: "NEW",
};

const TIF_NAME: Readonly<Record<number, string>> = {
  [TimeInForce.GTC]: "GTC",
  [TimeInForce.IOC]: "IOC",
  [TimeInForce.FOK]: "FOK",
};

export function stpText(stp: number): StpName {
  const name = STP_NAME[stp];
  if (name === undefined) throw new RangeError(`unknown self-trade prevention mode ${stp}`);
  return name;
}

export function sideText(side: number): "BUY" | "SELL" {
  return side === Side.Buy ? "BUY" : "SELL";
}

export function typeText(r: Pick<OrderRow, "order_type" | "post_only">): OrderTypeName {
  if (r.order_type === OrderType.Market) return "MARKET";
  const stop = STOP_TYPE_NAME[r.order_type];
  if (stop !== undefined) return stop;
  return r.post_only ? "LIMIT_MAKER" : "LIMIT";
}

/** EXPIRED_IN_MATCH is Binance's name for an order expired by self-trade prevention. */
export function statusText(status: number, reason: number): string {
  if (status === OrderStatus.Expired && reason !== 0) {
    const outcome = outcomeOf(errorById(reason).code);
    if (outcome === "EXPIRED_IN_MATCH") return outcome;
  }
  const name = STATUS_NAME[status];
  if (name === undefined) throw new RangeError(`unknown order status ${status}`);
  return name;
}

export function isOpen(status: number): boolean {
  return !isTerminal(status as OrderStatus);
}

/** An OCO's legs share a list id, the limit leg's order id; -1 for an order in no list. */
export function orderListIdOf(r: Pick<OrderRow, "order_id" | "oco_order_id">): number {
  return r.oco_order_id === 0 ? -1 : Math.min(r.order_id, r.oco_order_id);
}

/** The fields every order answer shares after the identifiers. */
function orderCore(s: SymbolSpec, r: OrderRow) {
  const byQuote = r.order_type === OrderType.Market && r.qty_lots === 0;
  const executed = qtyText(s, r.filled_lots);
  return {
    price: isMarketLike(r.order_type) ? priceText(s, 0) : priceText(s, r.price_ticks),
    origQty: byQuote ? executed : qtyText(s, r.qty_lots),
    executedQty: executed,
    origQuoteOrderQty: quoteText(s, byQuote ? r.quote_units : 0),
    cummulativeQuoteQty: quoteText(s, r.filled_quote_units),
    status: statusText(r.status, r.reason),
    timeInForce: TIF_NAME[r.tif] ?? "GTC",
    type: typeText(r),
    side: sideText(r.side),
  };
}

/** GET /api/v3/order, openOrders, allOrders. */
export function orderJson(name: string, s: SymbolSpec, r: OrderRow) {
  const core = orderCore(s, r);
  return {
    symbol: name,
    orderId: r.order_id,
    orderListId: orderListIdOf(r),
    clientOrderId: r.cid,
    ...core,
    stopPrice: priceText(s, r.stop_price_ticks),
    icebergQty: qtyText(s, 0),
    time: r.created_ts_ms,
    updateTime: r.updated_ts_ms,
    isWorking: r.status !== OrderStatus.Untriggered,
    workingTime: r.created_ts_ms,
    selfTradePreventionMode: stpText(r.stp),
  };
}

export type RespType = "ACK" | "RESULT" | "FULL";

/** POST /api/v3/order in the shape newOrderRespType asks for. */
export function placedJson(
  spec: Spec,
  name: string,
  s: SymbolSpec,
  r: OrderRow,
  trades: readonly ReplyTrade[],
  resp: RespType,
) {
  const ack = {
    symbol: name,
    orderId: r.order_id,
    orderListId: orderListIdOf(r),
    clientOrderId: r.cid,
    transactTime: r.created_ts_ms,
  };
  if (resp === "ACK") return ack;
  const result = {
    ...ack,
    ...orderCore(s, r),
    ...(r.stop_price_ticks === 0 ? {} : { stopPrice: priceText(s, r.stop_price_ticks) }),
    workingTime: r.created_ts_ms,
    selfTradePreventionMode: stpText(r.stp),
  };
  if (resp === "RESULT") return result;
  return { ...result, fills: trades.map((t) => fillJson(spec, s, t)) };
}

function fillJson(spec: Spec, s: SymbolSpec, t: ReplyTrade) {
  const fee = spec.assetById[t.fee_asset_id];
  return {
    price: priceText(s, t.price_ticks),
    qty: qtyText(s, t.qty_lots),
    commission: fee === undefined ? "0" : formatUnits(t.fee_units, fee.decimals),
    commissionAsset: fee?.name ?? "",
    tradeId: t.trade_id,
  };
}

/** DELETE /api/v3/order (and each element of DELETE /api/v3/openOrders). */
export function cancelledJson(
  name: string,
  s: SymbolSpec,
  r: OrderRow,
  clientOrderId: string,
  ts_ms: number,
) {
  return {
    symbol: name,
    origClientOrderId: r.cid,
    orderId: r.order_id,
    orderListId: orderListIdOf(r),
    clientOrderId,
    transactTime: ts_ms,
    ...orderCore(s, r),
    ...(r.stop_price_ticks === 0 ? {} : { stopPrice: priceText(s, r.stop_price_ticks) }),
    selfTradePreventionMode: stpText(r.stp),
  };
}

/** GET /api/v3/myTrades. */
export function myTradeJson(spec: Spec, name: string, s: SymbolSpec, t: TradeRow) {
  const fee = spec.assetById[t.fee_asset_id];
  return {
    symbol: name,
    id: t.trade_id,
    orderId: t.order_id,
    orderListId: -1,
    price: priceText(s, t.price_ticks),
    qty: qtyText(s, t.qty_lots),
    quoteQty: quoteText(s, t.quote_units),
    commission: fee === undefined ? "0" : formatUnits(t.fee_units, fee.decimals),
    commissionAsset: fee?.name ?? "",
    time: t.ts_ms,
    isBuyer: t.side === Side.Buy,
    isMaker: t.is_maker,
    isBestMatch: true,
  };
}

/** GET /api/v3/trades: the buyer is the maker when the taker sold. */
export function tradeJson(s: SymbolSpec, t: MarketTradeRow) {
  return {
    id: t.trade_id,
    price: priceText(s, t.price_ticks),
    qty: qtyText(s, t.qty_lots),
    quoteQty: quoteText(s, t.quote_units),
    time: t.ts_ms,
    isBuyerMaker: t.taker_side === Side.Sell,
    isBestMatch: true,
  };
}

/** GET /api/v3/aggTrades: Bourse does not aggregate; each trade is its own aggregate. */
export function aggTradeJson(s: SymbolSpec, t: MarketTradeRow) {
  return {
    a: t.trade_id,
    p: priceText(s, t.price_ticks),
    q: qtyText(s, t.qty_lots),
    f: t.trade_id,
    l: t.trade_id,
    T: t.ts_ms,
    m: t.taker_side === Side.Sell,
    M: true,
  };
}
