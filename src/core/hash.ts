// XXH64 over canonical bytes: the hash of every chained output and of whole-core
// state. A standard, fast, non-cryptographic hash is what the chain needs (detect
// gaps, duplicates and corruption, and compare states); the WebAssembly build
// keeps it off native addons.

import xxhash from "xxhash-wasm";

const api = await xxhash();

export const GENESIS_HASH = 0n;

export function hash64(bytes: Uint8Array): bigint {
  return api.h64Raw(bytes, 0n);
}

export function hashHex(hash: bigint): string {
  return hash.toString(16).padStart(16, "0");
}

export function parseHashHex(text: string): bigint {
  if (!/^[0-9a-f]{16}$/.test(text)) throw new RangeError(`not a 64-bit hex hash: ${text}`);
  return BigInt(`0x${text}`);
}
