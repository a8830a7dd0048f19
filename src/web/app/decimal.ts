// Amounts stay decimal strings from the form to the request; these checks
// hold them to the symbol's tick and lot (from exchange info) with integer
// arithmetic before anything is sent, the way the exchange will.

const DECIMAL = /^(0|[1-9][0-9]*)(\.[0-9]+)?$/;

/** Decimal places of a step such as "0.01". */
export function placesOf(step: string): number {
  const dot = step.indexOf(".");
  return dot < 0 ? 0 : step.length - dot - 1;
}

/** The value in units of 10^-places; null when not a plain decimal or with more places. */
export function unitsOf(text: string, places: number): bigint | null {
  if (!DECIMAL.test(text)) return null;
  const [int = "0", frac = ""] = text.split(".");
  if (frac.length > places) return null;
  return BigInt(int + frac.padEnd(places, "0"));
}

/** Why `text` is not a positive multiple of `step` at most `max`; null when it is. */
export function stepProblem(what: string, text: string, step: string, max: string): string | null {
  if (text === "") return `Enter a ${what}.`;
  if (!DECIMAL.test(text)) return `The ${what} must be a plain decimal number such as ${step}.`;
  const places = placesOf(step);
  const units = unitsOf(text, places);
  if (units === null) return `The ${what} has more decimal places than its step ${step} allows.`;
  if (units === 0n) return `The ${what} must be more than zero.`;
  const stepUnits = unitsOf(step, places)!;
  if (units % stepUnits !== 0n) return `The ${what} must be a multiple of ${step}.`;
  const maxUnits = unitsOf(max, Math.max(places, placesOf(max)));
  if (maxUnits !== null && units * 10n ** BigInt(Math.max(0, placesOf(max) - places)) > maxUnits) {
    return `The ${what} may be at most ${max}.`;
  }
  return null;
}

/** Whether price x quantity reaches the minimum notional, exactly. */
export function reachesNotional(price: string, qty: string, min_notional: string): boolean {
  const pp = placesOf(price);
  const qp = placesOf(qty);
  const value = unitsOf(price, pp)! * unitsOf(qty, qp)!;
  const min = unitsOf(min_notional, placesOf(min_notional))!;
  const scale = pp + qp - placesOf(min_notional);
  return scale >= 0 ? value >= min * 10n ** BigInt(scale) : value * 10n ** BigInt(-scale) >= min;
}

/** A step or limit as people write it: "0.010000" reads "0.01". */
export function plainDecimal(text: string): string {
  return text.includes(".") ? text.replace(/\.?0+$/, "") : text;
}
