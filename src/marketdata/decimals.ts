// Integers to the decimal strings streams and REST show: prices with the
// symbol's price decimals, quantities with its lot decimals, quote amounts
// and fees with the asset's decimals (the same rules as the REST formatter
// in src/gateway/http/format.ts). Sums that may pass 2^53 are bigints.

import { type AssetSpec, formatUnits, pow10, type SymbolSpec } from "../core/mod.ts";

export function priceText(s: SymbolSpec, ticks: number): string {
  const step = s.tick_units / pow10(s.quote.decimals - s.price_decimals);
  return formatUnits(ticks * step, s.price_decimals);
}

export function qtyText(s: SymbolSpec, lots: number): string {
  const step = s.lot_units / pow10(s.base.decimals - s.qty_decimals);
  return formatUnits(lots * step, s.qty_decimals);
}

export function unitsText(a: AssetSpec, units: number): string {
  return formatUnits(units, a.decimals);
}

/** A non-negative bigint (or number) of minimal units with `decimals` places. */
export function bigText(units: bigint | number, decimals: number): string {
  const v = BigInt(units);
  const neg = v < 0n;
  const abs = neg ? -v : v;
  if (decimals === 0) return `${neg ? "-" : ""}${abs}`;
  const scale = 10n ** BigInt(decimals);
  const frac = (abs % scale).toString().padStart(decimals, "0");
  return `${neg ? "-" : ""}${abs / scale}.${frac}`;
}

/** Bourse's symbol name as Binance spells it: BTC_USDT -> BTCUSDT. */
export function binanceSymbol(name: string): string {
  return name.replace("_", "");
}

/** The stream-name form of a symbol: BTC_USDT -> btcusdt. */
export function streamSymbol(name: string): string {
  return binanceSymbol(name).toLowerCase();
}

/** Fee rate in parts per million as a decimal fraction: 1000 -> "0.001". */
export function ppmText(ppm: number): string {
  return formatUnits(ppm, 6).replace(/0+$/, "").replace(/\.$/, "");
}
