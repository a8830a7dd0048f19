// Failures in plain words: the registry's sentence for the API's error code
// (src/core/errors.ts, the same table docs/api.md lists), the gateway's own
// explanation after it, and a hint where the person can do something about it.

import { BourseApiError } from "../../client/mod.ts";
import { allErrors } from "../../core/errors.ts";

const byCode = new Map(allErrors.map((e) => [e.code, e.message]));

const HINTS: Readonly<Record<string, string>> = {
  AUTH_BAD_KEY: "Check the API key and sign in again.",
  AUTH_BAD_SIGNATURE: "The secret does not belong to this API key; sign in again.",
  AUTH_STALE_TIMESTAMP: "This computer's clock is too far from the exchange's; set it right.",
  FORBIDDEN: "This key may not do that (a user key on the console, or an operator key here).",
  RATE_LIMITED: "Slow down and try again in a moment.",
  UNAVAILABLE: "The exchange is not ready; try again shortly.",
  TIMEOUT: "No answer in time: the request may still have been applied; check before retrying.",
  INSUFFICIENT_BALANCE: "Deposit more, or lower the amount.",
};

function sentence(text: string): string {
  return text.length === 0 ? text : text[0]!.toUpperCase() + text.slice(1);
}

/** One line for a person: what went wrong, why, and what to do. */
export function plainError(err: unknown): string {
  if (err instanceof BourseApiError) {
    const known = byCode.get(err.code);
    const parts = [sentence(known ?? err.code)];
    if (err.msg !== "" && err.msg !== known) parts.push(`(${err.msg})`);
    const hint = HINTS[err.code];
    if (hint !== undefined) parts.push(hint);
    return `${parts.join(" ")} [${err.code}]`;
  }
  return err instanceof Error ? err.message : String(err);
}
