// The read side's SQL, one text for both databases ($n placeholders, each
// used once and in order; SQLite gets them rewritten to ?). Every query is
// served by an index whose prefix is its equality terms and whose next
// column carries its range and its ORDER BY, so LIMIT stops early. Pages
// rely on the settled clock (clock.ts): within one user and symbol (or one
// symbol), time order is id order, so "from this id" is "from this id's time
// onward, ids at or above it", which an index on (..., ts, id) seeks to.

import { BalanceKind, KLINE_INTERVALS, type KlineInterval } from "../core/mod.ts";
import { OPEN_PREDICATE } from "./migrations.ts";
import type { Page } from "./types.ts";
import type { SqlValue } from "./writes.ts";

export interface Query {
  text: string;
  params: SqlValue[];
  /** Integer columns may exceed 2^53 (candle sums): SQLite must hand them over as bigints. */
  big?: true;
}

export const MAX_QUERY_LIMIT = 1000;

export function checkLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_QUERY_LIMIT) {
    throw new RangeError(`limit must be an integer from 1 to ${MAX_QUERY_LIMIT}, got ${limit}`);
  }
  return limit;
}

function checkTime(name: string, v: number | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  if (!Number.isSafeInteger(v) || v < 0) {
    throw new RangeError(`${name} must be a non-negative integer (ms), got ${v}`);
  }
  return v;
}

/** A page's checked bounds; `asc` when it pages forward from a cursor or a start time. */
export interface Bounds {
  asc: boolean;
  from_id: number | null;
  start: number;
  end: number;
  limit: number;
}

export function boundsOf(p: Page): Bounds {
  if (p.from_id !== undefined && (!Number.isSafeInteger(p.from_id) || p.from_id < 0)) {
    throw new RangeError(`from_id must be a non-negative integer, got ${p.from_id}`);
  }
  const start = checkTime("start_time", p.start_time, 0);
  const end = checkTime("end_time", p.end_time, Number.MAX_SAFE_INTEGER);
  return {
    asc: p.from_id !== undefined || p.start_time !== undefined,
    from_id: p.from_id ?? null,
    start,
    end,
    limit: checkLimit(p.limit),
  };
}

export const ORDER_COLUMNS = `order_id, user_id, symbol_id, side, order_type, tif, post_only,
  stp, price_ticks, qty_lots, quote_units, cid, status, filled_lots, remaining_lots,
  filled_quote_units, reason, created_ts_ms, updated_ts_ms, output_seq, stop_price_ticks,
  oco_order_id`;

export const TRADE_COLUMNS = `symbol_id, trade_id, price_ticks, qty_lots, quote_units,
  taker_side, taker_order_id, maker_order_id, taker_user_id, maker_user_id, buyer_fee_units,
  seller_fee_units, ts_ms, output_seq`;

/**
 * The distinct values of `column` among a user's rows, each found by one
 * index probe (a loose index scan written as a recursive CTE, which both
 * databases run on the (user, column, ...) index).
 */
export function distinctQuery(
  table: "orders" | "trades" | "balance_ledger",
  userColumn: "user_id" | "taker_user_id" | "maker_user_id",
  column: "symbol_id" | "asset_id",
  user_id: number,
): Query {
  return {
    text: `WITH RECURSIVE k(v) AS (
        SELECT (SELECT min(${column}) FROM ${table} WHERE ${userColumn} = $1)
        UNION ALL
        SELECT (SELECT min(${column}) FROM ${table} WHERE ${userColumn} = $2 AND ${column} > k.v)
        FROM k WHERE k.v IS NOT NULL
      ) SELECT v FROM k WHERE v IS NOT NULL`,
    params: [user_id, user_id],
  };
}

export function orderByIdQuery(order_id: number): Query {
  return { text: `SELECT ${ORDER_COLUMNS} FROM orders WHERE order_id = $1`, params: [order_id] };
}

/** The newest order of the user with that client id (ids are unique among open orders only). */
export function orderByCidQuery(user_id: number, cid: string): Query {
  return {
    text: `SELECT ${ORDER_COLUMNS} FROM orders WHERE user_id = $1 AND cid = $2 AND cid <> ''
      ORDER BY order_id DESC LIMIT 1`,
    params: [user_id, cid],
  };
}

/** Open orders are few per user (a configured limit); with no symbol they are sorted after. */
export function activeOrdersQuery(user_id: number, symbol_id: number | null, limit: number): Query {
  const params: SqlValue[] = [user_id];
  let where = "user_id = $1";
  if (symbol_id !== null) {
    params.push(symbol_id);
    where += " AND symbol_id = $2";
  }
  params.push(checkLimit(limit));
  return {
    text: `SELECT ${ORDER_COLUMNS} FROM orders WHERE ${where} AND ${OPEN_PREDICATE}
      ORDER BY order_id DESC LIMIT $${params.length}`,
    params,
  };
}

/** The settled time of the first order at or after an id: where a cursor page starts. */
export function orderCursorQuery(from_id: number): Query {
  return {
    text: "SELECT created_ts_ms AS ts FROM orders WHERE order_id >= $1 ORDER BY order_id LIMIT 1",
    params: [from_id],
  };
}

