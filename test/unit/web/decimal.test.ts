// The order form's checks (src/web/app/decimal.ts) hold amounts to the
// symbol's tick, lot, limits and minimum notional exactly, with integers, as
// the exchange does: a value the form lets through is one the exchange takes.

import assert from "node:assert/strict";
import { test } from "node:test";
import {
  placesOf,
  plainDecimal,
  reachesNotional,
  stepProblem,
  unitsOf,
} from "../../../src/web/app/decimal.ts";

test("units of a decimal string at a scale; null beyond it or when not a plain decimal", () => {
  assert.equal(unitsOf("49000.01", 2), 4900001n);
  assert.equal(unitsOf("1", 8), 100000000n);
  assert.equal(unitsOf("0.001", 2), null);
  for (const bad of ["", "1e3", "-1", "01", ".5", "1.", " 1", "1,5"]) {
    assert.equal(unitsOf(bad, 4), null, bad);
  }
  // Beyond 2^53: still exact.
  assert.equal(unitsOf("92233720368547758.07", 2), 9223372036854775807n);
  assert.equal(placesOf("0.0001"), 4);
  assert.equal(placesOf("5"), 0);
});

test("steps as exchange info sends them read as people write them", () => {
  assert.equal(plainDecimal("0.010000"), "0.01");
  assert.equal(plainDecimal("0.00010000"), "0.0001");
  assert.equal(plainDecimal("1.000000"), "1");
  assert.equal(plainDecimal("100"), "100");
});

test("price and quantity: a positive multiple of the step, at most the maximum", () => {
  const price = (t: string) => stepProblem("price", t, "0.01", "1000000.00");
  assert.equal(price("49000.00"), null);
  assert.equal(price("49000"), null);
  assert.equal(price("1000000"), null);
  assert.equal(price("1000000.01"), "The price may be at most 1000000.00.");
  assert.equal(price("0.001"), "The price has more decimal places than its step 0.01 allows.");
  assert.equal(price("0"), "The price must be more than zero.");
  assert.equal(price(""), "Enter a price.");
  assert.equal(price("1e4"), "The price must be a plain decimal number such as 0.01.");
  const qty = (t: string) => stepProblem("quantity", t, "0.05", "1000.00000000");
  assert.equal(qty("0.15"), null);
  assert.equal(qty("0.12"), "The quantity must be a multiple of 0.05.");
  assert.equal(qty("1000.05"), "The quantity may be at most 1000.00000000.");
});

test("minimum notional, exactly at the edge", () => {
  assert.equal(reachesNotional("100.00", "0.0100", "1"), true);
  assert.equal(reachesNotional("99.99", "0.0100", "1"), false);
  assert.equal(reachesNotional("0.01", "100", "1.000000"), true);
  assert.equal(reachesNotional("0.01", "99.9999", "1.000000"), false);
});
