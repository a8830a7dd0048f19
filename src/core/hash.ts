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

/**
 * Hashes held as unsigned 32-bit halves in a typed array, the low half at
 * `at`, the high at `at + 1` (little-endian, as the wire has them). Not
 * object fields or arguments: a number that is not a small integer is boxed
 * on the heap when it crosses a call the optimiser does not inline, and
 * whether a call is inlined changes from run to run; a typed array's
 * elements never are.
 */
export type HashHalves = Uint32Array;

/**
 * XXH64 (seed 0) of the first `length` bytes of `bytes` (all of them by
 * default) into out[at] and out[at + 1], without allocating.
 */
export function hash64Into(
  bytes: Uint8Array,
  out: HashHalves,
  at: number,
  length = bytes.length,
): void {
  const n = bytes.length;
  if (n + INPUT_AT > memory.length) growFor(n);
  memory.set(bytes, INPUT_AT);
  digest(INPUT_AT, length);
  out[at] = words[0] as number;
  out[at + 1] = words[1] as number;
}

/** Memory for an input of n bytes (a state hash can be many megabytes; kept for the next). */
function growFor(n: number): void {
  const pages = Math.ceil((n + INPUT_AT - memory.length) / PAGE_BYTES);
  exports.memory.grow(pages);
  memory = new Uint8Array(exports.memory.buffer);
  words = new Uint32Array(exports.memory.buffer, 0, 2);
  assert(memory.length >= n + INPUT_AT, "xxh64: memory did not grow");
}

const scratch: HashHalves = new Uint32Array(2);

export function hash64(bytes: Uint8Array): bigint {
  hash64Into(bytes, scratch, 0);
  return joinHash(scratch, 0);
}

/** The hash whose halves are at `at`. */
export function joinHash(halves: HashHalves, at: number): bigint {
  return (BigInt(halves[at + 1] as number) << 32n) | BigInt(halves[at] as number);
}

/** A hash into halves at `at`. */
export function splitHash(hash: bigint, out: HashHalves, at: number): void {
  out[at] = Number(hash & 0xffff_ffffn);
  out[at + 1] = Number(hash >> 32n);
}

export function hashHex(hash: bigint): string {
  return hash.toString(16).padStart(16, "0");
}

export function parseHashHex(text: string): bigint {
  if (!/^[0-9a-f]{16}$/.test(text)) throw new RangeError(`not a 64-bit hex hash: ${text}`);
  return BigInt(`0x${text}`);
}
