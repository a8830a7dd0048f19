// Refusals in words a user can act on. The core answers with a code only (it
// stays small and deterministic); the gateway knows the request and the
// configuration, so it states the limit that was crossed: the price range, the
// minimum notional, the longest cid. Codes never depend on these sentences.

import {
  type PlaceCmd,
  Reject,
  type Spec,
  type SymbolSpec,
  type TransferCmd,
} from "../../core/mod.ts";
import { priceText, qtyText, unitsText } from "./format.ts";

export interface OrderTexts {
  price?: string | undefined;
  quantity?: string | undefined;
  quote_quantity?: string | undefined;
  cid?: string | undefined;
}

function notional(s: SymbolSpec, units: number): string {
  return `${unitsText(s.quote, units)} ${s.quote.name}`;
}

/** Why an order was refused, with the limit it crossed; the code's message when there is nothing to add. */
export function explainOrder(spec: Spec, cmd: PlaceCmd, b: OrderTexts, code: string): string {
  const s = spec.symbolById[cmd.symbol_id];
  const limits = spec.limits;
  if (s === undefined) return Reject.UNKNOWN_SYMBOL.message;
  switch (code) {
    case Reject.PRICE_OUT_OF_RANGE.code:
      return `price ${b.price ?? priceText(s, cmd.price_ticks)} is outside ${priceText(s, 1)}..${priceText(s, s.max_price_ticks)}, the price range of ${s.name}`;
    case Reject.QUANTITY_OUT_OF_RANGE.code:
      return `quantity ${b.quantity ?? qtyText(s, cmd.qty_lots)} is outside ${qtyText(s, 1)}..${qtyText(s, s.max_qty_lots)}, the quantity range of ${s.name}`;
    case Reject.BELOW_MIN_NOTIONAL.code: {
      const min = notional(s, s.min_notional_units);
      if (cmd.quote_units > 0) {
        return `quote_quantity ${b.quote_quantity ?? ""} is below ${min}, the minimum notional of ${s.name}`;
      }
      if (cmd.price_ticks > 0) {
        const value = cmd.price_ticks * cmd.qty_lots * s.notional_per_tick_lot;
        return `order value ${notional(s, value)} (price x quantity) is below ${min}, the minimum notional of ${s.name}`;
      }
      return `order value at the best opposite price is below ${min}, the minimum notional of ${s.name}`;
    }
    case Reject.CID_TOO_LONG.code:
      return `cid is ${cmd.cid.length} characters; at most ${limits.max_id_length} are allowed`;
    case Reject.INVALID_CID.code:
      return `cid ${JSON.stringify(cmd.cid)} has characters other than letters, digits and _ . : -`;
    case Reject.TOO_MANY_OPEN_ORDERS.code:
      return `a user may have at most ${limits.max_open_orders_per_user} open orders`;
    case Reject.UNKNOWN_USER.code:
      return `user id ${cmd.user_id} is outside 1..${limits.max_user_id}`;
    default:
      return (
        Object.values(Reject).find((r) => r.code === code)?.message ?? `order refused: ${code}`
      );
  }
}

/** Why a transfer was refused; a retry of a refused request says it is that earlier answer. */
export function explainTransfer(
  spec: Spec,
  cmd: TransferCmd,
  code: string,
  duplicate: boolean,
): string {
  const why = transferReason(spec, cmd, code);
  if (!duplicate) return why;
  return `request_id ${cmd.request_id} was refused when it was first received (${why}); this repeats that answer and nothing was applied: a request_id is answered once, so send a new one to try again`;
}

function transferReason(spec: Spec, cmd: TransferCmd, code: string): string {
  const limits = spec.limits;
  switch (code) {
    case Reject.INVALID_REQUEST_ID.code:
      return `request_id must be 1..${limits.max_id_length} printable characters`;
    case Reject.UNKNOWN_USER.code:
      return `user id ${cmd.user_id} is outside 1..${limits.max_user_id}`;
    default:
      return Object.values(Reject).find((r) => r.code === code)?.message ?? `refused: ${code}`;
  }
}
