// The writer's reused views: what the hash of every output reads.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Writer } from "../../../src/core/codec.ts";

test("a covering view shows what the writer holds now, across resets and growth", () => {
  const w = new Writer(16);
  w.u32(0x01020304);
  const first = w.prefixCovering(w.pos);
  assert.deepEqual([...first.subarray(0, 4)], [4, 3, 2, 1]);
  w.reset();
  w.u32(0x0a0b0c0d);
  assert.strictEqual(w.prefixCovering(4), first, "one view per length");
  assert.deepEqual([...w.prefixCovering(4).subarray(0, 4)], [13, 12, 11, 10]);
  // Growing moves the bytes to a new buffer: views of the old one must not be served.
  for (let i = 0; i < 100; i++) w.u32(i);
  const after = w.prefixCovering(4);
  assert.notStrictEqual(after, first);
  assert.deepEqual([...after.subarray(0, 4)], [13, 12, 11, 10]);
  assert.equal(after.buffer, w.buf.buffer);
});

test("append copies another writer's bytes exactly, short and long", () => {
  for (const n of [0, 1, 3, 4, 5, 17, 5000]) {
    const a = new Writer(8);
    const b = new Writer(8);
    a.u8(0xff);
    for (let i = 0; i < n; i++) b.u8((i * 37) & 0xff);
    a.append(b);
    assert.equal(a.pos, 1 + n);
    assert.deepEqual([...a.view(1)], [...b.view()]);
  }
});

test("prefixCovering covers a length with one kept view per 256-byte step", () => {
  const w = new Writer(64);
  for (let i = 0; i < 10_000; i++) w.u8(i & 0xff);
  for (const n of [0, 1, 100, 256, 257, 4097, 9999]) {
    const v = w.prefixCovering(n);
    assert.ok(v.length >= n && v.length < Math.max(n, 1) + 256, `${n}: ${v.length}`);
    assert.equal(v.buffer, w.buf.buffer);
    assert.deepEqual([...v.subarray(0, n)], [...w.buf.subarray(0, n)]);
  }
  assert.strictEqual(w.prefixCovering(300), w.prefixCovering(512), "one view per step");
  assert.notStrictEqual(w.prefixCovering(512), w.prefixCovering(513));
  assert.equal(w.prefixCovering(w.buf.length).length, w.buf.length);
});
