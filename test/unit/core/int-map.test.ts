import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { IntMap } from "../../../src/core/int-map.ts";

test("behaves like a Map under random inserts, updates and deletes", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.tuple(
          fc.constantFrom("set", "delete", "get"),
          fc.integer({ min: 1, max: 300 }),
          fc.nat(1000),
        ),
        {
          maxLength: 2000,
        },
      ),
      (ops) => {
        const m = new IntMap(4);
        const ref = new Map<number, number>();
        for (const [op, key, value] of ops) {
          if (op === "set") {
            m.set(key, value);
            ref.set(key, value);
          } else if (op === "delete") {
            assert.equal(m.delete(key), ref.delete(key));
          } else {
            assert.equal(m.get(key), ref.get(key) ?? -1);
          }
          assert.equal(m.size, ref.size);
        }
        assert.deepEqual(
          [...m.keysAscending()],
          [...ref.keys()].sort((a, b) => a - b),
        );
        // The owner's own record of each value decides liveness; here, ref.
        const seen: [number, number][] = [];
        m.forEachAscending(
          (k, v) => ref.get(k) === v,
          (k, v) => seen.push([k, v]),
        );
        assert.deepEqual(
          seen,
          [...ref.entries()].sort((a, b) => a[0] - b[0]),
        );
      },
    ),
    { numRuns: 300 },
  );
});

test("holds ids across the whole safe range", () => {
  const m = new IntMap();
  const keys = [1, 2 ** 32, 2 ** 32 + 1, 2 ** 40 + 7, Number.MAX_SAFE_INTEGER];
  for (const [i, k] of keys.entries()) m.set(k, i);
  for (const [i, k] of keys.entries()) assert.equal(m.get(k), i);
  assert.equal(m.get(3), -1);
});

test("heavy churn at a steady size stays cheap and keeps ascending order", () => {
  const m = new IntMap(16);
  let next = 1;
  const live: number[] = [];
  for (let i = 0; i < 200_000; i++) {
    if (live.length < 5000 || (i & 1) === 1) {
      m.set(next, 0);
      live.push(next++);
    } else {
      const j = (i * 7919) % live.length;
      const k = live[j] as number;
      live[j] = live[live.length - 1] as number;
      live.pop();
      assert.ok(m.delete(k));
    }
  }
  assert.deepEqual(
    [...m.keysAscending()],
    live.sort((a, b) => a - b),
  );
  // The insertion-order list is compacted, not left to grow with the churn.
  const log = m as unknown as { inserted: Float64Array; inserted_count: number };
  assert.ok(log.inserted_count <= 2 * m.size + 1024);
  // Its storage (two numbers an entry) doubles when full: at most twice the bound.
  assert.ok(log.inserted.length <= 2 * 2 * (2 * m.size + 1025));
});

test("getOrSet sets an absent key and leaves a present one", () => {
  const m = new IntMap(16);
  assert.equal(m.getOrSet(7, 3), -1);
  assert.equal(m.get(7), 3);
  assert.equal(m.getOrSet(7, 9), 3);
  assert.equal(m.get(7), 3);
  assert.equal(m.size, 1);
  for (let k = 100; k < 200; k++) assert.equal(m.getOrSet(k, k), -1);
  assert.deepEqual([...m.keysAscending()].slice(0, 3), [7, 100, 101]);
});

test("take deletes a key and returns its value, -1 when absent", () => {
  const m = new IntMap(16);
  for (let k = 1; k <= 100; k++) m.set(k, k * 2);
  assert.equal(m.take(50), 100);
  assert.equal(m.take(50), -1);
  assert.equal(m.get(50), -1);
  assert.equal(m.size, 99);
  for (let k = 1; k <= 100; k++) if (k !== 50) assert.equal(m.get(k), k * 2);
});
