// Finding a user's orders: the settlement database's rows, with the answers
// this gateway got moments ago (RecentOrders) for what the database does not
// show yet. A terminal state never goes back, so a recent answer that ended
// an order wins over a database row that still shows it open.

import type { SymbolSpec } from "../../core/mod.ts";
import { MAX_QUERY_LIMIT, type OrderRow } from "../../store/mod.ts";
import type { Ctx } from "./context.ts";
import { isOpen } from "./format.ts";

export function fresher(stored: OrderRow | null, recent: OrderRow | null): OrderRow | null {
  if (stored === null) return recent;
  if (recent === null) return stored;
  return isOpen(stored.status) && !isOpen(recent.status) ? recent : stored;
}

/** One order by id, whoever owns it. */
export async function orderById(ctx: Ctx, order_id: number): Promise<OrderRow | null> {
  const stored = await ctx.backend.store.order(order_id);
  return fresher(stored, ctx.recent.byOrderId(order_id, ctx.now_ms()));
}

/**
 * The user's newest order of a symbol with this client order id: among the
 * open orders, the recent answers, and the newest MAX_QUERY_LIMIT orders.
 */
export async function orderByCid(
  ctx: Ctx,
  user_id: number,
  s: SymbolSpec,
  cid: string,
): Promise<OrderRow | null> {
  const q = { user_id, symbol_id: s.id, limit: MAX_QUERY_LIMIT };
  const open = (await ctx.backend.store.activeOrders(q)).find((r) => r.cid === cid);
  const recent = ctx.recent.ofUser(user_id, s.id, ctx.now_ms()).find((r) => r.cid === cid);
  let best = newest(open ?? null, recent ?? null);
  if (best === null || !isOpen(best.status)) {
    const old = (await ctx.backend.store.orderHistory(q)).find((r) => r.cid === cid);
    best = newest(best, old ?? null);
  }
  if (best === null) return null;
  const stored = await ctx.backend.store.order(best.order_id);
  return fresher(stored, ctx.recent.byOrderId(best.order_id, ctx.now_ms())) ?? best;
}

function newest(a: OrderRow | null, b: OrderRow | null): OrderRow | null {
  if (a === null) return b;
  if (b === null) return a;
  return b.order_id > a.order_id ? b : a;
}

/** The user's open orders (of a symbol, or all), oldest first; `full` when the database may hold more. */
export async function openOrdersOf(
  ctx: Ctx,
  user_id: number,
  s: SymbolSpec | undefined,
): Promise<{ rows: OrderRow[]; full: boolean }> {
  const q = { user_id, limit: MAX_QUERY_LIMIT, ...(s === undefined ? {} : { symbol_id: s.id }) };
  const stored = await ctx.backend.store.activeOrders(q);
  const now = ctx.now_ms();
  const out = new Map<number, OrderRow>();
  for (const r of stored) {
    const row = fresher(r, ctx.recent.byOrderId(r.order_id, now)) as OrderRow;
    if (isOpen(row.status)) out.set(row.order_id, row);
  }
  for (const r of ctx.recent.ofUser(user_id, s?.id, now)) {
    if (out.has(r.order_id) || !isOpen(r.status)) continue;
    // Not among the open rows: either not settled yet (keep it) or settled and closed since.
    if ((await ctx.backend.store.order(r.order_id)) === null) out.set(r.order_id, r);
  }
  const rows = [...out.values()].sort((a, b) => a.order_id - b.order_id);
  return { rows, full: stored.length >= MAX_QUERY_LIMIT };
}

/** The user's orders of a symbol, oldest first: the newest window of the database and recent answers. */
export async function ordersOf(
  ctx: Ctx,
  user_id: number,
  s: SymbolSpec,
): Promise<{ rows: OrderRow[]; full: boolean }> {
  const stored = await ctx.backend.store.orderHistory({
    user_id,
    symbol_id: s.id,
    limit: MAX_QUERY_LIMIT,
  });
  const now = ctx.now_ms();
  const out = new Map<number, OrderRow>();
  for (const r of stored) {
    out.set(r.order_id, fresher(r, ctx.recent.byOrderId(r.order_id, now)) as OrderRow);
  }
  // A recent order the window lacks is not settled yet, unless the window is
  // full and the order older than all of it (then it was pushed out).
  const full = stored.length >= MAX_QUERY_LIMIT;
  const oldest = stored[stored.length - 1]?.order_id ?? 0;
  for (const r of ctx.recent.ofUser(user_id, s.id, now)) {
    if (!out.has(r.order_id) && (!full || r.order_id > oldest)) out.set(r.order_id, r);
  }
  const rows = [...out.values()].sort((a, b) => a.order_id - b.order_id);
  return { rows, full };
}
