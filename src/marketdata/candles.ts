// Klines (candles) and the rolling 24 h ticker, folded from trades in stream
// order. Deterministic: a trade's time is the settled clock of its output
// (the command's time, never earlier than any output before it: the same
// rule the settlement database uses for its rows and its klines table), so a
// replay of the same outputs gives the same candles, whatever the batching.

import { candleOpen, InvariantError, Side } from "../core/mod.ts";

/** The time of an output whose command carries ts_ms, after the clock stood at clock_ms. */
export function settledTime(clock_ms: number, ts_ms: number): number {
  return Math.max(ts_ms, clock_ms);
}

/** What a candle or the ticker needs of a trade. */
export interface TradeFact {
  trade_id: number;
  price_ticks: number;
  qty_lots: number;
  quote_units: number;
  taker_side: number;
}

export interface Candle {
  open_time_ms: number;
  interval_ms: number;
  open_ticks: number;
  high_ticks: number;
  low_ticks: number;
  close_ticks: number;
  volume_lots: bigint;
  quote_units: bigint;
  taker_buy_volume_lots: bigint;
  taker_buy_quote_units: bigint;
  trade_count: number;
  first_trade_id: number;
  last_trade_id: number;
}

export function newCandle(t: TradeFact, open_time_ms: number, interval_ms: number): Candle {
  return {
    open_time_ms,
    interval_ms,
    open_ticks: t.price_ticks,
    high_ticks: t.price_ticks,
    low_ticks: t.price_ticks,
    close_ticks: t.price_ticks,
    volume_lots: 0n,
    quote_units: 0n,
    taker_buy_volume_lots: 0n,
    taker_buy_quote_units: 0n,
    trade_count: 0,
    first_trade_id: t.trade_id,
    last_trade_id: t.trade_id,
  };
}

export function addTrade(c: Candle, t: TradeFact): void {
  if (t.price_ticks > c.high_ticks) c.high_ticks = t.price_ticks;
  if (t.price_ticks < c.low_ticks) c.low_ticks = t.price_ticks;
  c.close_ticks = t.price_ticks;
  const lots = BigInt(t.qty_lots);
  const quote = BigInt(t.quote_units);
  c.volume_lots += lots;
  c.quote_units += quote;
  if (t.taker_side === Side.Buy) {
    c.taker_buy_volume_lots += lots;
    c.taker_buy_quote_units += quote;
  }
  c.trade_count++;
  c.last_trade_id = t.trade_id;
}

/** Fold trades (in stream order, each with its settled time) into candles of one interval, oldest first. */
export function foldCandles(
  trades: readonly { t: TradeFact; at_ms: number }[],
  interval_ms: number,
): Candle[] {
  const out: Candle[] = [];
  let c: Candle | null = null;
  for (const { t, at_ms } of trades) {
    const open = candleOpen(at_ms, interval_ms);
    if (c === null || c.open_time_ms !== open) {
      if (c !== null && open < c.open_time_ms) {
        throw new InvariantError(`candles: trade ${t.trade_id} is older than its candle`);
      }
      c = newCandle(t, open, interval_ms);
      out.push(c);
    }
    addTrade(c, t);
  }
  return out;
}

/** The rolling 24 h window at a time: the 1440 whole minutes up to and including now's minute. */
export function tickerWindow(now_ms: number): { open_time_ms: number; close_time_ms: number } {
  const close = candleOpen(now_ms, 60_000) + 60_000 - 1;
  return { open_time_ms: close + 1 - 86_400_000, close_time_ms: close };
}

export interface Ticker24h {
  open_time_ms: number;
  close_time_ms: number;
  open_ticks: number;
  high_ticks: number;
  low_ticks: number;
  last_ticks: number;
  last_qty_lots: number;
  volume_lots: bigint;
  quote_units: bigint;
  trade_count: number;
  first_trade_id: number;
  last_trade_id: number;
}

/** The 24 h ticker from one-minute candles (oldest first); null when no trade fell in the window. */
export function tickerOf(
  minutes: readonly Candle[],
  now_ms: number,
  last_qty_lots: number,
): Ticker24h | null {
  const w = tickerWindow(now_ms);
  let t: Ticker24h | null = null;
  for (const c of minutes) {
    if (c.open_time_ms < w.open_time_ms || c.open_time_ms > w.close_time_ms) continue;
    if (t === null) {
      t = {
        ...w,
        open_ticks: c.open_ticks,
        high_ticks: c.high_ticks,
        low_ticks: c.low_ticks,
        last_ticks: c.close_ticks,
        last_qty_lots,
        volume_lots: 0n,
        quote_units: 0n,
        trade_count: 0,
        first_trade_id: c.first_trade_id,
        last_trade_id: c.last_trade_id,
      };
    }
    if (c.high_ticks > t.high_ticks) t.high_ticks = c.high_ticks;
    if (c.low_ticks < t.low_ticks) t.low_ticks = c.low_ticks;
    t.last_ticks = c.close_ticks;
    t.volume_lots += c.volume_lots;
    t.quote_units += c.quote_units;
    t.trade_count += c.trade_count;
    t.last_trade_id = c.last_trade_id;
  }
  return t;
}
