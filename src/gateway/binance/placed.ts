// An order as its answer describes it: the row Binance's order responses
// are built from right after placing, before any read of the database.

import { OrderStatus, type PlaceCmd, parseEnum, Reject, type RejectCode } from "../../core/mod.ts";
import type { OrderRow } from "../../store/mod.ts";
import type { OrderReply } from "../../ubscore/mod.ts";

/** An accepted order: the command and the answer after matching. */
export function placedRow(cmd: PlaceCmd, reply: OrderReply, output_seq: number): OrderRow {
  return {
    order_id: reply.order_id,
    user_id: cmd.user_id,
    symbol_id: cmd.symbol_id,
    side: cmd.side,
    order_type: cmd.order_type,
    tif: cmd.tif,
    post_only: cmd.post_only,
    stp: cmd.stp,
    price_ticks: cmd.price_ticks,
    qty_lots: cmd.qty_lots,
    quote_units: cmd.quote_units,
    cid: cmd.cid,
    stop_price_ticks: cmd.stop_price_ticks,
    oco_order_id: 0,
    status: statusOf(reply.status),
    filled_lots: reply.filled_lots,
    remaining_lots: reply.remaining_lots,
    filled_quote_units: reply.filled_quote_units,
    reason: reasonOf(reply.reason),
    created_ts_ms: cmd.ts_ms,
    updated_ts_ms: cmd.ts_ms,
    output_seq,
  };
}

/** An order status by its name in a core answer. */
export function statusOf(name: string | null): OrderStatus {
  const s = name === null ? undefined : parseEnum(OrderStatus, name);
  if (s === undefined) throw new RangeError(`unknown order status ${name}`);
  return s;
}

export function reasonOf(code: string | null): number {
  if (code === null) return 0;
  const spec = Reject[code as RejectCode];
  if (spec === undefined) throw new RangeError(`unknown order reason ${code}`);
  return spec.id;
}
