// The candle intervals, once: the gateway's live candles (src/marketdata)
// and the settlement database's klines table (src/store) fold trades into
// the same intervals, named as Binance names them and aligned to the Unix
// epoch (UTC).

/** Interval name -> length in ms. */
export const KLINE_INTERVALS = {
  "1m": 60_000,
  "5m": 300_000,
  "15m": 900_000,
  "1h": 3_600_000,
  "4h": 14_400_000,
  "1d": 86_400_000,
} as const;

export type KlineInterval = keyof typeof KLINE_INTERVALS;

export const KLINE_INTERVAL_NAMES = Object.keys(KLINE_INTERVALS) as KlineInterval[];

export function isKlineInterval(name: string): name is KlineInterval {
  return Object.hasOwn(KLINE_INTERVALS, name);
}

/** The open time of the candle of length interval_ms that ts_ms falls in. */
export function candleOpen(ts_ms: number, interval_ms: number): number {
  return ts_ms - (ts_ms % interval_ms);
}
