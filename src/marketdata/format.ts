// Binance Spot's stream payloads, built as JSON text once per event (never per
// subscriber). Field names and shapes follow Binance's web-socket-streams
// documentation so existing SDKs and bots parse them; numbers that are
// amounts are decimal strings, ids and times are JSON numbers.

import type { KlineInterval, SymbolSpec } from "../core/mod.ts";
import type { Candle, Ticker24h } from "./candles.ts";
import { bigText, binanceSymbol, priceText, qtyText } from "./decimals.ts";
import type { L2Book, L2Level } from "./l2-book.ts";
import type { DepthDiff } from "./types.ts";

function levelsJson(s: SymbolSpec, flat: readonly number[]): string {
  let out = "[";
  for (let i = 0; i < flat.length; i += 3) {
    if (i > 0) out += ",";
    out += `["${priceText(s, flat[i] as number)}","${qtyText(s, flat[i + 1] as number)}"]`;
  }
  return `${out}]`;
}

function topJson(s: SymbolSpec, levels: readonly L2Level[]): string {
  let out = "[";
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i] as L2Level;
    if (i > 0) out += ",";
    out += `["${priceText(s, l.price_ticks)}","${qtyText(s, l.qty_lots)}"]`;
  }
  return `${out}]`;
}

/** `<symbol>@depth`: the levels that changed over U..u, absolute quantities, "0" = removed. */
export function depthUpdateJson(s: SymbolSpec, d: DepthDiff, event_ms: number): string {
  return `{"e":"depthUpdate","E":${event_ms},"s":"${binanceSymbol(s.name)}","U":${d.first_update_id},"u":${d.last_update_id},"b":${levelsJson(s, d.bids)},"a":${levelsJson(s, d.asks)}}`;
}

/** `<symbol>@depth<N>`: the top N levels a side at an update id. */
export function partialDepthJson(s: SymbolSpec, book: L2Book, levels: number): string {
  return `{"lastUpdateId":${book.update_id},"bids":${topJson(s, book.bids.top(levels))},"asks":${topJson(s, book.asks.top(levels))}}`;
}

/** `<symbol>@bookTicker`. */
export function bookTickerJson(s: SymbolSpec, book: L2Book): string {
  const b = book.bids.level(0);
  const a = book.asks.level(0);
  return `{"u":${book.update_id},"s":"${binanceSymbol(s.name)}","b":"${priceText(s, b?.price_ticks ?? 0)}","B":"${qtyText(s, b?.qty_lots ?? 0)}","a":"${priceText(s, a?.price_ticks ?? 0)}","A":"${qtyText(s, a?.qty_lots ?? 0)}"}`;
}

export interface TradeView {
  trade_id: number;
  price_ticks: number;
  qty_lots: number;
  taker_side: number;
}

/** `<symbol>@trade`; m: the buyer was the maker (the taker sold). */
export function tradeJson(s: SymbolSpec, t: TradeView, trade_ms: number, event_ms: number): string {
  return `{"e":"trade","E":${event_ms},"s":"${binanceSymbol(s.name)}","t":${t.trade_id},"p":"${priceText(s, t.price_ticks)}","q":"${qtyText(s, t.qty_lots)}","T":${trade_ms},"m":${t.taker_side === 2},"M":true}`;
}

/** A candle's fields as Binance's kline object `k` (REST klines use the same values). */
export function candleFields(s: SymbolSpec, c: Candle) {
  return {
    open: priceText(s, c.open_ticks),
    high: priceText(s, c.high_ticks),
    low: priceText(s, c.low_ticks),
    close: priceText(s, c.close_ticks),
    volume: lotsText(s, c.volume_lots),
    quote_volume: bigText(c.quote_units, s.quote.decimals),
    taker_buy_volume: lotsText(s, c.taker_buy_volume_lots),
    taker_buy_quote_volume: bigText(c.taker_buy_quote_units, s.quote.decimals),
  };
}

/** A bigint of lots as a quantity string (sums of lots may pass 2^53 units). */
export function lotsText(s: SymbolSpec, lots: bigint): string {
  const step = BigInt(s.lot_units) / 10n ** BigInt(s.base.decimals - s.qty_decimals);
  return bigText(lots * step, s.qty_decimals);
}

/** `<symbol>@kline_<interval>`; x: the candle is closed. */
export function klineJson(
  s: SymbolSpec,
  interval: KlineInterval,
  c: Candle,
  closed: boolean,
  event_ms: number,
): string {
  const f = candleFields(s, c);
  const sym = binanceSymbol(s.name);
  return `{"e":"kline","E":${event_ms},"s":"${sym}","k":{"t":${c.open_time_ms},"T":${c.open_time_ms + c.interval_ms - 1},"s":"${sym}","i":"${interval}","f":${c.first_trade_id},"L":${c.last_trade_id},"o":"${f.open}","c":"${f.close}","h":"${f.high}","l":"${f.low}","v":"${f.volume}","n":${c.trade_count},"x":${closed},"q":"${f.quote_volume}","V":"${f.taker_buy_volume}","Q":"${f.taker_buy_quote_volume}","B":"0"}}`;
}

/** The ticker's derived figures, exactly: change, change percent (3 places, truncated) and weighted average price. */
export function tickerFigures(s: SymbolSpec, t: Ticker24h) {
  const change = t.last_ticks - t.open_ticks;
  // Thousandths of a percent, truncated toward zero.
  const pct_milli = t.open_ticks === 0 ? 0n : (BigInt(change) * 100_000n) / BigInt(t.open_ticks);
  const base_units = t.volume_lots * BigInt(s.lot_units);
  // Quote units per whole base coin, in steps of the price's last decimal.
  const avg =
    base_units === 0n
      ? 0n
      : (t.quote_units * 10n ** BigInt(s.base.decimals)) /
        base_units /
        10n ** BigInt(s.quote.decimals - s.price_decimals);
  return {
    price_change: (change < 0 ? "-" : "") + priceText(s, Math.abs(change)),
    price_change_percent: bigText(pct_milli, 3),
    weighted_avg_price: bigText(avg, s.price_decimals),
  };
}

/** `<symbol>@ticker`: the rolling 24 h window. */
export function tickerJson(s: SymbolSpec, t: Ticker24h, book: L2Book, event_ms: number): string {
  const f = tickerFigures(s, t);
  const b = book.bids.level(0);
  const a = book.asks.level(0);
  return `{"e":"24hrTicker","E":${event_ms},"s":"${binanceSymbol(s.name)}","p":"${f.price_change}","P":"${f.price_change_percent}","w":"${f.weighted_avg_price}","x":"${priceText(s, t.open_ticks)}","c":"${priceText(s, t.last_ticks)}","Q":"${qtyText(s, t.last_qty_lots)}","b":"${priceText(s, b?.price_ticks ?? 0)}","B":"${qtyText(s, b?.qty_lots ?? 0)}","a":"${priceText(s, a?.price_ticks ?? 0)}","A":"${qtyText(s, a?.qty_lots ?? 0)}","o":"${priceText(s, t.open_ticks)}","h":"${priceText(s, t.high_ticks)}","l":"${priceText(s, t.low_ticks)}","v":"${lotsText(s, t.volume_lots)}","q":"${bigText(t.quote_units, s.quote.decimals)}","O":${t.open_time_ms},"C":${t.close_time_ms},"F":${t.first_trade_id},"L":${t.last_trade_id},"n":${t.trade_count}}`;
}
