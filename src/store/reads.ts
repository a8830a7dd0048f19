// The queries of both stores, over any way of running a Query. A read over
// all of a user's symbols (or assets) asks each symbol the user has for its
// page and merges them; a user's trades are the merge of their taker-side
// and maker-side index ranges. Each of those is one range of one index, so
// writes keep one random-key index per user column.

import { KLINE_INTERVALS } from "../core/mod.ts";
import {
  type DbRow,
  num,
  toKline,
  toLedger,
  toMarketTrade,
  toOrder,
  toPosition,
  toTransfer,
  toUserTrade,
} from "./mappers.ts";
import {
  activeOrdersQuery,
  type Bounds,
  boundsOf,
  checkLimit,
  distinctQuery,
  klinesQuery,
  ledgerQuery,
  marketTradePageQuery,
  orderByCidQuery,
  orderByIdQuery,
  orderCursorQuery,
  orderPageQuery,
  orderTradesQuery,
  positionQuery,
  type Query,
  tradeCursorQuery,
  transferQuery,
  userTradePageQuery,
} from "./queries.ts";
import {
  CORE_STREAM,
  type KlineRow,
  type LedgerRow,
  type SettlementReads,
  type SymbolAssets,
  type TickerRow,
  type TradeRow,
} from "./types.ts";

export type Fetch = (q: Query) => Promise<DbRow[]>;

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
const DAY_MINUTES = 1_440;

/** (ts, id, then the taker's row before the maker's) ascending; the caller reverses for newest first. */
function byTimeThenId<T extends { id: number; ts: number; rank: number }>(a: T, b: T): number {
  return a.ts - b.ts || a.id - b.id || a.rank - b.rank;
}

export interface Keyed<T> {
  id: number;
  ts: number;
  rank: number;
  row: T;
}

/** The page of `b` taken from several already ordered lists (the CQL reads use it too). */
export function merged<T>(lists: Keyed<T>[][], b: Bounds): T[] {
  const all = lists.flat().sort(byTimeThenId);
  if (!b.asc) all.reverse();
  return all.slice(0, b.limit).map((k) => k.row);
}

