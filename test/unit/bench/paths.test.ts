// The in-cache path benchmark: it runs its steps (every market buy takes all
// the makers' orders, every cancel finds its order, which it checks as it
// goes), leaves a core that passes its self-check, and reports each step's
// spread over the rounds it was asked for.

import assert from "node:assert/strict";
import { test } from "node:test";
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
