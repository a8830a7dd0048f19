// A book of resting buy orders, for what needs one without a flow: the
// warm-up of the snapshot code (core.ts) and the measurements of heap per
// order and of the snapshot pause. Users funded in the quote asset, then
// non-crossing limit buys spread over `levels` price levels below the middle
// of the price range.

import type { SymbolSpec } from "./config.ts";
import { CommandKind, OrderType, Side, STP_DEFAULT, TimeInForce } from "./enums.ts";
import type { PlaceCmd, TransferCmd } from "./types.ts";

export interface RestingBook {
  deposits: TransferCmd[];
  /** The i-th resting order (0-based): built on demand so a large book costs no array. */
  order(i: number): PlaceCmd;
}

export function restingBook(
  s: SymbolSpec,
  users: number,
  levels: number,
  tag: string,
): RestingBook {
  const deposits: TransferCmd[] = [];
  for (let u = 1; u <= users; u++) {
    deposits.push({
      kind: CommandKind.Deposit,
      request_id: `${tag}-${u}`,
      user_id: u,
      asset_id: s.quote.id,
      amount_units: 10 ** (s.quote.decimals + 6),
      ts_ms: 0,
      corr: "",
    });
  }
  const mid = Math.floor(s.max_price_ticks / 20);
  return {
    deposits,
    order: (i) => ({
      kind: CommandKind.Place,
      user_id: 1 + (i % users),
      symbol_id: s.id,
      side: Side.Buy,
      order_type: OrderType.Limit,
      tif: TimeInForce.GTC,
      post_only: false,
      stp: STP_DEFAULT,
      price_ticks: mid - 1 - (i % levels),
      qty_lots: 100,
      quote_units: 0,
      stop_price_ticks: 0,
      cid: `${tag}${i}`,
      ts_ms: 0,
      corr: "",
    }),
  };
}