export function createReads(
  fetch: Fetch,
  symbols: ReadonlyMap<number, SymbolAssets>,
): SettlementReads {
  const one = async (q: Query): Promise<DbRow | undefined> => (await fetch(q))[0];
  const assetsOf = (symbol_id: number): SymbolAssets => {
    const s = symbols.get(symbol_id);
    if (s === undefined) throw new Error(`the store does not know symbol ${symbol_id}`);
    return s;
  };
  const distinct = async (q: Query): Promise<number[]> => (await fetch(q)).map((r) => num(r.v));

  /** Where a forward page starts in time: the settled time of the first row at or after from_id. */
  const cursorTs = async (b: Bounds, q: (id: number) => Query): Promise<number | null> => {
    if (!b.asc || b.from_id === null) return 0;
    const r = await one(q(b.from_id));
    return r === undefined ? null : num(r.ts);
  };

  async function orderPage(user_id: number, symbol_id: number, b: Bounds, from_ts: number) {
    const rows = await fetch(orderPageQuery(user_id, symbol_id, b, from_ts));
    return rows.map((r) => {
      const o = toOrder(r);
      return { id: o.order_id, ts: o.created_ts_ms, rank: 0, row: o };
    });
  }

  async function tradePage(
    user_id: number,
    symbol_id: number,
    b: Bounds,
  ): Promise<Keyed<TradeRow>[]> {
    const from_ts = await cursorTs(b, (id) => tradeCursorQuery(symbol_id, id));
    if (from_ts === null) return [];
    const assets = assetsOf(symbol_id);
    const out: Keyed<TradeRow>[] = [];
    for (const side of ["taker", "maker"] as const) {
      for (const r of await fetch(userTradePageQuery(side, user_id, symbol_id, b, from_ts))) {
        const t = toUserTrade(r, side === "taker", assets);
        out.push({ id: t.trade_id, ts: t.ts_ms, rank: side === "taker" ? 0 : 1, row: t });
      }
    }
    return out;
  }

  async function tradeSymbols(user_id: number): Promise<number[]> {
    const taker = await distinct(distinctQuery("trades", "taker_user_id", "symbol_id", user_id));
    const maker = await distinct(distinctQuery("trades", "maker_user_id", "symbol_id", user_id));
    return [...new Set([...taker, ...maker])].sort((a, b) => a - b);
  }

  async function candles(symbol_id: number, interval: "1m" | "1h", from: number, to: number) {
    if (from >= to) return [];
    const n = Math.ceil((to - from) / KLINE_INTERVALS[interval]);
    return (await fetch(klinesQuery(symbol_id, interval, from, to - 1, true, n))).map(toKline);
  }

  return {
    async order(q) {
      if ("order_id" in q) {
        const r = await one(orderByIdQuery(q.order_id));
        return r === undefined ? null : toOrder(r);
      }
      if (q.cid === "") return null;
      const r = await one(orderByCidQuery(q.user_id, q.cid));
      return r === undefined ? null : toOrder(r);
    },

    async activeOrders(q) {
      const rows = await fetch(activeOrdersQuery(q.user_id, q.symbol_id ?? null, q.limit));
      return rows.map(toOrder);
    },

    async orderHistory(q) {
      const b = boundsOf(q);
      const from_ts = await cursorTs(b, orderCursorQuery);
      if (from_ts === null) return [];
      if (q.symbol_id !== undefined) {
        return merged([await orderPage(q.user_id, q.symbol_id, b, from_ts)], b);
      }
      const lists = [];
      for (const s of await distinct(distinctQuery("orders", "user_id", "symbol_id", q.user_id))) {
        lists.push(await orderPage(q.user_id, s, b, from_ts));
      }
      return merged(lists, b);
    },

    async orderTrades(q) {
      const limit = checkLimit(q.limit);
      const order = await one(orderByIdQuery(q.order_id));
      if (order === undefined) return [];
      const o = toOrder(order);
      const assets = assetsOf(o.symbol_id);
      const span = {
        order_id: o.order_id,
        user_id: o.user_id,
        symbol_id: o.symbol_id,
        from_ts: o.created_ts_ms,
        to_ts: o.updated_ts_ms,
      };
      const out: Keyed<TradeRow>[] = [];
      for (const side of ["taker", "maker"] as const) {
        for (const r of await fetch(orderTradesQuery(side, span, q.from_id ?? 0, limit))) {
          const t = toUserTrade(r, side === "taker", assets);
          out.push({ id: t.trade_id, ts: t.ts_ms, rank: 0, row: t });
        }
      }
      return merged([out], { asc: true, from_id: null, start: 0, end: 0, limit });
    },

    async userTrades(q) {
      const b = boundsOf(q);
      const symbols = q.symbol_id !== undefined ? [q.symbol_id] : await tradeSymbols(q.user_id);
      const lists = [];
      for (const s of symbols) lists.push(await tradePage(q.user_id, s, b));
      return merged(lists, b);
    },

    async marketTrades(q) {
      const b = boundsOf(q);
      const from_ts = await cursorTs(b, (id) => tradeCursorQuery(q.symbol_id, id));
      if (from_ts === null) return [];
      return (await fetch(marketTradePageQuery(q.symbol_id, b, from_ts))).map(toMarketTrade);
    },

    async klines(q) {
      const limit = checkLimit(q.limit);
      const b = boundsOf({ limit, ...pick(q) });
      const asc = q.start_time !== undefined;
      const rows = (
        await fetch(klinesQuery(q.symbol_id, q.interval, b.start, b.end, asc, limit))
      ).map(toKline);
      return asc ? rows : rows.reverse();
    },

    ticker24h: (q) => tickerFromCandles(q, candles),

    async ledger(q) {
      const limit = checkLimit(q.limit);
      const { user_id, asset_id } = q;
      if (asset_id !== undefined) {
        return (await fetch(ledgerQuery({ user_id, asset_id, limit }))).map(toLedger);
      }
      // Within one account seq grows with output_seq, so each account's
      // newest rows by seq are also its newest by output.
      const out: LedgerRow[] = [];
      for (const a of await distinct(
        distinctQuery("balance_ledger", "user_id", "asset_id", user_id),
      )) {
        for (const r of await fetch(ledgerQuery({ user_id, asset_id: a, limit }))) {
          out.push(toLedger(r));
        }
      }
      return out
        .sort((x, y) => y.output_seq - x.output_seq || x.asset_id - y.asset_id || y.seq - x.seq)
        .slice(0, limit);
    },

    async transfer(request_id) {
      const r = await one(transferQuery(request_id));
      return r === undefined ? null : toTransfer(r);
    },

    async position() {
      const r = await one(positionQuery(CORE_STREAM));
      return r === undefined ? null : toPosition(r);
    },
  };
}