export function tradeCursorQuery(symbol_id: number, from_id: number): Query {
  return {
    text: `SELECT ts_ms AS ts FROM trades WHERE symbol_id = $1 AND trade_id >= $2
      ORDER BY trade_id LIMIT 1`,
    params: [symbol_id, from_id],
  };
}

/** A page over an index (prefix..., ts, id) with the prefix fixed by equality terms. */
function paged(
  select: string,
  prefix: readonly [string, SqlValue][],
  ts: string,
  id: string,
  b: Bounds,
  from_ts: number,
): Query {
  const params: SqlValue[] = [];
  const terms = prefix.map(([col, v]) => {
    params.push(v);
    return `${col} = $${params.length}`;
  });
  const bind = (v: SqlValue) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (b.asc) {
    terms.push(`${ts} >= ${bind(Math.max(b.start, from_ts))}`);
    if (b.from_id !== null) terms.push(`${id} >= ${bind(b.from_id)}`);
    terms.push(`${ts} <= ${bind(b.end)}`);
  } else {
    terms.push(`${ts} >= ${bind(b.start)}`, `${ts} <= ${bind(b.end)}`);
  }
  const dir = b.asc ? "" : " DESC";
  return {
    text: `${select} WHERE ${terms.join(" AND ")}
      ORDER BY ${ts}${dir}, ${id}${dir} LIMIT ${bind(b.limit)}`,
    params,
  };
}

export function orderPageQuery(
  user_id: number,
  symbol_id: number,
  b: Bounds,
  from_ts: number,
): Query {
  return paged(
    `SELECT ${ORDER_COLUMNS} FROM orders`,
    [
      ["user_id", user_id],
      ["symbol_id", symbol_id],
    ],
    "created_ts_ms",
    "order_id",
    b,
    from_ts,
  );
}

/** One user's trades on one side (taker or maker) of one symbol. */
export function userTradePageQuery(
  side: "taker" | "maker",
  user_id: number,
  symbol_id: number,
  b: Bounds,
  from_ts: number,
): Query {
  return paged(
    `SELECT ${TRADE_COLUMNS} FROM trades`,
    [
      [`${side}_user_id`, user_id],
      ["symbol_id", symbol_id],
    ],
    "ts_ms",
    "trade_id",
    b,
    from_ts,
  );
}

export function marketTradePageQuery(symbol_id: number, b: Bounds, from_ts: number): Query {
  return paged(
    `SELECT ${TRADE_COLUMNS} FROM trades`,
    [["symbol_id", symbol_id]],
    "ts_ms",
    "trade_id",
    b,
    from_ts,
  );
}

/** An order's trades on its owner's side, within its lifetime (its user index range). */
export function orderTradesQuery(
  side: "taker" | "maker",
  order: { order_id: number; user_id: number; symbol_id: number; from_ts: number; to_ts: number },
  from_id: number,
  limit: number,
): Query {
  return {
    text: `SELECT ${TRADE_COLUMNS} FROM trades WHERE ${side}_user_id = $1 AND symbol_id = $2
      AND ts_ms >= $3 AND ts_ms <= $4 AND ${side}_order_id = $5 AND trade_id >= $6
      ORDER BY ts_ms, trade_id LIMIT $7`,
    params: [
      order.user_id,
      order.symbol_id,
      order.from_ts,
      order.to_ts,
      order.order_id,
      from_id,
      checkLimit(limit),
    ],
  };
}

export const KLINE_COLUMNS = `symbol_id, interval_s, open_time_ms, open_ticks, high_ticks,
  low_ticks, close_ticks, volume_lots, quote_units, taker_buy_volume_lots,
  taker_buy_quote_units, trade_count, first_trade_id, last_trade_id`;

export function klinesQuery(
  symbol_id: number,
  interval: KlineInterval,
  start: number,
  end: number,
  asc: boolean,
  limit: number,
): Query {
  const dir = asc ? "" : " DESC";
  return {
    text: `SELECT ${KLINE_COLUMNS} FROM klines WHERE symbol_id = $1 AND interval_s = $2
      AND open_time_ms >= $3 AND open_time_ms <= $4 ORDER BY open_time_ms${dir} LIMIT $5`,
    params: [symbol_id, KLINE_INTERVALS[interval] / 1000, start, end, limit],
    big: true,
  };
}

/**
 * One account, newest first. A deposit's or withdrawal's event id lives on
 * its transfers row (it names the gateway's time), found by request_id.
 */
export function ledgerQuery(q: { user_id: number; asset_id: number; limit: number }): Query {
  return {
    text: `SELECT l.user_id, l.asset_id, l.seq, l.kind, l.delta_avail, l.delta_frozen,
        l.avail, l.frozen, l.ref_id, l.ref, l.ts_ms, l.output_seq,
        t.event_id AS transfer_event_id
      FROM balance_ledger l
      LEFT JOIN transfers t ON l.kind IN (${BalanceKind.Deposit}, ${BalanceKind.Withdraw})
        AND t.request_id = l.ref
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

export function positionQuery(stream: string): Query {
  return {
    text: "SELECT stream, seq, hash, clock_ms, source_seq FROM consumer_positions WHERE stream = $1",
    params: [stream],
  };
}
