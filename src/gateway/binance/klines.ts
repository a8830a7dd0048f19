// Candles and 24-hour statistics computed from trades, exactly: sums in
// bigint, prices in ticks, ratios by integer division. Until the market-data
// work keeps klines in the settlement database, the routes feed these from
// the trades the database holds.

import type { SymbolSpec } from "../../core/mod.ts";
import { Side } from "../../core/mod.ts";
import type { MarketTradeRow } from "../../store/mod.ts";
import { BINANCE_CODES, badRequest } from "./errors.ts";
import { priceText } from "./symbols.ts";

const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** Binance's kline intervals; "1M" is a calendar month, the rest fixed lengths. */
export const INTERVAL_MS: Readonly<Record<string, number>> = {
  "1s": SEC,
  "1m": MIN,
  "3m": 3 * MIN,
  "5m": 5 * MIN,
  "15m": 15 * MIN,
  "30m": 30 * MIN,
  "1h": HOUR,
  "2h": 2 * HOUR,
  "4h": 4 * HOUR,
  "6h": 6 * HOUR,
  "8h": 8 * HOUR,
  "12h": 12 * HOUR,
  "1d": DAY,
  "3d": 3 * DAY,
  "1w": 7 * DAY,
  "1M": 0,
};

/** 1970-01-01 was a Thursday; weeks open on Monday, four days later. */
const MONDAY_OFFSET_MS = 4 * DAY;

export function checkInterval(text: string): string {
  if (!Object.hasOwn(INTERVAL_MS, text)) {
    throw badRequest(BINANCE_CODES.BAD_INTERVAL, "Invalid interval.");
  }
  return text;
}

const TZ_RE = /^([+-]?)([0-9]{1,2})(?::([0-9]{2}))?$/;

/** The timeZone parameter ("8", "-1:00", "05:45") in ms; [-12:00, +14:00]. */
export function timeZoneMs(text: string | undefined): number {
  if (text === undefined) return 0;
  const m = TZ_RE.exec(text);
  const minutes = m === null ? Number.NaN : Number(m[2]) * 60 + Number(m[3] ?? "0");
  const signed = m?.[1] === "-" ? -minutes : minutes;
  if (!(signed >= -12 * 60 && signed <= 14 * 60) || Number(m?.[3] ?? "0") >= 60) {
    throw badRequest(
      BINANCE_CODES.INVALID_PARAMETER,
      "Data sent for parameter 'timeZone' is not valid.",
    );
  }
  return signed * MIN;
}

/** The open time of the interval holding ts_ms, intervals aligned in the given time zone. */
export function openTimeOf(ts_ms: number, interval: string, tz_ms: number): number {
  const local = ts_ms + tz_ms;
  if (interval === "1M") {
    const d = new Date(local);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) - tz_ms;
  }
  const len = INTERVAL_MS[interval] as number;
  const base = interval === "1w" ? MONDAY_OFFSET_MS : 0;
  return Math.floor((local - base) / len) * len + base - tz_ms;
}

/** The last millisecond of the interval opening at open_ms. */
export function closeTimeOf(open_ms: number, interval: string, tz_ms: number): number {
  if (interval === "1M") {
    const d = new Date(open_ms + tz_ms);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) - tz_ms - 1;
  }
  return open_ms + (INTERVAL_MS[interval] as number) - 1;
}

export interface Kline {
  open_ms: number;
  close_ms: number;
  open_ticks: number;
  high_ticks: number;
  low_ticks: number;
  close_ticks: number;
  volume_lots: bigint;
  quote_units: bigint;
  count: number;
  taker_buy_lots: bigint;
  taker_buy_quote_units: bigint;
}

/** Candles of the intervals that had trades, oldest first; `trades` oldest first. */
export function buildKlines(
  trades: readonly MarketTradeRow[],
  interval: string,
  tz_ms: number,
): Kline[] {
  const out: Kline[] = [];
  let k: Kline | null = null;
  for (const t of trades) {
    const open_ms = openTimeOf(t.ts_ms, interval, tz_ms);
    if (k === null || k.open_ms !== open_ms) {
      k = {
        open_ms,
        close_ms: closeTimeOf(open_ms, interval, tz_ms),
        open_ticks: t.price_ticks,
        high_ticks: t.price_ticks,
        low_ticks: t.price_ticks,
        close_ticks: t.price_ticks,
        volume_lots: 0n,
        quote_units: 0n,
        count: 0,
        taker_buy_lots: 0n,
        taker_buy_quote_units: 0n,
      };
      out.push(k);
    }
    k.high_ticks = Math.max(k.high_ticks, t.price_ticks);
    k.low_ticks = Math.min(k.low_ticks, t.price_ticks);
    k.close_ticks = t.price_ticks;
    k.volume_lots += BigInt(t.qty_lots);
    k.quote_units += BigInt(t.quote_units);
    k.count += 1;
    if (t.taker_side === Side.Buy) {
      k.taker_buy_lots += BigInt(t.qty_lots);
      k.taker_buy_quote_units += BigInt(t.quote_units);
    }
  }
  return out;
}