function pick(q: { start_time?: number; end_time?: number }): {
  start_time?: number;
  end_time?: number;
} {
  const out: { start_time?: number; end_time?: number } = {};
  if (q.start_time !== undefined) out.start_time = q.start_time;
  if (q.end_time !== undefined) out.end_time = q.end_time;
  return out;
}

/** The window's candles, oldest first, folded into one ticker. */
/**
 * The 24 h before now_ms (minute-aligned) from the klines table: minute
 * candles at the window's ragged ends, hour candles between them.
 */
export async function tickerFromCandles(
  q: { symbol_id: number; now_ms: number },
  candles: (
    symbol_id: number,
    interval: "1m" | "1h",
    from: number,
    to: number,
  ) => Promise<KlineRow[]>,
): Promise<TickerRow | null> {
  if (!Number.isSafeInteger(q.now_ms) || q.now_ms < 0) {
    throw new RangeError(`now_ms must be a non-negative integer, got ${q.now_ms}`);
  }
  const end = q.now_ms - (q.now_ms % MINUTE_MS) + MINUTE_MS;
  const start = end - DAY_MINUTES * MINUTE_MS;
  const hourFrom = Math.ceil(start / HOUR_MS) * HOUR_MS;
  const hourTo = Math.floor(end / HOUR_MS) * HOUR_MS;
  if (hourFrom >= hourTo)
    return tickerOf(q.symbol_id, start, end - 1, await candles(q.symbol_id, "1m", start, end));
  const list = [
    ...(await candles(q.symbol_id, "1m", start, hourFrom)),
    ...(await candles(q.symbol_id, "1h", hourFrom, hourTo)),
    ...(await candles(q.symbol_id, "1m", hourTo, end)),
  ];
  return tickerOf(q.symbol_id, start, end - 1, list);
}

export function tickerOf(
  symbol_id: number,
  open_time_ms: number,
  close_time_ms: number,
  list: readonly KlineRow[],
): TickerRow | null {
  const first = list[0];
  const last = list[list.length - 1];
  if (first === undefined || last === undefined) return null;
  const t: TickerRow = {
    symbol_id,
    open_time_ms,
    close_time_ms,
    open_ticks: first.open_ticks,
    high_ticks: first.high_ticks,
    low_ticks: first.low_ticks,
    last_ticks: last.close_ticks,
    volume_lots: 0n,
    quote_units: 0n,
    trade_count: 0,
    first_trade_id: first.first_trade_id,
    last_trade_id: last.last_trade_id,
  };
  for (const k of list) {
    if (k.high_ticks > t.high_ticks) t.high_ticks = k.high_ticks;
    if (k.low_ticks < t.low_ticks) t.low_ticks = k.low_ticks;
    t.volume_lots += k.volume_lots;
    t.quote_units += k.quote_units;
    t.trade_count += k.trade_count;
  }
  return t;
}
