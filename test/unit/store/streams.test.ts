import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { BALANCE_STREAM, engineStream, StoreError } from "../../../src/store/mod.ts";
import { checkBatch, unapplied } from "../../../src/store/streams.ts";
import { day } from "./fixtures.ts";

const code = (c: string) => (err: unknown) => err instanceof StoreError && err.code === c;

describe("stream positions", () => {
  test("checkBatch returns the streams sorted", () => {
    assert.deepEqual(checkBatch(day().all), [BALANCE_STREAM, engineStream(1)]);
  });

  test("nothing stored: everything is new", () => {
    const d = day();
    const u = unapplied(d.all, new Map());
    assert.equal(u.skipped, 0);
    assert.equal(u.engine.length, d.all.engine.length);
    assert.deepEqual(u.positions, d.all.positions);
  });

  test("outputs at or below the stored position are skipped", () => {
    const d = day();
    const stored = new Map(d.a.positions.map((p) => [p.stream, p]));
    const u = unapplied(d.all, stored);
    assert.equal(u.skipped, 4);
    assert.equal(u.engine[0]!.output_seq, 2);
    assert.equal(u.balance[0]!.output_seq, 4);
  });

  test("a stream wholly applied keeps its position", () => {
    const d = day();
    const stored = new Map(d.all.positions.map((p) => [p.stream, p]));
    const u = unapplied(d.all, stored);
    assert.deepEqual(u.positions, []);
    assert.equal(u.engine.length + u.balance.length, 0);
  });

  test("a prev_hash that does not match the stored hash is a gap", () => {
    const d = day();
    const stored = new Map(d.a.positions.map((p) => [p.stream, { ...p, hash: p.hash + 1n }]));
    assert.throws(() => unapplied(d.b, stored), code("STREAM_GAP"));
  });

  test("hashes compare as unsigned 64-bit values", () => {
    const d = day();
    const stored = new Map(
      d.a.positions.map((p) => [p.stream, { ...p, hash: BigInt.asIntN(64, p.hash) }]),
    );
    assert.equal(unapplied(d.all, stored).skipped, 4);
  });
});
