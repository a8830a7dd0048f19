import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  BourseError,
  formatUnits,
  MAX_UNITS,
  mulPpmFloor,
  parseUnits,
} from "../../../src/core/mod.ts";

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof BourseError) return err.code;
    throw err;
  }
  return "OK";
}

test("decimal strings convert to exact integer units", () => {
  assert.equal(parseUnits("1.234", 8), 123_400_000);
  assert.equal(parseUnits("50000.50", 2), 5_000_050);
  assert.equal(parseUnits("0.00000001", 8), 1);
  assert.equal(parseUnits("10.000", 2), 1000, "trailing zeros are not extra precision");
  assert.equal(parseUnits("90071992.54740991", 8), MAX_UNITS);
});

test("too much precision, malformed text and overflow are distinct errors", () => {
  assert.equal(
    code(() => parseUnits("1.2345", 3)),
    "BAD_PRECISION",
  );
  assert.equal(
    code(() => parseUnits("50000.501", 2)),
    "BAD_PRECISION",
  );
  for (const bad of ["", "-1", "+1", "1e5", ".5", "5.", "01", "1,5", " 1", "0x10", "NaN"]) {
    assert.equal(
      code(() => parseUnits(bad, 8)),
      "INVALID_AMOUNT",
      bad,
    );
  }
  assert.equal(
    code(() => parseUnits("90071992.54740992", 8)),
    "AMOUNT_OVERFLOW",
  );
  assert.equal(
    code(() => parseUnits("99999999999999999999", 0)),
    "AMOUNT_OVERFLOW",
  );
});

test("units format back with exactly the asset's decimals", () => {
  assert.equal(formatUnits(123_400_000, 8), "1.23400000");
  assert.equal(formatUnits(1, 6), "0.000001");
  assert.equal(formatUnits(-75_000, 8), "-0.00075000");
  assert.equal(formatUnits(42, 0), "42");
});

test("parse and format are inverse for every safe amount", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: MAX_UNITS }),
      fc.integer({ min: 0, max: 12 }),
      (units, d) => {
        assert.equal(parseUnits(formatUnits(units, d), d), units);
      },
    ),
    { numRuns: 2000 },
  );
});

test("fees in parts per million round down exactly, even for the largest amounts", () => {
  assert.equal(mulPpmFloor(22_500_000_000, 1000), 22_500_000);
  assert.equal(mulPpmFloor(999, 1000), 0);
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: MAX_UNITS }),
      fc.integer({ min: 0, max: 1_000_000 }),
      (a, r) => {
        assert.equal(BigInt(mulPpmFloor(a, r)), (BigInt(a) * BigInt(r)) / 1_000_000n);
      },
    ),
    { numRuns: 5000 },
  );
});
