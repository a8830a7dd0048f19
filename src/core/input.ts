// Conversions at the edge: decimal strings and names, as users write them, into
// the integer commands the core takes. Shared by the gateway and by replays so
// both refuse the same inputs with the same codes.

import type { AssetSpec, Spec, SymbolSpec } from "./config.ts";
import {
  CancelReplaceMode,
  CommandKind,
  isMarketLike,
  isStopType,
  OrderType,
  parseEnum,
  Side,
  STP_DEFAULT,
  Stp,
  TimeInForce,
} from "./enums.ts";
import { BourseError, Reject } from "./errors.ts";
import { parseUnits } from "./money.ts";
import type {
  AmendCmd,
  CancelAllAfterCmd,
  CancelAllCmd,
  CancelCmd,
  CancelReplaceCmd,
  OrderSpec,
  PlaceCmd,
  PlaceOcoCmd,
  TickCmd,
  TransferCmd,
} from "./types.ts";

export function assetOf(spec: Spec, name: string): AssetSpec {
  const a = spec.assetByName.get(name);
  if (a === undefined) throw new BourseError(Reject.UNKNOWN_ASSET, `unknown asset ${name}`);
  return a;
}

export function symbolOf(spec: Spec, name: string): SymbolSpec {
  const s = spec.symbolByName.get(name);
  if (s === undefined) throw new BourseError(Reject.UNKNOWN_SYMBOL, `unknown symbol ${name}`);
  return s;
}

export function priceTicks(s: SymbolSpec, text: string): number {
  const units = parseUnits(text, s.quote.decimals, "price");
  if (units % s.tick_units !== 0) {
    throw new BourseError(Reject.BAD_PRECISION, `price ${text} is not a multiple of the tick size`);
  }
  return units / s.tick_units;
}

export function qtyLots(s: SymbolSpec, text: string): number {
  const units = parseUnits(text, s.base.decimals, "quantity");
  if (units % s.lot_units !== 0) {
    throw new BourseError(
      Reject.BAD_PRECISION,
      `quantity ${text} is not a multiple of the lot size`,
    );
  }
  return units / s.lot_units;
}

export interface TransferInput {
  request_id: string;
  user_id: number;
  asset: string;
  amount: string;
}

export function transferCommand(
  spec: Spec,
  kind: TransferCmd["kind"],
  t: TransferInput,
  ts_ms: number,
  corr = "",
): TransferCmd {
  const a = assetOf(spec, t.asset);
  return {
    kind,
    request_id: t.request_id,
    user_id: t.user_id,
    asset_id: a.id,
    amount_units: parseUnits(t.amount, a.decimals),
    ts_ms,
    corr,
  };
}

export interface OrderInput {
  user_id: number;
  symbol: string;
  side: string;
  order_type: string;
  time_in_force?: string | undefined;
  price?: string | undefined;
  /** The trigger of StopLoss, StopLossLimit, TakeProfit and TakeProfitLimit orders. */
  stop_price?: string | undefined;
  quantity?: string | undefined;
  quote_quantity?: string | undefined;
  cid?: string | undefined;
  post_only?: boolean | undefined;
  stp?: string | undefined;
}

function enumOf<T extends Record<string, number>>(e: T, text: string, what: string): T[keyof T] {
  const v = parseEnum(e, text);
  if (v === undefined) {
    throw new BourseError(
      Reject.INVALID_ORDER,
      `${what} must be one of ${Object.keys(e).join(", ")} (got ${JSON.stringify(text)})`,
    );
  }
  return v;
}

function invalid(detail: string): BourseError {
  return new BourseError(Reject.INVALID_ORDER, detail);
}

