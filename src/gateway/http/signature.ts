// The gateway's side of the request signature: computing it with node:crypto
// (synchronous, for the hot path) and comparing in constant time. The message
// layout is auth-header.ts's, the one the client signs with Web Crypto.
//
// The secret's UTF-8 bytes are the HMAC key; the body is the exact bytes sent
// (empty for a GET); path_with_query is the request target as sent, e.g.
// "/api/v1/order/active?symbol=BTC_USDT&limit=10".

import { createHmac, timingSafeEqual } from "node:crypto";
import { signedParts } from "./auth-header.ts";

export { AuthHeader } from "./auth-header.ts";

/** @public */
export function sign(
  secret: string,
  timestamp: string,
  method: string,
  path_with_query: string,
  body: Uint8Array | string,
): string {
  const h = createHmac("sha256", secret);
  for (const part of signedParts(timestamp, method, path_with_query, body)) h.update(part);
  return h.digest("hex");
}

const HEX_SHA256 = /^[0-9a-f]{64}$/;

/** Constant-time comparison of a presented signature with the expected one. */
export function signatureMatches(expected_hex: string, presented: string): boolean {
  const p = presented.toLowerCase();
  if (!HEX_SHA256.test(p)) return false;
  return timingSafeEqual(Buffer.from(expected_hex, "hex"), Buffer.from(p, "hex"));
}
