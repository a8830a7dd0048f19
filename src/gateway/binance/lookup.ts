// Finding a user's orders in the settlement database. The backend's reads
// wait until settlement holds the user's own acknowledged writes, so an order
// this gateway just answered is always found.

import type { SymbolSpec } from "../../core/mod.ts";
import { MAX_QUERY_LIMIT, type OrderRow } from "../../store/mod.ts";
import type { Ctx } from "./context.ts";

/** One order by id, whoever owns it. */
export function orderById(ctx: Ctx, order_id: number): Promise<OrderRow | null> {
  return ctx.backend.store.order({ order_id });
}

/** The user's newest order of a symbol with this client order id. */
export async function orderByCid(
  ctx: Ctx,
  user_id: number,
  s: SymbolSpec,
  cid: string,
): Promise<OrderRow | null> {
  const row = await ctx.backend.store.order({ user_id, cid });
  if (row !== null && row.symbol_id === s.id) return row;
  // The newest order with this cid is of another symbol: look among this symbol's.
  const q = { user_id, symbol_id: s.id, limit: MAX_QUERY_LIMIT };
  return (await ctx.backend.store.orderHistory(q)).find((r) => r.cid === cid) ?? null;
}

/** The user's open orders (of a symbol, or all), oldest first; `full` when the database may hold more. */
export async function openOrdersOf(
  ctx: Ctx,
  user_id: number,
  s: SymbolSpec | undefined,
): Promise<{ rows: OrderRow[]; full: boolean }> {
  const q = { user_id, limit: MAX_QUERY_LIMIT, ...(s === undefined ? {} : { symbol_id: s.id }) };
  const stored = await ctx.backend.store.activeOrders(q);
  const rows = [...stored].sort((a, b) => a.order_id - b.order_id);
  return { rows, full: stored.length >= MAX_QUERY_LIMIT };
}

/** The user's orders of a symbol, oldest first: the newest window of the database. */
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
  const rows = [...stored].sort((a, b) => a.order_id - b.order_id);
  return { rows, full: stored.length >= MAX_QUERY_LIMIT };
}