/** The order part of an OrderInput (everything but the user), as the core takes it. */
export function orderSpec(spec: Spec, o: Omit<OrderInput, "user_id">): OrderSpec {
  const s = symbolOf(spec, o.symbol);
  const side = enumOf(Side, o.side, "side");
  const order_type = enumOf(OrderType, o.order_type, "order_type");
  const market = isMarketLike(order_type);
  const tif = enumOf(TimeInForce, o.time_in_force ?? (market ? "IOC" : "GTC"), "time_in_force");
  const stp = o.stp === undefined ? STP_DEFAULT : enumOf(Stp, o.stp, "stp");
  const name = isStopType(order_type) ? o.order_type : o.order_type.toLowerCase();
  let price_ticks = 0;
  if (!market) {
    if (o.price === undefined) {
      throw new BourseError(Reject.PRICE_REQUIRED, `a ${name} order needs a price`);
    }
    price_ticks = priceTicks(s, o.price);
  } else if (o.price !== undefined) {
    throw new BourseError(Reject.PRICE_NOT_ALLOWED, `a ${name} order takes no price`);
  }
  let stop_price_ticks = 0;
  if (isStopType(order_type)) {
    if (o.stop_price === undefined) {
      throw new BourseError(Reject.STOP_PRICE_REQUIRED, `a ${name} order needs a stop_price`);
    }
    stop_price_ticks = priceTicks(s, o.stop_price);
  } else if (o.stop_price !== undefined) {
    throw new BourseError(
      Reject.STOP_PRICE_NOT_ALLOWED,
      "stop_price is only for stop and take-profit orders",
    );
  }
  let qty_lots = 0;
  let quote_units = 0;
  if (o.quantity !== undefined && o.quote_quantity !== undefined) {
    throw new BourseError(Reject.QUANTITY_CONFLICT, "give quantity or quote_quantity, not both");
  }
  if (o.quote_quantity !== undefined) {
    if (order_type !== OrderType.Market || side !== Side.Buy) {
      throw new BourseError(
        Reject.QUOTE_QUANTITY_NOT_ALLOWED,
        "quote_quantity is only for market buys",
      );
    }
    quote_units = parseUnits(o.quote_quantity, s.quote.decimals, "quote_quantity");
  } else {
    if (o.quantity === undefined) {
      throw new BourseError(Reject.QUANTITY_REQUIRED, "quantity is required");
    }
    qty_lots = qtyLots(s, o.quantity);
  }
  return {
    symbol_id: s.id,
    side,
    order_type,
    tif,
    post_only: o.post_only ?? false,
    stp,
    price_ticks,
    stop_price_ticks,
    qty_lots,
    quote_units,
    cid: o.cid ?? "",
  };
}

export function placeCommand(spec: Spec, o: OrderInput, ts_ms: number, corr = ""): PlaceCmd {
  return { kind: CommandKind.Place, user_id: o.user_id, ...orderSpec(spec, o), ts_ms, corr };
}

/** Either an order id or a client order id names the order. */
export interface OrderTarget {
  order_id?: number | undefined;
  cid?: string | undefined;
}

function target(t: OrderTarget): { order_id: number; cid: string } {
  if ((t.order_id === undefined) === (t.cid === undefined)) {
    throw new BourseError(Reject.INVALID_CANCEL_TARGET, "give exactly one of order_id and cid");
  }
  return { order_id: t.order_id ?? 0, cid: t.cid ?? "" };
}

export function cancelCommand(
  user_id: number,
  t: OrderTarget,
  ts_ms: number,
  corr = "",
): CancelCmd {
  return { kind: CommandKind.Cancel, user_id, ...target(t), ts_ms, corr };
}

export interface OcoInput {
  user_id: number;
  symbol: string;
  side: string;
  /** Of each leg. */
  quantity: string;
  /** The limit leg. */
  price: string;
  post_only?: boolean | undefined;
  cid?: string | undefined;
  /** The stop leg: StopLoss, StopLossLimit, TakeProfit or TakeProfitLimit. */
  stop_type: string;
  stop_price: string;
  /** Only for the *Limit stop types. */
  stop_limit_price?: string | undefined;
  stop_time_in_force?: string | undefined;
  stop_cid?: string | undefined;
  stp?: string | undefined;
}

