// The request signature, shared by the gateway that verifies it and the
// client that produces it, so that the two cannot drift apart.
//
//   signature = lowercase hex of HMAC-SHA256(secret, timestamp + METHOD + path_with_query + body)
//
// The secret's UTF-8 bytes are the HMAC key; the body is the exact bytes sent
// (empty for a GET); path_with_query is the request target as sent, e.g.
// "/api/v1/order/active?symbol=BTC_USDT&limit=10".

import { createHmac, timingSafeEqual } from "node:crypto";

export const AuthHeader = {
  ApiKey: "x-bourse-apikey",
  Timestamp: "x-bourse-timestamp",
  Signature: "x-bourse-signature",
} as const;

export function sign(
  secret: string,
  timestamp: string,
  method: string,
  path_with_query: string,
  body: Uint8Array | string,
): string {
  return createHmac("sha256", secret)
    .update(timestamp)
    .update(method.toUpperCase())
    .update(path_with_query)
    .update(body)
    .digest("hex");
}

const HEX_SHA256 = /^[0-9a-f]{64}$/;

/** Constant-time comparison of a presented signature with the expected one. */
export function signatureMatches(expected_hex: string, presented: string): boolean {
  const p = presented.toLowerCase();
  if (!HEX_SHA256.test(p)) return false;
  return timingSafeEqual(Buffer.from(expected_hex, "hex"), Buffer.from(p, "hex"));
}
