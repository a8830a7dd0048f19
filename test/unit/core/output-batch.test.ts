// The output batch framing: what goes in comes out byte for byte, in order,
// and damaged or inconsistent batches are refused rather than half read.
import assert from "node:assert/strict";
import { test } from "node:test";
import { InvariantError, OutputBatchWriter, readOutputBatch } from "../../../src/core/mod.ts";

test("sealed outputs round-trip through a batch in order", () => {
  const w = new OutputBatchWriter(16);
  assert.equal(w.take(), null);
  const parts = [Uint8Array.of(1, 2, 3), Uint8Array.of(), Uint8Array.of(9, 9, 9, 9, 9)];
  for (const [i, p] of parts.entries()) w.push(41 + i, p);
  assert.equal(w.size, 3);
  const bytes = w.take();
  assert.ok(bytes !== null);
  assert.equal(w.size, 0);
  const view = readOutputBatch(bytes);
  assert.equal(view.first_seq, 41);
  assert.equal(view.count, 3);
  assert.deepEqual(
    view.outputs.map((o) => [...o]),
    parts.map((p) => [...p]),
  );
  // The writer is reusable after take().
  w.push(7, Uint8Array.of(5));
  const again = readOutputBatch(w.take() as Uint8Array);
  assert.equal(again.first_seq, 7);
  assert.deepEqual([...(again.outputs[0] as Uint8Array)], [5]);
});

test("a batch refuses a gap in output_seq", () => {
  const w = new OutputBatchWriter();
  w.push(1, Uint8Array.of(1));
  assert.throws(() => w.push(3, Uint8Array.of(1)), InvariantError);
});

test("truncated, trailing and wrong-version batches are refused", () => {
  const w = new OutputBatchWriter();
  w.push(1, Uint8Array.of(1, 2));
  const bytes = w.take() as Uint8Array;
  assert.throws(() => readOutputBatch(bytes.subarray(0, bytes.length - 1)), InvariantError);
  assert.throws(() => readOutputBatch(Uint8Array.of(...bytes, 0)), InvariantError);
  const bad = Uint8Array.from(bytes);
  bad[0] = 99;
  assert.throws(() => readOutputBatch(bad), InvariantError);
  assert.throws(() => readOutputBatch(Uint8Array.of(1)), InvariantError);
});
