// What the order form sends and what it refuses before sending: the order
// types a user may pick, which fields each takes, and the checks of its
// amounts against the symbol's tick, lot, limits and minimum notional, all
// as exact decimal strings. Kept apart from the page so that the tests can
// hold it to the exchange's rules without a browser.

import type { AmendRequest, CreateOrderRequest } from "../../client/mod.ts";
import { plainDecimal, reachesNotional, stepProblem } from "./decimal.ts";

export const ORDER_KINDS = [
  "Limit",
  "Market",
  "StopLoss",
  "StopLossLimit",
  "TakeProfit",
  "TakeProfitLimit",
] as const;
export type Kind = (typeof ORDER_KINDS)[number];
export type Tif = "GTC" | "IOC" | "FOK";

/** The symbol's rules, as exchange info states them. */
export interface Rules {
  symbol: string;
  tick_size: string;
  lot_size: string;
  max_price: string;
  max_quantity: string;
  min_notional: string;
  quote_asset: string;
}

/** Kinds with a limit price (and a time in force). */
export function hasPrice(kind: Kind): boolean {
  return kind === "Limit" || kind === "StopLossLimit" || kind === "TakeProfitLimit";
}

/** Kinds with a trigger. */
export function hasStop(kind: Kind): boolean {
  return kind !== "Limit" && kind !== "Market";
}

export interface OrderFields {
  side: "Buy" | "Sell";
  kind: Kind;
  price: string;
  stop_price: string;
  quantity: string;
  tif: Tif;
  post_only: boolean;
}

/** Why the form's order would be refused; null when it may be sent. */
export function orderProblem(s: Rules, f: OrderFields): string | null {
  const quantity = stepProblem("quantity", f.quantity, plainDecimal(s.lot_size), s.max_quantity);
  const tick = plainDecimal(s.tick_size);
  if (hasStop(f.kind)) {
    const stop = stepProblem("stop price", f.stop_price, tick, s.max_price);
    if (stop !== null) return stop;
  }
  if (!hasPrice(f.kind)) return quantity;
  const price = stepProblem("price", f.price, tick, s.max_price);
  if (price !== null) return price;
  if (quantity !== null) return quantity;
  if (!reachesNotional(f.price, f.quantity, s.min_notional)) {
    return `Price × quantity must be at least ${plainDecimal(s.min_notional)} ${s.quote_asset}.`;
  }
  return null;
}

/** The request for the form's fields (checked first with orderProblem). */
export function orderRequest(s: Rules, f: OrderFields): CreateOrderRequest {
  const order: CreateOrderRequest = {
    symbol: s.symbol,
    side: f.side,
    order_type: f.kind,
    quantity: f.quantity,
  };
  if (hasStop(f.kind)) order.stop_price = f.stop_price;
  if (hasPrice(f.kind)) {
    order.price = f.price;
    order.time_in_force = f.tif;
    if (f.kind === "Limit" && f.post_only) order.post_only = true;
  }
  return order;
}

/** Why an amendment would be refused before sending; null when it may be sent. */
export function amendProblem(s: Rules, price: string, quantity: string): string | null {
  if (price === "" && quantity === "") return "Enter a new price, a new quantity or both.";
  if (price !== "") {
    const p = stepProblem("new price", price, plainDecimal(s.tick_size), s.max_price);
    if (p !== null) return p;
  }
  if (quantity !== "") {
    const q = stepProblem("new quantity", quantity, plainDecimal(s.lot_size), s.max_quantity);
    if (q !== null) return q;
  }
  return null;
}

/** The amend request: only the terms given change. */
export function amendRequest(
  symbol: string,
  order_id: string,
  price: string,
  quantity: string,
): AmendRequest {
  const r: AmendRequest = { symbol, order_id };
  if (price !== "") r.price = price;
  if (quantity !== "") r.quantity = quantity;
  return r;
}
