// The prices a market order may trade to, in one place: UBSCore prices a
// market order when it arrives, the engine prices a StopLoss or TakeProfit
// when it triggers, and both must agree to the tick.

import type { SymbolSpec } from "./config.ts";

/** A market buy trades no higher than ceil(best_ask x (1 + collar)), within the symbol's maximum price. */
export function buyCollarTicks(s: SymbolSpec, best_ask_ticks: number): number {
  const num = best_ask_ticks * (10_000 + s.market_collar_bps);
  const rem = num % 10_000;
  const ceil = (num - rem) / 10_000 + (rem > 0 ? 1 : 0);
  return Math.min(ceil, s.max_price_ticks);
}

/** A market sell trades no lower than floor(best_bid x (1 - collar)), and never below one tick. */
export function sellCollarTicks(s: SymbolSpec, best_bid_ticks: number): number {
  const num = best_bid_ticks * (10_000 - s.market_collar_bps);
  const floor = (num - (num % 10_000)) / 10_000;
  return Math.max(floor, 1);
}

/**
 * What a StopLoss or TakeProfit buy freezes for, per lot, while it waits: the
 * collar around its own stop price. Once triggered it trades no higher than
 * this cap nor than the collar around the best ask of that moment, so the
 * trigger can never need more than was frozen.
 */
export function stopBuyCapTicks(s: SymbolSpec, stop_price_ticks: number): number {
  return buyCollarTicks(s, stop_price_ticks);
}
