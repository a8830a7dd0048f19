// Binance spells a symbol as base and quote run together (BTCUSDT) where
// Bourse writes BTC_USDT. Two configured symbols could run together into one
// name (AB+CDE and ABC+DE); such a configuration cannot be served on this
// surface and is refused when the gateway starts, naming both.

import { formatUnits, type Spec, type SymbolSpec } from "../../core/mod.ts";
import { BINANCE_CODES, badRequest } from "./errors.ts";

export class BinanceSymbols {
  private readonly byName = new Map<string, SymbolSpec>();
  private readonly names: string[] = [];

  constructor(spec: Spec) {
    for (const s of [...spec.symbols].sort((a, b) => a.id - b.id)) {
      const name = binanceName(s);
      const other = this.byName.get(name);
      if (other !== undefined) {
        throw new Error(
          `symbols ${other.name} and ${s.name} are both ${name} on the Binance API; rename one`,
        );
      }
      this.byName.set(name, s);
      this.names[s.id] = name;
    }
  }

  /** Every symbol, in id order. */
  all(): SymbolSpec[] {
    return [...this.byName.values()];
  }

  /** The symbol a request names; -1121 when there is none. */
  get(name: string): SymbolSpec {
    const s = this.byName.get(name);
    if (s === undefined) throw badRequest(BINANCE_CODES.BAD_SYMBOL, "Invalid symbol.");
    return s;
  }

  nameOf(s: SymbolSpec): string {
    return this.names[s.id] ?? binanceName(s);
  }

  /** The `symbols` parameter: ["BTCUSDT","ETHUSDT"], each one known. */
  list(text: string): SymbolSpec[] {
    if (!SYMBOLS_RE.test(text)) {
      throw badRequest(
        BINANCE_CODES.ILLEGAL_CHARS,
        `Illegal characters found in parameter 'symbols'; legal range is '${SYMBOLS_RE.source}'.`,
      );
    }
    const names = JSON.parse(text) as string[];
    if (names.length === 0) {
      throw badRequest(BINANCE_CODES.PARAM_EMPTY, "Parameter 'symbols' was empty.");
    }
    if (new Set(names).size !== names.length) {
      throw badRequest(
        BINANCE_CODES.DUPLICATE_SYMBOLS,
        "Symbol is present multiple times in the list.",
      );
    }
    return names.map((n) => this.get(n));
  }
}

const SYMBOLS_RE = /^\[("[A-Z0-9_.-]{1,20}"(,"[A-Z0-9_.-]{1,20}")*)\]$/;

export function binanceName(s: SymbolSpec): string {
  return `${s.base.name}${s.quote.name}`;
}

/** A price in ticks as a decimal string with the quote asset's decimals. */
export function priceText(s: SymbolSpec, ticks: number): string {
  return formatUnits(ticks * s.tick_units, s.quote.decimals);
}

/** A quantity in lots as a decimal string with the base asset's decimals. */
export function qtyText(s: SymbolSpec, lots: number): string {
  return formatUnits(lots * s.lot_units, s.base.decimals);
}

/** An amount of the quote asset (notional, volume) with its decimals. */
export function quoteText(s: SymbolSpec, units: number): string {
  return formatUnits(units, s.quote.decimals);
}