export function ocoCommand(spec: Spec, o: OcoInput, ts_ms: number, corr = ""): PlaceOcoCmd {
  const s = symbolOf(spec, o.symbol);
  const stop_type = enumOf(OrderType, o.stop_type, "stop_type");
  if (!isStopType(stop_type)) {
    throw invalid("stop_type must be StopLoss, StopLossLimit, TakeProfit or TakeProfitLimit");
  }
  const market = isMarketLike(stop_type);
  if (market && o.stop_limit_price !== undefined) {
    throw invalid(`a ${o.stop_type} leg takes no stop_limit_price`);
  }
  if (!market && o.stop_limit_price === undefined) {
    throw invalid(`a ${o.stop_type} leg needs a stop_limit_price`);
  }
  return {
    kind: CommandKind.PlaceOco,
    user_id: o.user_id,
    symbol_id: s.id,
    side: enumOf(Side, o.side, "side"),
    stp: o.stp === undefined ? STP_DEFAULT : enumOf(Stp, o.stp, "stp"),
    qty_lots: qtyLots(s, o.quantity),
    price_ticks: priceTicks(s, o.price),
    post_only: o.post_only ?? false,
    cid: o.cid ?? "",
    stop_type,
    stop_price_ticks: priceTicks(s, o.stop_price),
    stop_limit_price_ticks: market ? 0 : priceTicks(s, o.stop_limit_price as string),
    stop_tif: enumOf(
      TimeInForce,
      o.stop_time_in_force ?? (market ? "IOC" : "GTC"),
      "stop_time_in_force",
    ),
    stop_cid: o.stop_cid ?? "",
    ts_ms,
    corr,
  };
}

/**
 * An OCO's two legs as orders: the GTC limit leg, then the stop leg (what
 * history and answers show of each; the core keeps them as one command).
 */
export function ocoLegs(c: PlaceOcoCmd): [OrderSpec, OrderSpec] {
  const common = {
    symbol_id: c.symbol_id,
    side: c.side,
    stp: c.stp,
    qty_lots: c.qty_lots,
    quote_units: 0,
  };
  return [
    {
      ...common,
      order_type: OrderType.Limit,
      tif: TimeInForce.GTC,
      post_only: c.post_only,
      price_ticks: c.price_ticks,
      stop_price_ticks: 0,
      cid: c.cid,
    },
    {
      ...common,
      order_type: c.stop_type,
      tif: c.stop_tif,
      post_only: false,
      price_ticks: c.stop_limit_price_ticks,
      stop_price_ticks: c.stop_price_ticks,
      cid: c.stop_cid,
    },
  ];
}

export interface AmendInput extends OrderTarget {
  user_id: number;
  symbol: string;
  /** The new limit price. */
  price?: string | undefined;
  /** The new total quantity, filled part included. */
  quantity?: string | undefined;
}

export function amendCommand(spec: Spec, a: AmendInput, ts_ms: number, corr = ""): AmendCmd {
  const s = symbolOf(spec, a.symbol);
  if (a.price === undefined && a.quantity === undefined)
    throw invalid("give price, quantity or both");
  return {
    kind: CommandKind.Amend,
    user_id: a.user_id,
    symbol_id: s.id,
    ...target(a),
    price_ticks: a.price === undefined ? 0 : priceTicks(s, a.price),
    qty_lots: a.quantity === undefined ? 0 : qtyLots(s, a.quantity),
    ts_ms,
    corr,
  };
}

export function cancelReplaceCommand(
  spec: Spec,
  user_id: number,
  cancel: OrderTarget,
  mode: string,
  order: Omit<OrderInput, "user_id">,
  ts_ms: number,
  corr = "",
): CancelReplaceCmd {
  return {
    kind: CommandKind.CancelReplace,
    user_id,
    ...target(cancel),
    mode: enumOf(CancelReplaceMode, mode, "mode"),
    order: orderSpec(spec, order),
    ts_ms,
    corr,
  };
}

export function cancelAllCommand(
  spec: Spec,
  user_id: number,
  symbol: string | undefined,
  ts_ms: number,
  corr = "",
): CancelAllCmd {
  return {
    kind: CommandKind.CancelAll,
    user_id,
    symbol_id: symbol === undefined ? 0 : symbolOf(spec, symbol).id,
    ts_ms,
    corr,
  };
}

export function cancelAllAfterCommand(
  user_id: number,
  timeout_ms: number,
  ts_ms: number,
  corr = "",
): CancelAllAfterCmd {
  if (!Number.isSafeInteger(timeout_ms) || timeout_ms < 0) {
    throw new BourseError(
      Reject.INVALID_TIMEOUT,
      "timeout_ms must be a whole number of ms, 0 or more",
    );
  }
  return { kind: CommandKind.CancelAllAfter, user_id, timeout_ms, ts_ms, corr };
}

/** The sequencer's tick: time passes, timers that are due fire. */
export function tickCommand(ts_ms: number, corr = ""): TickCmd {
  return { kind: CommandKind.Tick, ts_ms, corr };
}
