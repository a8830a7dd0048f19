// The read side, one SQL text for both databases ($n placeholders; SQLite
// gets them rewritten to ?). Every query is served by an index whose prefix
// is its WHERE clause and whose tail is its ORDER BY, so LIMIT stops early.

import type { MarketTradesQuery, UserQuery } from "./types.ts";
import type { SqlValue } from "./writes.ts";

export interface Query {
  text: string;
  params: SqlValue[];
}

export const MAX_QUERY_LIMIT = 1000;

export function checkLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_QUERY_LIMIT) {
    throw new RangeError(`limit must be an integer from 1 to ${MAX_QUERY_LIMIT}, got ${limit}`);
  }
  return limit;
}

/**
 * The distinct values of `column` among a user's rows, each found by one
 * index probe (a loose index scan written as a recursive CTE, which both
 * databases run on the (user_id, column, ...) index).
 */
export function distinctQuery(
  table: "orders" | "trades" | "balance_ledger",
  column: "symbol_id" | "asset_id",
  user_id: number,
): Query {
  return {
    text: `WITH RECURSIVE k(v) AS (
        SELECT (SELECT min(${column}) FROM ${table} WHERE user_id = $1)
        UNION ALL
        SELECT (SELECT min(${column}) FROM ${table} WHERE user_id = $2 AND ${column} > k.v)
        FROM k WHERE k.v IS NOT NULL
      ) SELECT v FROM k WHERE v IS NOT NULL`,
    params: [user_id, user_id],
  };
}

/** One user and one symbol: the shape every user index serves directly. */
export interface UserSymbolQuery {
  user_id: number;
  symbol_id: number;
  limit: number;
}

const ORDER_COLUMNS = `order_id, user_id, symbol_id, side, order_type, tif, post_only, stp,
  price_ticks, qty_lots, quote_units, cid, status, filled_lots, remaining_lots,
  filled_quote_units, reason, created_ts_ms, updated_ts_ms`;

const qualified = (alias: string, columns: string): string =>
  columns
    .split(",")
    .map((c) => `${alias}.${c.trim()}`)
    .join(", ");

/** Open orders are few per user (a configured limit), so one query serves both shapes. */
export function activeOrdersQuery(q: UserQuery): Query {
  const params: SqlValue[] = [q.user_id];
  let where = "a.user_id = $1";
  if (q.symbol_id !== undefined) {
    params.push(q.symbol_id);
    where += " AND a.symbol_id = $2";
  }
  params.push(checkLimit(q.limit));
  return {
    text: `SELECT ${qualified("o", ORDER_COLUMNS)}
      FROM active_orders a JOIN orders o ON o.order_id = a.order_id
      WHERE ${where} ORDER BY a.created_ts_ms DESC, a.order_id DESC LIMIT $${params.length}`,
    params,
  };
}

export function orderHistoryQuery(q: UserSymbolQuery): Query {
  return {
    text: `SELECT ${ORDER_COLUMNS} FROM orders WHERE user_id = $1 AND symbol_id = $2
      ORDER BY created_ts_ms DESC, order_id DESC LIMIT $3`,
    params: [q.user_id, q.symbol_id, checkLimit(q.limit)],
  };
}

export function orderQuery(order_id: number): Query {
  return { text: `SELECT ${ORDER_COLUMNS} FROM orders WHERE order_id = $1`, params: [order_id] };
}

export function orderEventsQuery(order_id: number): Query {
  return {
    text: `SELECT symbol_id, output_seq, idx, order_id, user_id, status, filled_lots,
      remaining_lots, filled_quote_units, reason, trade_id, ts_ms, event_id
      FROM order_history WHERE order_id = $1 ORDER BY output_seq, idx`,
    params: [order_id],
  };
}

export function userTradesQuery(q: UserSymbolQuery): Query {
  return {
    text: `SELECT trade_id, symbol_id, user_id, order_id, counterparty_user_id,
      counterparty_order_id, side, is_maker, price_ticks, qty_lots, quote_units, fee_units,
      fee_asset_id, ts_ms, output_seq
      FROM trades WHERE user_id = $1 AND symbol_id = $2
      ORDER BY ts_ms DESC, trade_id DESC, side DESC LIMIT $3`,
    params: [q.user_id, q.symbol_id, checkLimit(q.limit)],
  };
}

/**
 * The taker's row stands for the trade: one row per trade, with the side that
 * took. Paging back by trade id stays a range of the primary key.
 */
export function marketTradesQuery(q: MarketTradesQuery): Query {
  const params: SqlValue[] = [q.symbol_id];
  let where = "symbol_id = $1 AND is_maker = 0";
  if (q.before_trade_id !== undefined) {
    params.push(q.before_trade_id);
    where += " AND trade_id < $2";
  }
  params.push(checkLimit(q.limit));
  return {
    text: `SELECT trade_id, symbol_id, price_ticks, qty_lots, quote_units, side AS taker_side,
      ts_ms, output_seq
      FROM trades WHERE ${where} ORDER BY trade_id DESC LIMIT $${params.length}`,
    params,
  };
}

/**
 * One account, newest first. The time of a ledger row is its command's, or
 * that of the engine input whose output UBSCore applied; both live in the
 * output logs rather than on every ledger row.
 */
export function ledgerQuery(q: { user_id: number; asset_id: number; limit: number }): Query {
  return {
    text: `SELECT l.user_id, l.asset_id, l.seq, l.kind, l.delta_avail, l.delta_frozen,
        l.avail, l.frozen, l.ref_id, l.ref, l.event_id, l.output_seq,
        COALESCE(b.ts_ms, e.ts_ms) AS ts_ms
      FROM balance_ledger l
      LEFT JOIN balance_output_log b ON b.output_seq = l.output_seq
      LEFT JOIN engine_output_log e
        ON e.symbol_id = b.engine_symbol_id AND e.output_seq = b.engine_output_seq
      WHERE l.user_id = $1 AND l.asset_id = $2 ORDER BY l.seq DESC LIMIT $3`,
    params: [q.user_id, q.asset_id, checkLimit(q.limit)],
  };
}

export function transferQuery(request_id: string): Query {
  return {
    text: `SELECT request_id, kind, user_id, asset_id, amount_units, reject, event_id, ts_ms,
      output_seq FROM transfers WHERE request_id = $1`,
    params: [request_id],
  };
}

export const POSITIONS_SQL = "SELECT stream, seq, hash FROM consumer_positions";
