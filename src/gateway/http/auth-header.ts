// The request signature's names and message layout, without any crypto, so
// that the gateway (node:crypto, synchronous) and the client (Web Crypto, in
// Node and in browsers) sign the same bytes from one definition.
//
//   signature = lowercase hex of HMAC-SHA256(secret, timestamp + METHOD + path_with_query + body)

/** @public */
export const AuthHeader = {
  ApiKey: "x-bourse-apikey",
  Timestamp: "x-bourse-timestamp",
  Signature: "x-bourse-signature",
} as const;

/**
 * The parts the HMAC covers, in order; the body is the exact bytes sent (empty for a GET).
 * @public
 */
export function signedParts(
  timestamp: string,
  method: string,
  path_with_query: string,
  body: Uint8Array | string,
): [string, string, string, Uint8Array | string] {
  return [timestamp, method.toUpperCase(), path_with_query, body];
}
