import assert from "node:assert/strict";
import { test } from "node:test";
import {
  allErrors,
  type BourseConfig,
  ConfigError,
  compile,
  DEFAULT_CONFIG,
  loadSpec,
  MAX_UNITS,
} from "../../../src/core/mod.ts";

function withSymbol(patch: Partial<BourseConfig["symbols"][number]>): BourseConfig {
  const [first, ...rest] = DEFAULT_CONFIG.symbols;
  return {
    ...DEFAULT_CONFIG,
    symbols: [{ ...(first as BourseConfig["symbols"][number]), ...patch }, ...rest],
  };
}

test("the default config compiles to exact integer specs", () => {
  const spec = loadSpec();
  assert.deepEqual(
    spec.assets.map((a) => [a.id, a.name, a.decimals]),
    [
      [1, "BTC", 8],
      [2, "USDT", 6],
      [3, "ETH", 8],
    ],
  );
  const btc = spec.symbolByName.get("BTC_USDT");
  assert.equal(btc?.tick_units, 10_000);
  assert.equal(btc?.lot_units, 10_000);
  assert.equal(btc?.notional_per_tick_lot, 1);
  assert.equal(btc?.max_price_ticks, 100_000_000);
  assert.equal(btc?.max_qty_lots, 10_000_000);
  assert.ok((btc?.max_price_ticks ?? 0) * (btc?.max_qty_lots ?? 0) <= MAX_UNITS);
});

test("a config whose largest order could overflow is refused at start-up", () => {
  assert.throws(
    () => compile(withSymbol({ max_price: "100000000", max_quantity: "100000" })),
    (err) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /overflows exact integers/);
      return true;
    },
  );
});

test("a lot at a tick must be a whole number of quote units", () => {
  assert.throws(
    () => compile(withSymbol({ lot_size: "0.00000001", tick_size: "0.01" })),
    /whole number/,
  );
});

test("unknown assets, duplicate ids and bad fees are refused with the offending field named", () => {
  assert.throws(
    () => compile(withSymbol({ base: "DOGE", name: "DOGE_USDT" })),
    /unknown base asset DOGE/,
  );
  assert.throws(() => compile(withSymbol({ id: 2 })), /duplicate id 2/);
  assert.throws(() => compile(withSymbol({ taker_fee_ppm: 200_000 })), /taker_fee_ppm/);
  assert.throws(() => compile(withSymbol({ tick_size: "0.0000001" })), /tick_size.*precision/);
});

test("error codes and ids are unique and every error has an HTTP status", () => {
  const codes = new Set(allErrors.map((e) => e.code));
  const ids = new Set(allErrors.map((e) => e.id));
  assert.equal(codes.size, allErrors.length);
  assert.equal(ids.size, allErrors.length);
  for (const e of allErrors) assert.ok(e.http >= 200 && e.http < 600, e.code);
});
