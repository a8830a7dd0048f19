// The Binance routes build klines and 24-hour statistics by paging a
// symbol's trades back in time. Over a store holding several pages (and
// milliseconds shared by many trades) every trade is seen exactly once, in
// order, and a millisecond holding more than a page is refused, not looped.

import assert from "node:assert/strict";
import { test } from "node:test";
import { scanTrades } from "../../../src/gateway/binance/history.ts";
import type { MarketTradeRow, Page, SettlementReads } from "../../../src/store/mod.ts";
import { MAX_QUERY_LIMIT } from "../../../src/store/mod.ts";

function storeOf(trades: MarketTradeRow[]): SettlementReads {
  const marketTrades = async (q: Page & { symbol_id: number }) =>
    trades
      .filter((t) => t.symbol_id === q.symbol_id)
      .filter((t) => q.end_time === undefined || t.ts_ms <= q.end_time)
      .sort((a, b) => b.trade_id - a.trade_id)
      .slice(0, q.limit);
  return { marketTrades } as unknown as SettlementReads;
}

function trade(trade_id: number, ts_ms: number): MarketTradeRow {
  return { trade_id, ts_ms, symbol_id: 1 } as MarketTradeRow;
}

test("every trade once, newest first, across pages and shared milliseconds", async () => {
  const trades: MarketTradeRow[] = [];
  // 2,500 trades, seven to a millisecond: page ends fall inside a millisecond.
  for (let i = 1; i <= 2500; i++) trades.push(trade(i, 1_000 + Math.floor(i / 7)));
  const { rows, boundary } = await scanTrades(storeOf(trades), 1, () => true);
  assert.equal(boundary, null);
  assert.deepEqual(
    rows.map((t) => t.trade_id),
    trades.map((t) => t.trade_id).reverse(),
  );
});

test("the first trade refused is the boundary", async () => {
  const trades = Array.from({ length: 1500 }, (_, i) => trade(i + 1, 5_000 + i));
  const { rows, boundary } = await scanTrades(storeOf(trades), 1, (t) => t.ts_ms >= 5_200);
  assert.equal(rows.length, 1300);
  assert.equal(boundary?.trade_id, 200);
});

test("a millisecond with more trades than a page holds answers -1127", async () => {
  const trades = Array.from({ length: MAX_QUERY_LIMIT + 5 }, (_, i) => trade(i + 1, 9_000));
  await assert.rejects(
    scanTrades(storeOf(trades), 1, () => true),
    (err: Error) => {
      assert.match(err.message, /share one millisecond/);
      return true;
    },
  );
});
