// Stream names, once: Binance Spot's spelling (`btcusdt@depth`,
// `btcusdt@kline_1m`, ...). A client may name a symbol as Bourse does
// (BTC_USDT) or as Binance does (btcusdt, BTCUSDT); `parseStream` turns any
// accepted spelling into the one canonical name the fan-out keys on. Update
// speed suffixes (`@100ms`, `@1000ms`) are accepted and dropped: Bourse sends
// each change as soon as its outputs are released.

import type { Spec, SymbolSpec } from "../core/mod.ts";
import { isKlineInterval, KLINE_INTERVAL_NAMES, type KlineInterval } from "../core/mod.ts";
import { streamSymbol } from "./decimals.ts";

/** Levels a partial depth stream may ask for (`<symbol>@depth<N>`). */
export const PARTIAL_DEPTH_LEVELS = [5, 10, 20] as const;

export interface SymbolStreams {
  depth: string;
  partial: readonly { levels: number; name: string }[];
  trade: string;
  book_ticker: string;
  ticker: string;
  klines: readonly { interval: KlineInterval; name: string }[];
}

export function symbolStreams(s: SymbolSpec): SymbolStreams {
  const p = streamSymbol(s.name);
  return {
    depth: `${p}@depth`,
    partial: PARTIAL_DEPTH_LEVELS.map((levels) => ({ levels, name: `${p}@depth${levels}` })),
    trade: `${p}@trade`,
    book_ticker: `${p}@bookTicker`,
    ticker: `${p}@ticker`,
    klines: KLINE_INTERVAL_NAMES.map((interval) => ({ interval, name: `${p}@kline_${interval}` })),
  };
}

/** Every symbol under each of its accepted spellings (BTC_USDT, BTCUSDT, btcusdt, btc_usdt). */
export function symbolLookup(spec: Spec): Map<string, SymbolSpec> {
  const m = new Map<string, SymbolSpec>();
  for (const s of spec.symbols) {
    m.set(s.name, s);
    m.set(s.name.toLowerCase(), s);
    m.set(streamSymbol(s.name), s);
    m.set(streamSymbol(s.name).toUpperCase(), s);
  }
  return m;
}

const SPEED_RE = /@(100|1000)ms$/;

/** The canonical stream name, or a reason the name is not one. */
export function parseStream(
  lookup: ReadonlyMap<string, SymbolSpec>,
  name: string,
): { stream: string; symbol: SymbolSpec } | { error: string } {
  const at = name.indexOf("@");
  if (at <= 0) return { error: `stream ${JSON.stringify(name)} is not <symbol>@<kind>` };
  const symbol = lookup.get(name.slice(0, at));
  if (symbol === undefined) return { error: `unknown symbol in stream ${JSON.stringify(name)}` };
  const kind = name.slice(at + 1).replace(SPEED_RE, "");
  const p = streamSymbol(symbol.name);
  if (kind === "depth" || kind === "trade" || kind === "bookTicker" || kind === "ticker") {
    return { stream: `${p}@${kind}`, symbol };
  }
  const partial = /^depth([0-9]+)$/.exec(kind);
  if (partial !== null) {
    const n = Number(partial[1]);
    if ((PARTIAL_DEPTH_LEVELS as readonly number[]).includes(n)) {
      return { stream: `${p}@depth${n}`, symbol };
    }
    return { error: `depth levels must be one of ${PARTIAL_DEPTH_LEVELS.join(", ")}` };
  }
  if (kind.startsWith("kline_")) {
    const i = kind.slice(6);
    if (isKlineInterval(i)) return { stream: `${p}@kline_${i}`, symbol };
    return { error: `kline interval must be one of ${KLINE_INTERVAL_NAMES.join(", ")}` };
  }
  return { error: `unknown stream kind in ${JSON.stringify(name)}` };
}
