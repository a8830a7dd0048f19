// Signing requests with Web Crypto (globalThis.crypto.subtle), so that the
// same client runs in Node (20 and later) and in browsers. It signs the bytes
// auth-header.ts lays out, the ones the gateway verifies with node:crypto.

import { signedParts } from "../gateway/http/auth-header.ts";

const utf8 = new TextEncoder();

type Subtle = typeof globalThis.crypto.subtle;
/** A Web Crypto HMAC key (CryptoKey), named without depending on DOM or Node type libraries. */
export type HmacKey = Awaited<ReturnType<Subtle["importKey"]>>;

function subtle(): Subtle {
  const s = globalThis.crypto?.subtle;
  if (s === undefined) {
    throw new Error(
      "bourse/client needs Web Crypto (globalThis.crypto.subtle): Node 20 or later, or a browser page served over https or from localhost",
    );
  }
  return s;
}

/** An HMAC-SHA256 key for a secret; imported once per client. */
export function hmacKey(secret: string): Promise<HmacKey> {
  return subtle().importKey("raw", utf8.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
}

function concat(parts: readonly (Uint8Array | string)[]): Uint8Array<ArrayBuffer> {
  const bytes = parts.map((p) => (typeof p === "string" ? utf8.encode(p) : p));
  const out = new Uint8Array(bytes.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of bytes) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** Lowercase hex HMAC-SHA256 of the request, with a key from hmacKey(). */
export async function signWithKey(
  key: HmacKey,
  timestamp: string,
  method: string,
  path_with_query: string,
  body: Uint8Array | string,
): Promise<string> {
  const message = concat(signedParts(timestamp, method, path_with_query, body));
  const mac = new Uint8Array(await subtle().sign("HMAC", key, message));
  let hex = "";
  for (const b of mac) hex += HEX[b];
  return hex;
}

/** The request signature (async; Web Crypto): what X-BOURSE-SIGNATURE carries. */
export async function sign(
  secret: string,
  timestamp: string,
  method: string,
  path_with_query: string,
  body: Uint8Array | string,
): Promise<string> {
  return signWithKey(await hmacKey(secret), timestamp, method, path_with_query, body);
}
