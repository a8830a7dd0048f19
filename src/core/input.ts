// Conversions at the edge: decimal strings and names, as users write them, into
// the integer commands the core takes. Shared by the gateway and by replays so
// both refuse the same inputs with the same codes.

import type { AssetSpec, Spec, SymbolSpec } from "./config.ts";
import { CommandKind, OrderType, parseEnum, Side, STP_DEFAULT, Stp, TimeInForce } from "./enums.ts";
import { BourseError, Reject } from "./errors.ts";
import { parseUnits } from "./money.ts";
import type { CancelCmd, PlaceCmd, TransferCmd } from "./types.ts";

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

export function placeCommand(spec: Spec, o: OrderInput, ts_ms: number, corr = ""): PlaceCmd {
  const s = symbolOf(spec, o.symbol);
  const side = enumOf(Side, o.side, "side");
  const order_type = enumOf(OrderType, o.order_type, "order_type");
  const market = order_type === OrderType.Market;
  const tif = enumOf(TimeInForce, o.time_in_force ?? (market ? "IOC" : "GTC"), "time_in_force");
  const stp = o.stp === undefined ? STP_DEFAULT : enumOf(Stp, o.stp, "stp");
  let price_ticks = 0;
  if (!market) {
    if (o.price === undefined)
      throw new BourseError(Reject.PRICE_REQUIRED, "a limit order needs a price");
    price_ticks = priceTicks(s, o.price);
  } else if (o.price !== undefined) {
    throw new BourseError(Reject.PRICE_NOT_ALLOWED, "a market order takes no price");
  }
  let qty_lots = 0;
  let quote_units = 0;
  if (o.quantity !== undefined && o.quote_quantity !== undefined) {
    throw new BourseError(Reject.QUANTITY_CONFLICT, "give quantity or quote_quantity, not both");
  }
  if (o.quote_quantity !== undefined) {
    if (!market || side !== Side.Buy) {
      throw new BourseError(
        Reject.QUOTE_QUANTITY_NOT_ALLOWED,
        "quote_quantity is only for market buys",
      );
    }
    quote_units = parseUnits(o.quote_quantity, s.quote.decimals, "quote_quantity");
  } else {
    if (o.quantity === undefined)
      throw new BourseError(Reject.QUANTITY_REQUIRED, "quantity is required");
    qty_lots = qtyLots(s, o.quantity);
  }
  return {
    kind: CommandKind.Place,
    user_id: o.user_id,
    symbol_id: s.id,
    side,
    order_type,
    tif,
    post_only: o.post_only ?? false,
    stp,
    price_ticks,
    qty_lots,
    quote_units,
    cid: o.cid ?? "",
    ts_ms,
    corr,
  };
}

export function cancelCommand(
  user_id: number,
  target: { order_id?: number | undefined; cid?: string | undefined },
  ts_ms: number,
  corr = "",
): CancelCmd {
  if ((target.order_id === undefined) === (target.cid === undefined)) {
    throw new BourseError(Reject.INVALID_CANCEL_TARGET, "give exactly one of order_id and cid");
  }
  return {
    kind: CommandKind.Cancel,
    user_id,
    order_id: target.order_id ?? 0,
    cid: target.cid ?? "",
    ts_ms,
    corr,
  };
}
