/** The account that collects trading fees; user ids of traders start at 1. */
export const FEE_USER_ID = 0;

/** Trade ids are unique across symbols: symbol id in the high bits, a per-symbol counter below. */
export const TRADE_ID_SYMBOL_SHIFT = 2 ** 40;

export function tradeIdOf(symbol_id: number, n: number): number {
  return symbol_id * TRADE_ID_SYMBOL_SHIFT + n;
}