export function klineJson(s: SymbolSpec, k: Kline): (number | string)[] {
  return [
    k.open_ms,
    priceText(s, k.open_ticks),
    priceText(s, k.high_ticks),
    priceText(s, k.low_ticks),
    priceText(s, k.close_ticks),
    baseText(s, k.volume_lots),
    k.close_ms,
    bigText(k.quote_units, s.quote.decimals),
    k.count,
    baseText(s, k.taker_buy_lots),
    bigText(k.taker_buy_quote_units, s.quote.decimals),
    "0",
  ];
}

export const TICKER_WINDOW_MS = DAY;

/**
 * GET /api/v3/ticker/24hr for one symbol: `trades` are those of the window,
 * oldest first; `before` is the last trade before it (the previous close).
 */
export function tickerStats(
  s: SymbolSpec,
  trades: readonly MarketTradeRow[],
  before: MarketTradeRow | null,
  open_ms: number,
  close_ms: number,
) {
  const first = trades[0];
  const last = trades[trades.length - 1];
  const prev_ticks = before?.price_ticks ?? 0;
  const k = buildKlines(trades, "1s", 0).reduce(
    (acc, c) => ({
      high: Math.max(acc.high, c.high_ticks),
      low: Math.min(acc.low, c.low_ticks),
      volume: acc.volume + c.volume_lots,
      quote: acc.quote + c.quote_units,
    }),
    { high: 0, low: Number.MAX_SAFE_INTEGER, volume: 0n, quote: 0n },
  );
  const open_ticks = first?.price_ticks ?? prev_ticks;
  const last_ticks = last?.price_ticks ?? prev_ticks;
  const volume_units = k.volume * BigInt(s.lot_units);
  return {
    priceChange: signedPrice(s, BigInt(last_ticks - open_ticks)),
    priceChangePercent: percent(last_ticks, open_ticks),
    weightedAvgPrice:
      volume_units === 0n
        ? priceText(s, 0)
        : bigText((k.quote * 10n ** BigInt(s.base.decimals)) / volume_units, s.quote.decimals),
    prevClosePrice: priceText(s, prev_ticks),
    lastPrice: priceText(s, last_ticks),
    lastQty: last === undefined ? baseText(s, 0n) : baseText(s, BigInt(last.qty_lots)),
    openPrice: priceText(s, open_ticks),
    highPrice: priceText(s, first === undefined ? last_ticks : k.high),
    lowPrice: priceText(s, first === undefined ? last_ticks : k.low),
    volume: baseText(s, k.volume),
    quoteVolume: bigText(k.quote, s.quote.decimals),
    openTime: open_ms,
    closeTime: close_ms,
    firstId: first?.trade_id ?? -1,
    lastId: last?.trade_id ?? -1,
    count: trades.length,
  };
}

function baseText(s: SymbolSpec, lots: bigint): string {
  return bigText(lots * BigInt(s.lot_units), s.base.decimals);
}

function signedPrice(s: SymbolSpec, ticks: bigint): string {
  return bigText(ticks * BigInt(s.tick_units), s.quote.decimals);
}

/** (last - open) / open in percent with three decimals, truncated toward zero. */
function percent(last_ticks: number, open_ticks: number): string {
  if (open_ticks === 0) return "0.000";
  return bigText((BigInt(last_ticks - open_ticks) * 100_000n) / BigInt(open_ticks), 3);
}

/** An integer count of 10^-decimals as a decimal string, with a sign when negative. */
export function bigText(units: bigint, decimals: number): string {
  const neg = units < 0n;
  const digits = (neg ? -units : units).toString().padStart(decimals + 1, "0");
  const whole = digits.slice(0, digits.length - decimals);
  const frac = digits.slice(digits.length - decimals);
  return `${neg ? "-" : ""}${whole}${decimals > 0 ? `.${frac}` : ""}`;
}
