// The chain's XXH64 (the core's own WebAssembly module): its compiled bytes
// are those of its source, and it agrees with a reference library on every
// length class the algorithm treats differently (under 4, 8, 32 bytes, whole
// stripes, tails) and on an input larger than its first memory.
import assert from "node:assert/strict";
import { test } from "node:test";
import xxhash from "xxhash-wasm";
import { compileXxh64 } from "../../../scripts/build-xxh64.mjs";
import { hash64, hash64Into, hashHex, joinHash, splitHash } from "../../../src/core/hash.ts";
import { XXH64_WASM_BASE64 } from "../../../src/core/xxh64-wasm.ts";

const reference = await xxhash();

/** Deterministic bytes (xorshift32), so a failure names an input that can be made again. */
function bytesOf(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed | 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

test("the committed module is what xxh64.wat compiles to", async () => {
  const compiled = await compileXxh64();
  assert.equal(
    compiled.toString("base64"),
    XXH64_WASM_BASE64,
    "run node scripts/build-xxh64.mjs after changing xxh64.wat",
  );
});

test("known digests: the empty input and a short text", () => {
  assert.equal(hashHex(hash64(new Uint8Array(0))), "ef46db3751d8e999");
  assert.equal(hashHex(hash64(Buffer.from("abc"))), "44bc2cf5ad770999");
});

test("agrees with the reference library at every length to 1,100 bytes", () => {
  const h = new Uint32Array(4);
  for (let n = 0; n <= 1100; n++) {
    for (const seed of [n + 1, n * 7919 + 3]) {
      const b = bytesOf(n, seed);
      const want = reference.h64Raw(b, 0n);
      hash64Into(b, h, 2);
      assert.equal(joinHash(h, 2), want, `length ${n}, seed ${seed}`);
      assert.equal(hash64(b), want);
    }
  }
});

test("a view into a larger buffer hashes only its own bytes", () => {
  const whole = bytesOf(300, 42);
  const view = whole.subarray(17, 211);
  assert.equal(hash64(view), reference.h64Raw(whole.slice(17, 211), 0n));
});

test("inputs larger than the module's memory grow it, and smaller ones still agree after", () => {
  const big = bytesOf(3_000_000, 9);
  assert.equal(hash64(big), reference.h64Raw(big, 0n));
  const small = bytesOf(77, 5);
  assert.equal(hash64(small), reference.h64Raw(small, 0n));
});

test("halves and BigInts convert both ways at the edges", () => {
  const h = new Uint32Array(4);
  for (const v of [
    0n,
    1n,
    0xffff_ffffn,
    0x1_0000_0000n,
    0xffff_ffff_ffff_ffffn,
    0x8000_0000_0000_0001n,
  ]) {
    splitHash(v, h, 1);
    assert.equal(joinHash(h, 1), v);
    assert.equal(h[1], Number(v & 0xffff_ffffn), "the low half first");
  }
});

test("a length shorter than the bytes hashes only that many", () => {
  const h = new Uint32Array(4);
  const b = bytesOf(8192, 3);
  for (const n of [0, 1, 31, 32, 4097, 8191]) {
    hash64Into(b, h, 0, n);
    assert.equal(joinHash(h, 0), reference.h64Raw(b.subarray(0, n), 0n), `length ${n}`);
  }
});
