// The in-cache path benchmark: it runs its steps (every market buy takes all
// the makers' orders, every cancel finds its order, which it checks as it
// goes), leaves a core that passes its self-check, and reports each step's
// spread over the rounds it was asked for.

import assert from "node:assert/strict";
import { test } from "node:test";
import { measurePathAllocations } from "../../../src/bench/allocations.ts";
import { measurePaths } from "../../../src/bench/paths.ts";
import { loadSpec } from "../../../src/core/mod.ts";

const spec = loadSpec();

test("bench paths times a resting order, a market order's trades and a cancel", () => {
  const r = measurePaths(spec, { rounds: 3, iterations: 40 });
  assert.equal(r.mode, "paths");
  assert.equal(r.symbol, spec.symbols[0]?.name);
  assert.deepEqual([r.rounds, r.iterations], [3, 40]);
  for (const s of [r.place_rest_ns, r.trade_ns, r.market_order_ns, r.cancel_ns, r.refused_ns]) {
    assert.ok(s.min > 0 && s.min <= s.median && s.median <= s.max, JSON.stringify(s));
  }
  // Ten trades a market buy: the whole order costs more than one of its trades.
  assert.ok(r.market_order_ns.median > r.trade_ns.median);
  // The sealed output of ten trades: ten trade items and their balance events at least.
  assert.ok(r.market_output_bytes > 10 * 100, String(r.market_output_bytes));
});

test("bench paths refuses a symbol the configuration does not have, and empty runs", () => {
  assert.throws(() => measurePaths(spec, { rounds: 1, iterations: 1 }, "NOPE_USDT"), {
    name: "RangeError",
    message: "bench paths: no symbol NOPE_USDT",
  });
  for (const o of [
    { rounds: 0, iterations: 10 },
    { rounds: 3, iterations: 0 },
  ]) {
    assert.throws(() => measurePaths(spec, o), {
      name: "RangeError",
      message: "bench paths: rounds and iterations must be at least 1",
    });
  }
});

test("bench paths --allocations profiles each step on a core that still checks out", async () => {
  const r = await measurePathAllocations(spec, { iterations: 2_000 });
  assert.equal(r.mode, "path-allocations");
  assert.equal(r.iterations, 2_000);
  const b = r.bytes_per_command;
  for (const v of [b.rest_and_trade, b.rest_and_cancel, b.refused]) {
    assert.ok(Number.isFinite(v) && v >= 0, JSON.stringify(b));
  }
  // A refused cancel makes no objects: its output is bytes in reused buffers
  // and its hash two numbers. Objects per command (the output's head, a
  // decoded output, a BigInt hash) would be hundreds of bytes.
  assert.ok(b.refused < 64, JSON.stringify(r));
  for (const t of r.top) {
    assert.ok(["rest_and_trade", "rest_and_cancel", "refused"].includes(t.step));
    assert.ok(t.fn.length > 0 && t.bytes_per_command >= 0);
  }
});
