// Orders this gateway placed or cancelled moments ago, as their answers told
// it. The settlement database shows an order a little after the answer, and a
// client that places an order and at once asks for it (ccxt does) must find
// it: reads take the database's row when it has one and this answer while it
// does not. Entries live TTL_MS and the table holds at most MAX_ENTRIES.
//
// This bridges the settlement lag only until the gateway keeps open orders
// from the core's output stream (the order-path change), which replaces it.

import { OrderStatus, type PlaceCmd, parseEnum, Reject, type RejectCode } from "../../core/mod.ts";
import type { OrderRow } from "../../store/mod.ts";
import type { OrderReply } from "../../ubscore/replies.ts";

export const TTL_MS = 60_000;
export const MAX_ENTRIES = 65_536;

interface Entry {
  row: OrderRow;
  at_ms: number;
}

export class RecentOrders {
  private readonly byId = new Map<number, Entry>();
  private readonly byUser = new Map<number, Map<number, Entry>>();

  constructor(
    private readonly ttl_ms = TTL_MS,
    private readonly max_entries = MAX_ENTRIES,
  ) {}

  /** An accepted order: the command and the answer after matching. */
  placed(cmd: PlaceCmd, reply: OrderReply, now_ms: number): OrderRow {
    const row: OrderRow = {
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
      status: statusOf(reply.status),
      filled_lots: reply.filled_lots,
      remaining_lots: reply.remaining_lots,
      filled_quote_units: reply.filled_quote_units,
      reason: reasonOf(reply.reason),
      created_ts_ms: cmd.ts_ms,
      updated_ts_ms: cmd.ts_ms,
    };
    this.evict(now_ms);
    const entry = { row, at_ms: now_ms };
    this.byId.set(row.order_id, entry);
    let mine = this.byUser.get(row.user_id);
    if (mine === undefined) {
      mine = new Map();
      this.byUser.set(row.user_id, mine);
    }
    mine.set(row.order_id, entry);
    return row;
  }

  /** A cancel's answer changes what is known of an order this table holds. */
  cancelled(reply: OrderReply, ts_ms: number): void {
    const e = this.byId.get(reply.order_id);
    if (e === undefined || reply.status === null) return;
    e.row = {
      ...e.row,
      status: statusOf(reply.status),
      filled_lots: reply.filled_lots,
      remaining_lots: reply.remaining_lots,
      filled_quote_units: reply.filled_quote_units,
      reason: reasonOf(reply.reason),
      updated_ts_ms: ts_ms,
    };
  }

  byOrderId(order_id: number, now_ms: number): OrderRow | null {
    this.evict(now_ms);
    return this.byId.get(order_id)?.row ?? null;
  }

  /** The user's orders of a symbol (or all), newest first. */
  ofUser(user_id: number, symbol_id: number | undefined, now_ms: number): OrderRow[] {
    this.evict(now_ms);
    const mine = this.byUser.get(user_id);
    if (mine === undefined) return [];
    const out: OrderRow[] = [];
    for (const e of mine.values()) {
      if (symbol_id === undefined || e.row.symbol_id === symbol_id) out.push(e.row);
    }
    return out.reverse();
  }

  get size(): number {
    return this.byId.size;
  }

  private evict(now_ms: number): void {
    for (const [id, e] of this.byId) {
      if (now_ms - e.at_ms < this.ttl_ms && this.byId.size < this.max_entries) break;
      this.byId.delete(id);
      const mine = this.byUser.get(e.row.user_id);
      mine?.delete(id);
      if (mine !== undefined && mine.size === 0) this.byUser.delete(e.row.user_id);
    }
  }
}

/** An order status by its name in a core answer. */
export function statusOf(name: string | null): OrderStatus {
  const s = name === null ? undefined : parseEnum(OrderStatus, name);
  if (s === undefined) throw new RangeError(`unknown order status ${name}`);
  return s;
}

function reasonOf(code: string | null): number {
  if (code === null) return 0;
  const spec = Reject[code as RejectCode];
  if (spec === undefined) throw new RangeError(`unknown order reason ${code}`);
  return spec.id;
}
