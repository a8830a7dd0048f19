// Exact money. Amounts are integers in an asset's minimal unit, held in JS
// numbers and kept within Number.MAX_SAFE_INTEGER by checked arithmetic: on this
// engine's hot path that is several times faster than bigint (see
// bench/results/money.md), and the configured limits prove no order can leave
// the safe range (config.ts). Floats never carry money: every value here is an
// integer and every operation that could round is checked.

import { BourseError, Reject } from "./errors.ts";

export const MAX_UNITS = Number.MAX_SAFE_INTEGER;

const POW10: number[] = [];
for (let i = 0, p = 1; i <= 15; i++, p *= 10) POW10.push(p);

export function pow10(n: number): number {
  const p = POW10[n];
  if (p === undefined) throw new RangeError(`10^${n} is outside the exact range`);
  return p;
}

/** a + b, both non-negative safe integers; throws on leaving the safe range. */
export function addChecked(a: number, b: number): number {
  const r = a + b;
  if (r > MAX_UNITS) throw new RangeError(`overflow: ${a} + ${b}`);
  return r;
}

/** a * b for non-negative safe integers; a float product above 2^53 is detected, never used. */
export function mulChecked(a: number, b: number): number {
  const r = a * b;
  if (r > MAX_UNITS) throw new RangeError(`overflow: ${a} * ${b}`);
  return r;
}

/**
 * floor(a * rate / 1e6) exactly, for a up to MAX_UNITS and rate up to 1e6:
 * split a at 1e6 so no intermediate product leaves the safe range.
 */
export function mulPpmFloor(a: number, rate_ppm: number): number {
  const hi = Math.floor(a / 1_000_000);
  const lo = a - hi * 1_000_000;
  return hi * rate_ppm + Math.floor((lo * rate_ppm) / 1_000_000);
}

const DECIMAL_RE = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;

/**
 * Parse a decimal string into integer units at `decimals` places.
 * Throws BourseError: INVALID_AMOUNT for malformed text, BAD_PRECISION for
 * digits beyond `decimals`, AMOUNT_OVERFLOW beyond the safe range.
 */
export function parseUnits(text: string, decimals: number, what = "amount"): number {
  const m = DECIMAL_RE.exec(text);
  if (m === null) {
    throw new BourseError(Reject.INVALID_AMOUNT, `${what} "${text}" is not a plain decimal string`);
  }
  const intPart = m[1] as string;
  const fracPart = (m[2] ?? "").replace(/0+$/, "");
  if (fracPart.length > decimals) {
    throw new BourseError(
      Reject.BAD_PRECISION,
      `${what} ${text} exceeds max precision ${decimals}`,
    );
  }
  if (intPart.length > 16) {
    throw new BourseError(Reject.AMOUNT_OVERFLOW, `${what} ${text} is too large`);
  }
  const scale = pow10(decimals);
  const whole = Number(intPart) * scale;
  const frac = fracPart === "" ? 0 : Number(fracPart) * pow10(decimals - fracPart.length);
  const units = whole + frac;
  if (!Number.isSafeInteger(whole) || units > MAX_UNITS) {
    throw new BourseError(Reject.AMOUNT_OVERFLOW, `${what} ${text} is too large`);
  }
  return units;
}

/** Integer units to a decimal string with exactly `decimals` places ("-" for negatives). */
export function formatUnits(units: number, decimals: number): string {
  if (!Number.isSafeInteger(units)) throw new RangeError(`not a safe integer: ${units}`);
  const neg = units < 0;
  const abs = neg ? -units : units;
  if (decimals === 0) return `${neg ? "-" : ""}${abs}`;
  const scale = pow10(decimals);
  const whole = Math.floor(abs / scale);
  const frac = abs - whole * scale;
  return `${neg ? "-" : ""}${whole}.${String(frac).padStart(decimals, "0")}`;
}

/** Number of decimal places in a positive decimal string such as "0.001" (3) or "5" (0). */
export function decimalsOf(text: string): number {
  const m = DECIMAL_RE.exec(text);
  if (m === null) throw new RangeError(`not a decimal: ${text}`);
  return (m[2] ?? "").replace(/0+$/, "").length;
}
