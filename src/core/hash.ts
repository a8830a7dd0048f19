// XXH64 over canonical bytes: the hash of every chained output and of whole-core
// state. A standard, fast, non-cryptographic hash is what the chain needs (detect
// gaps, duplicates and corruption, and compare states). The core's own small
// WebAssembly module (xxh64.wat) computes it: off native addons, and its result
// comes back as two 32-bit halves read from memory, so hashing an output
// allocates nothing (a library's i64 result is a BigInt per call). The chain
// keeps those halves; BigInts are made only where a caller asks for one.

import { assert } from "./errors.ts";
import { XXH64_WASM_BASE64 } from "./xxh64-wasm.ts";

export const GENESIS_HASH = 0n;

/** Where the module reads its input; [0, 8) receives the digest. */
const INPUT_AT = 8;
const PAGE_BYTES = 65_536;

// The few members of the WebAssembly API used here (the project's type
// libraries, without the DOM's, do not declare it).
declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Instance {
    constructor(module: Module, imports: object);
    readonly exports: unknown;
  }
  class Memory {
    readonly buffer: ArrayBuffer;
    grow(pages: number): number;
  }
}

interface Xxh64Exports {
  memory: WebAssembly.Memory;
  digest(p: number, len: number): void;
}

const exports = new WebAssembly.Instance(
  new WebAssembly.Module(Buffer.from(XXH64_WASM_BASE64, "base64")),
  {},
).exports as Xxh64Exports;
const digest = exports.digest;
let memory = new Uint8Array(exports.memory.buffer);
let words = new Uint32Array(exports.memory.buffer, 0, 2);

/** A 64-bit hash as unsigned 32-bit halves. */
export interface Hash64 {
  hi: number;
  lo: number;
}

/**
 * XXH64 (seed 0) of the first `length` bytes of `bytes` (all of them by
 * default) into `out`, without allocating.
 */
export function hash64Into(bytes: Uint8Array, out: Hash64, length = bytes.length): void {
  const n = bytes.length;
  if (n + INPUT_AT > memory.length) growFor(n);
  memory.set(bytes, INPUT_AT);
  digest(INPUT_AT, length);
  out.lo = words[0] as number;
  out.hi = words[1] as number;
}

/** Memory for an input of n bytes (a state hash can be many megabytes; kept for the next). */
function growFor(n: number): void {
  const pages = Math.ceil((n + INPUT_AT - memory.length) / PAGE_BYTES);
  exports.memory.grow(pages);
  memory = new Uint8Array(exports.memory.buffer);
  words = new Uint32Array(exports.memory.buffer, 0, 2);
  assert(memory.length >= n + INPUT_AT, "xxh64: memory did not grow");
}

const scratch: Hash64 = { hi: 0, lo: 0 };

export function hash64(bytes: Uint8Array): bigint {
  hash64Into(bytes, scratch);
  return joinHash(scratch.hi, scratch.lo);
}

export function joinHash(hi: number, lo: number): bigint {
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** The halves of a 64-bit hash. */
export function splitHash(hash: bigint, out: Hash64): void {
  out.hi = Number(hash >> 32n);
  out.lo = Number(hash & 0xffff_ffffn);
}

export function hashHex(hash: bigint): string {
  return hash.toString(16).padStart(16, "0");
}

export function parseHashHex(text: string): bigint {
  if (!/^[0-9a-f]{16}$/.test(text)) throw new RangeError(`not a 64-bit hex hash: ${text}`);
  return BigInt(`0x${text}`);
}
