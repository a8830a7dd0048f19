// History for the Binance routes, from the settlement store's reads as they
// are today: a user's orders and trades of one symbol come newest first, at
// most MAX_QUERY_LIMIT at a time, and market trades can be paged back by id.
// A query that would need rows older than the newest window (allOrders from
// an old orderId, myTrades from an old fromId or startTime) answers -1127
// instead of a silently short list; cursor reads (issue 13's from_id,
// start_time, end_time) lift that limit when the store gains them.

import type { MarketTradeRow, SettlementReads } from "../../store/mod.ts";
import { MAX_QUERY_LIMIT } from "../../store/mod.ts";
import { BINANCE_CODES, badRequest } from "./errors.ts";

/** The most trades one request scans to build klines or 24-hour statistics. */
export const SCAN_MAX_TRADES = 100_000;
const DAY_MS = 86_400_000;

export const tooFar = (what: string) =>
  badRequest(BINANCE_CODES.MORE_THAN_XX_HOURS, `Lookup interval is too big. ${what}`);

/**
 * A symbol's trades newest first, while `keep` says so; `boundary` is the
 * first trade it refused (the one just before the range), null when none.
 * Pages go back by time (the store's `end_time` is inclusive), dropping the
 * trades of the boundary millisecond already seen; a millisecond holding a
 * whole page of trades cannot be paged past and answers -1127.
 */
export async function scanTrades(
  store: SettlementReads,
  symbol_id: number,
  keep: (t: MarketTradeRow, kept: number) => boolean,
): Promise<{ rows: MarketTradeRow[]; boundary: MarketTradeRow | null }> {
  const rows: MarketTradeRow[] = [];
  let end_time: number | undefined;
  let below_id = Number.POSITIVE_INFINITY;
  for (;;) {
    const q = {
      symbol_id,
      limit: MAX_QUERY_LIMIT,
      ...(end_time === undefined ? {} : { end_time }),
    };
    const page = await store.marketTrades(q);
    let fresh = 0;
    for (const t of page) {
      if (t.trade_id >= below_id) continue;
      fresh += 1;
      if (!keep(t, rows.length)) return { rows, boundary: t };
      if (rows.length >= SCAN_MAX_TRADES) {
        throw tooFar(
          `More than ${SCAN_MAX_TRADES} trades lie in the range; ask for a shorter one.`,
        );
      }
      rows.push(t);
    }
    if (page.length < MAX_QUERY_LIMIT) return { rows, boundary: null };
    if (fresh === 0) {
      throw tooFar("More trades share one millisecond than a page holds; ask for a shorter range.");
    }
    const oldest = page[page.length - 1] as MarketTradeRow;
    end_time = oldest.ts_ms;
    below_id = oldest.trade_id;
  }
}

export interface Range {
  /** Rows with an id at or above this (orderId, fromId). */
  from_id?: number | undefined;
  start_ms?: number | undefined;
  end_ms?: number | undefined;
  limit: number;
}

/** startTime and endTime at most 24 hours apart, start not after end. */
export function checkSpan(r: Range): void {
  if (r.start_ms === undefined || r.end_ms === undefined) return;
  if (r.start_ms > r.end_ms) {
    throw badRequest(
      BINANCE_CODES.OPTIONAL_PARAMS_BAD_COMBO,
      "Combination of optional parameters invalid. startTime is after endTime.",
    );
  }
  if (r.end_ms - r.start_ms > DAY_MS) {
    throw badRequest(
      BINANCE_CODES.MORE_THAN_XX_HOURS,
      "More than 24 hours between startTime and endTime.",
    );
  }
}

/**
 * Binance's selection over rows sorted oldest first: from an id or a start
 * time, the oldest `limit` from there; otherwise the newest `limit` (up to
 * endTime). `full` says older rows than `rows[0]` may exist unseen.
 */
export function selectRange<T>(
  rows: readonly T[],
  full: boolean,
  id: (t: T) => number,
  time: (t: T) => number,
  r: Range,
  what: string,
): T[] {
  const oldest = rows[0];
  if (full && oldest !== undefined) {
    const before =
      (r.from_id !== undefined && r.from_id < id(oldest)) ||
      (r.start_ms !== undefined && r.start_ms < time(oldest)) ||
      (r.end_ms !== undefined && r.end_ms < time(oldest));
    if (before) {
      throw tooFar(
        `Bourse answers from the newest ${MAX_QUERY_LIMIT} ${what} of a symbol until history can be paged; this request reaches further back.`,
      );
    }
  }
  const picked = rows.filter(
    (t) =>
      (r.from_id === undefined || id(t) >= r.from_id) &&
      (r.start_ms === undefined || time(t) >= r.start_ms) &&
      (r.end_ms === undefined || time(t) <= r.end_ms),
  );
  const fromOldest = r.from_id !== undefined || r.start_ms !== undefined;
  return fromOldest ? picked.slice(0, r.limit) : picked.slice(-r.limit);
}
