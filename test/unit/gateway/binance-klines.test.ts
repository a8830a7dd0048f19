// Candles and 24-hour statistics from trades, exactly: interval alignment
// (weeks on Monday, calendar months, time zones), integer sums, signed
// decimals, and percentages by integer division.

import assert from "node:assert/strict";
import { test } from "node:test";
import { loadSpec, Side } from "../../../src/core/mod.ts";
import {
  bigText,
  buildKlines,
  closeTimeOf,
  openTimeOf,
  tickerStats,
  timeZoneMs,
} from "../../../src/gateway/binance/mod.ts";
import type { MarketTradeRow } from "../../../src/store/mod.ts";

const spec = loadSpec();
const BTC = spec.symbolByName.get("BTC_USDT")!;
const utc = (s: string) => Date.parse(`${s}Z`);

test("intervals open on their boundaries: minutes, Monday weeks, calendar months, time zones", () => {
  assert.equal(openTimeOf(utc("2024-03-13T10:17:42.5"), "15m", 0), utc("2024-03-13T10:15:00"));
  assert.equal(closeTimeOf(utc("2024-03-13T10:15:00"), "15m", 0), utc("2024-03-13T10:29:59.999"));
  assert.equal(openTimeOf(utc("2024-03-13T10:17:42"), "1w", 0), utc("2024-03-11T00:00:00"));
  assert.equal(openTimeOf(utc("2024-03-11T00:00:00"), "1w", 0), utc("2024-03-11T00:00:00"));
  assert.equal(openTimeOf(utc("2024-02-29T23:59:59"), "1M", 0), utc("2024-02-01T00:00:00"));
  assert.equal(closeTimeOf(utc("2024-02-01T00:00:00"), "1M", 0), utc("2024-02-29T23:59:59.999"));
  const eight = timeZoneMs("8");
  assert.equal(eight, 8 * 3_600_000);
  // 20:00 UTC is 04:00 the next day at UTC+8: that day opened at 16:00 UTC.
  assert.equal(openTimeOf(utc("2024-03-13T20:00:00"), "1d", eight), utc("2024-03-13T16:00:00"));
  assert.equal(timeZoneMs("-1:30"), -90 * 60_000);
  assert.equal(timeZoneMs("05:45"), (5 * 60 + 45) * 60_000);
  for (const bad of ["15", "-13", "1:60", "x"]) assert.throws(() => timeZoneMs(bad), bad);
});

const trade = (
  id: number,
  ts_ms: number,
  price: string,
  qty: string,
  side: Side,
): MarketTradeRow => ({
  trade_id: id,
  symbol_id: BTC.id,
  price_ticks: Math.round(Number(price) * 100),
  qty_lots: Math.round(Number(qty) * 10_000),
  quote_units:
    Math.round(Number(price) * 100) * Math.round(Number(qty) * 10_000) * BTC.notional_per_tick_lot,
  taker_side: side,
  ts_ms,
  output_seq: id,
});

test("a candle per interval that had trades, with exact sums", () => {
  const t0 = utc("2024-03-13T10:00:00");
  const trades = [
    trade(1, t0 + 1000, "100.10", "0.5", Side.Buy),
    trade(2, t0 + 2000, "101.00", "0.25", Side.Sell),
    trade(3, t0 + 3000, "99.99", "1", Side.Buy),
    trade(4, t0 + 61_000, "100.00", "0.0001", Side.Sell),
  ];
  const k = buildKlines(trades, "1m", 0);
  assert.equal(k.length, 2);
  const [a, b] = k;
  assert.deepEqual(
    [a?.open_ms, a?.open_ticks, a?.high_ticks, a?.low_ticks, a?.close_ticks, a?.count],
    [t0, 10010, 10100, 9999, 9999, 3],
  );
  assert.equal(bigText((a?.volume_lots ?? 0n) * BigInt(BTC.lot_units), 8), "1.75000000");
  assert.equal(bigText(a?.quote_units ?? 0n, 6), "175.290000");
  assert.equal(bigText(a?.taker_buy_lots ?? 0n, 4), "1.5000");
  assert.equal(b?.open_ms, t0 + 60_000);
});

test("24-hour statistics: change, percent truncated toward zero, weighted average", () => {
  const t0 = utc("2024-03-13T10:00:00");
  const before = trade(1, t0 - 90_000_000, "120.00", "1", Side.Buy);
  const inWindow = [
    trade(2, t0, "100.00", "1", Side.Buy),
    trade(3, t0 + 1, "99.00", "3", Side.Sell),
  ];
  const s = tickerStats(BTC, inWindow, before, t0 - 1, t0 + 86_400_000);
  assert.equal(s.priceChange, "-1.000000");
  assert.equal(s.priceChangePercent, "-1.000");
  assert.equal(s.weightedAvgPrice, "99.250000");
  assert.equal(s.prevClosePrice, "120.000000");
  assert.deepEqual(
    [s.openPrice, s.highPrice, s.lowPrice, s.lastPrice],
    ["100.000000", "100.000000", "99.000000", "99.000000"],
  );
  assert.deepEqual(
    [s.volume, s.quoteVolume, s.count, s.firstId, s.lastId],
    ["4.00000000", "397.000000", 2, 2, 3],
  );
  const empty = tickerStats(BTC, [], before, 0, 1);
  assert.deepEqual(
    [empty.lastPrice, empty.count, empty.firstId, empty.volume],
    ["120.000000", 0, -1, "0.00000000"],
  );
  assert.equal(bigText(-5n, 3), "-0.005");
  assert.equal(bigText(123n, 0), "123");
});
