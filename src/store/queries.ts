// The read side, one SQL text for both databases ($n placeholders; SQLite
// gets them rewritten to ?). Every query is served by an index whose prefix
// is its WHERE clause and whose tail is its ORDER BY, so LIMIT stops early.

import type { UserQuery } from "./types.ts";
import type { SqlValue } from "./writes.ts";

export interface Query {
  text: string;
  params: SqlValue[];
}

export const MAX_QUERY_LIMIT = 1000;

function limitOf(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_QUERY_LIMIT) {
    throw new RangeError(`limit must be an integer from 1 to ${MAX_QUERY_LIMIT}, got ${limit}`);
  }
  return limit;
}

/** WHERE user_id [AND symbol_id] with their params, then LIMIT as the last param. */
function byUser(alias: string, q: UserQuery): { where: string; params: SqlValue[]; limit: string } {
  const params: SqlValue[] = [q.user_id];
  let where = `${alias}user_id = $1`;
  if (q.symbol_id !== undefined) {
    params.push(q.symbol_id);
    where += ` AND ${alias}symbol_id = $2`;
  }
  params.push(limitOf(q.limit));
  return { where, params, limit: `LIMIT $${params.length}` };
}

const ORDER_COLUMNS = `order_id, user_id, symbol_id, side, order_type, tif, post_only, stp,
  price_ticks, qty_lots, quote_units, cid, status, filled_lots, remaining_lots,
  filled_quote_units, reason, created_ts_ms, updated_ts_ms`;

const qualified = (alias: string, columns: string): string =>
  columns
    .split(",")
    .map((c) => `${alias}.${c.trim()}`)
    .join(", ");

export function activeOrdersQuery(q: UserQuery): Query {
  const u = byUser("a.", q);
  return {
    text: `SELECT ${qualified("o", ORDER_COLUMNS)}
      FROM active_orders a JOIN orders o ON o.order_id = a.order_id
      WHERE ${u.where} ORDER BY a.created_ts_ms DESC, a.order_id DESC ${u.limit}`,
    params: u.params,
  };
}

export function orderHistoryQuery(q: UserQuery): Query {
  const u = byUser("", q);
  return {
    text: `SELECT ${ORDER_COLUMNS} FROM orders
      WHERE ${u.where} ORDER BY created_ts_ms DESC, order_id DESC ${u.limit}`,
    params: u.params,
  };
}

export function orderEventsQuery(order_id: number): Query {
  return {
    text: `SELECT symbol_id, output_seq, idx, order_id, user_id, status, filled_lots,
      remaining_lots, filled_quote_units, reason, trade_id, ts_ms, event_id
      FROM order_history WHERE order_id = $1 ORDER BY output_seq, idx`,
    params: [order_id],
  };
}

export function userTradesQuery(q: UserQuery): Query {
  const u = byUser("", q);
  return {
    text: `SELECT trade_id, symbol_id, user_id, order_id, counterparty_user_id,
      counterparty_order_id, side, is_maker, price_ticks, qty_lots, quote_units, fee_units,
      fee_asset_id, ts_ms, output_seq
      FROM trades WHERE ${u.where} ORDER BY ts_ms DESC, trade_id DESC, side DESC ${u.limit}`,
    params: u.params,
  };
}

/** The taker's row stands for the trade: one row per trade, with the side that took. */
export function marketTradesQuery(q: { symbol_id: number; limit: number }): Query {
  return {
    text: `SELECT trade_id, symbol_id, price_ticks, qty_lots, quote_units, side AS taker_side,
      ts_ms, output_seq
      FROM trades WHERE symbol_id = $1 AND is_maker = 0 ORDER BY trade_id DESC LIMIT $2`,
    params: [q.symbol_id, limitOf(q.limit)],
  };
}

/**
 * The time of a ledger row is its command's, or that of the engine input
 * whose output UBSCore applied; both live in the output logs, not repeated
 * on every ledger row.
 */
export function ledgerQuery(q: { user_id: number; asset_id?: number; limit: number }): Query {
  const select = `SELECT l.user_id, l.asset_id, l.seq, l.kind, l.delta_avail, l.delta_frozen,
      l.avail, l.frozen, l.ref_id, l.ref, l.event_id, l.output_seq,
      COALESCE(b.ts_ms, e.ts_ms) AS ts_ms
    FROM balance_ledger l
    LEFT JOIN balance_output_log b ON b.output_seq = l.output_seq
    LEFT JOIN engine_output_log e
      ON e.symbol_id = b.engine_symbol_id AND e.output_seq = b.engine_output_seq`;
  if (q.asset_id === undefined) {
    return {
      text: `${select} WHERE l.user_id = $1
        ORDER BY l.output_seq DESC, l.asset_id, l.seq DESC LIMIT $2`,
      params: [q.user_id, limitOf(q.limit)],
    };
  }
  return {
    text: `${select} WHERE l.user_id = $1 AND l.asset_id = $2 ORDER BY l.seq DESC LIMIT $3`,
    params: [q.user_id, q.asset_id, limitOf(q.limit)],
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
