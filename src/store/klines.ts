// Candles built from the trades, in the same transaction as the trades: the
// intervals (one registry), the candle a trade falls in, and the in-memory
// fold of a batch's trades into one row per touched candle, which the store
// then upserts (adding volumes and counts, widening high and low, moving the
// close). Replaying the same outputs, in batches of any size, gives the same
// candles: every field is an associative fold in stream order.

import {
  candleOpen,
  InvariantError,
  KLINE_INTERVAL_NAMES,
  KLINE_INTERVALS,
  type KlineInterval,
  Side,
  type Trade,
} from "../core/mod.ts";

const BY_SECONDS = new Map<number, KlineInterval>(
  KLINE_INTERVAL_NAMES.map((name) => [KLINE_INTERVALS[name] / 1000, name]),
);

/** The stored form of an interval: its length in seconds. */
export function intervalSeconds(interval: KlineInterval): number {
  return KLINE_INTERVALS[interval] / 1000;
}

export function intervalOfSeconds(seconds: number): KlineInterval {
  const name = BY_SECONDS.get(seconds);
  if (name === undefined) throw new RangeError(`no kline interval of ${seconds} s`);
  return name;
}

/** A sum that stays a number while exact and becomes a bigint past 2^53. */
export function addExact(a: number | bigint, b: number): number | bigint {
  if (typeof a === "number") {
    const s = a + b;
    if (Number.isSafeInteger(s)) return s;
    return BigInt(a) + BigInt(b);
  }
  return a + BigInt(b);
}

/** One candle of the batch, as folded; written by KLINE_UPSERT (rows.ts). */
export interface Candle {
  symbol_id: number;
  interval_s: number;
  open_time_ms: number;
  open_ticks: number;
  high_ticks: number;
  low_ticks: number;
  close_ticks: number;
  volume_lots: number | bigint;
  quote_units: number | bigint;
  taker_buy_volume_lots: number | bigint;
  taker_buy_quote_units: number | bigint;
  trade_count: number;
  first_trade_id: number;
  last_trade_id: number;
}

const INTERVAL_MS: readonly number[] = KLINE_INTERVAL_NAMES.map((n) => KLINE_INTERVALS[n]);
const SLOTS = INTERVAL_MS.length;

/** One batch's candles: each symbol and interval holds the candle its latest trade fell in. */
export class KlineFold {
  private readonly current = new Map<number, Candle>();
  private readonly done: Candle[] = [];

  add(t: Trade, at_ms: number): void {
    const buy = t.taker_side === Side.Buy;
    for (let i = 0; i < SLOTS; i++) {
      const interval_ms = INTERVAL_MS[i] as number;
      const open = candleOpen(at_ms, interval_ms);
      const key = t.symbol_id * SLOTS + i;
      let c = this.current.get(key);
      if (c !== undefined && c.open_time_ms !== open) {
        if (open < c.open_time_ms) {
          throw new InvariantError(`kline fold: trade ${t.trade_id} is older than its candle`);
        }
        this.done.push(c);
        c = undefined;
      }
      if (c === undefined) {
        c = {
          symbol_id: t.symbol_id,
          interval_s: interval_ms / 1000,
          open_time_ms: open,
          open_ticks: t.price_ticks,
          high_ticks: t.price_ticks,
          low_ticks: t.price_ticks,
          close_ticks: t.price_ticks,
          volume_lots: 0,
          quote_units: 0,
          taker_buy_volume_lots: 0,
          taker_buy_quote_units: 0,
          trade_count: 0,
          first_trade_id: t.trade_id,
          last_trade_id: t.trade_id,
        };
        this.current.set(key, c);
      }
      if (t.price_ticks > c.high_ticks) c.high_ticks = t.price_ticks;
      if (t.price_ticks < c.low_ticks) c.low_ticks = t.price_ticks;
      c.close_ticks = t.price_ticks;
      c.volume_lots = addExact(c.volume_lots, t.qty_lots);
      c.quote_units = addExact(c.quote_units, t.quote_units);
      if (buy) {
        c.taker_buy_volume_lots = addExact(c.taker_buy_volume_lots, t.qty_lots);
        c.taker_buy_quote_units = addExact(c.taker_buy_quote_units, t.quote_units);
      }
      c.trade_count++;
      c.last_trade_id = t.trade_id;
    }
  }

  /** Every candle the batch touched, those it left first. */
  candles(): Candle[] {
    return [...this.done, ...this.current.values()];
  }
}
