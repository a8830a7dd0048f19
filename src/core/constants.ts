/** The account that collects trading fees; user ids of traders start at 1. */
export const FEE_USER_ID = 0;

/** Trade ids are unique across symbols: symbol id in the high bits, a per-symbol counter below. */
export const TRADE_ID_SYMBOL_SHIFT = 2 ** 40;

export function tradeIdOf(symbol_id: number, n: number): number {
  return symbol_id * TRADE_ID_SYMBOL_SHIFT + n;
}

/**
 * Longest client order id and transfer request id, in characters: the HTTP
 * schema's limit, the default of the config's limits.max_id_length, and the
 * most a config may set it to (it may lower it).
 * @public
 */
export const ID_LENGTH_MAX = 64;
