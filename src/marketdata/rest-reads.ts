// REST reads of candles and the 24 h ticker. The settlement database keeps
// klines (exact integers, 1m..1d) and the 24 h ticker where its store offers
// them (`klines`, `ticker24h`); a store without them is read through its
// trades, folded here by the same rules as the live streams. One function
// each, so either source serves the same answer.

import { KLINE_INTERVALS, type KlineInterval } from "../core/mod.ts";
import type { SettlementReads } from "../store/mod.ts";
import {
  type Candle,
  foldCandles,
  settledTime,
  type Ticker24h,
  tickerOf,
  tickerWindow,
} from "./candles.ts";

export interface KlineQuery {
  symbol_id: number;
  interval: KlineInterval;
  /** Candles whose open time is in [start_time, end_time]. */
  start_time?: number;
  end_time?: number;
  /** Ascending from start_time when given; otherwise the newest `limit`, still ascending. */
  limit: number;
}

/** A store's kline row (the settlement database's klines table). */
interface KlineRowLike {
  open_time_ms: number;
  open_ticks: number;
  high_ticks: number;
  low_ticks: number;
  close_ticks: number;
  volume_lots: bigint | number;
  quote_units: bigint | number;
  taker_buy_volume_lots: bigint | number;
  taker_buy_quote_units: bigint | number;
  trade_count: number;
  first_trade_id?: number;
  last_trade_id?: number;
}

interface TickerRowLike {
  open_time_ms: number;
  close_time_ms: number;
  open_ticks: number;
  high_ticks: number;
  low_ticks: number;
  last_ticks: number;
  last_qty_lots?: number;
  volume_lots: bigint | number;
  quote_units: bigint | number;
  trade_count: number;
  first_trade_id: number;
  last_trade_id: number;
}

interface StoreWithKlines {
  klines?: (q: KlineQuery) => Promise<KlineRowLike[]>;
  ticker24h?: (q: { symbol_id: number; now_ms: number }) => Promise<TickerRowLike | null>;
}

/** Trades folded when the store has no klines: its newest this many. */
export const TRADES_FOLDED_MAX = 1000;

function candleOfRow(r: KlineRowLike, interval_ms: number): Candle {
  return {
    open_time_ms: r.open_time_ms,
    interval_ms,
    open_ticks: r.open_ticks,
    high_ticks: r.high_ticks,
    low_ticks: r.low_ticks,
    close_ticks: r.close_ticks,
    volume_lots: BigInt(r.volume_lots),
    quote_units: BigInt(r.quote_units),
    taker_buy_volume_lots: BigInt(r.taker_buy_volume_lots),
    taker_buy_quote_units: BigInt(r.taker_buy_quote_units),
    trade_count: r.trade_count,
    first_trade_id: r.first_trade_id ?? 0,
    last_trade_id: r.last_trade_id ?? 0,
  };
}

/** The store's trades of a symbol, oldest first, each at its settled time. */
async function timedTrades(store: SettlementReads, symbol_id: number) {
  const rows = await store.marketTrades({ symbol_id, limit: TRADES_FOLDED_MAX });
  rows.sort((a, b) => a.trade_id - b.trade_id);
  let clock = 0;
  return rows.map((r) => {
    clock = settledTime(clock, r.ts_ms);
    return { t: r, at_ms: clock };
  });
}

export async function readKlines(store: SettlementReads, q: KlineQuery): Promise<Candle[]> {
  const interval_ms = KLINE_INTERVALS[q.interval];
  const s = store as unknown as StoreWithKlines;
  if (typeof s.klines === "function") {
    return (await s.klines(q)).map((r) => candleOfRow(r, interval_ms));
  }
  let candles = foldCandles(await timedTrades(store, q.symbol_id), interval_ms);
  candles = candles.filter(
    (c) =>
      (q.start_time === undefined || c.open_time_ms >= q.start_time) &&
      (q.end_time === undefined || c.open_time_ms <= q.end_time),
  );
  return q.start_time !== undefined ? candles.slice(0, q.limit) : candles.slice(-q.limit);
}

export async function readTicker24h(
  store: SettlementReads,
  symbol_id: number,
  now_ms: number,
): Promise<Ticker24h | null> {
  const s = store as unknown as StoreWithKlines;
  if (typeof s.ticker24h === "function") {
    const r = await s.ticker24h({ symbol_id, now_ms });
    if (r === null) return null;
    return {
      open_time_ms: r.open_time_ms,
      close_time_ms: r.close_time_ms,
      open_ticks: r.open_ticks,
      high_ticks: r.high_ticks,
      low_ticks: r.low_ticks,
      last_ticks: r.last_ticks,
      last_qty_lots: r.last_qty_lots ?? 0,
      volume_lots: BigInt(r.volume_lots),
      quote_units: BigInt(r.quote_units),
      trade_count: r.trade_count,
      first_trade_id: r.first_trade_id,
      last_trade_id: r.last_trade_id,
    };
  }
  const trades = await timedTrades(store, symbol_id);
  const w = tickerWindow(now_ms);
  const inWindow = trades.filter((x) => x.at_ms >= w.open_time_ms && x.at_ms <= w.close_time_ms);
  const last = inWindow[inWindow.length - 1];
  return tickerOf(foldCandles(inWindow, 60_000), now_ms, last?.t.qty_lots ?? 0);
}
