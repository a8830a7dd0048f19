import assert from "node:assert/strict";
import { test } from "node:test";
import { BookSide, RestingOrder } from "../../../src/core/mod.ts";

function order(id: number, price: number, lots = 1): RestingOrder {
  return new RestingOrder(id, 1, 2, 1, 1, price, lots, lots, 0, 0, lots, "", 0, 2, false, 0);
}

test("the best ask is the lowest live price; emptied levels are skipped", () => {
  const asks = new BookSide(false);
  const a = order(1, 105);
  const b = order(2, 101);
  const c = order(3, 103);
  for (const o of [a, b, c]) asks.insert(o);
  assert.equal(asks.bestPrice(), 101);
  asks.remove(b);
  assert.equal(asks.bestPrice(), 103);
  asks.insert(order(4, 101));
  assert.equal(asks.bestPrice(), 101, "a level can come back after emptying");
  assert.deepEqual(
    asks.depth(10).map((l) => l.price_ticks),
    [101, 103, 105],
  );
});

test("cancel anywhere in a deep level unlinks in place and keeps FIFO order", () => {
  const bids = new BookSide(true);
  const orders = Array.from({ length: 1000 }, (_, i) => order(i + 1, 500, 2));
  for (const o of orders) bids.insert(o);
  for (let i = 1; i < 1000; i += 2) bids.remove(orders[i] as RestingOrder);
  const left = [...bids.ordersInPriority()].map((o) => o.order_id);
  assert.equal(left.length, 500);
  assert.deepEqual(left.slice(0, 3), [1, 3, 5]);
  assert.equal(bids.depth(1)[0]?.qty_lots, 1000);
});

test("levels emptied deep in the book do not accumulate", () => {
  const bids = new BookSide(true);
  bids.insert(order(1, 1_000_000));
  for (let i = 0; i < 50_000; i++) {
    const o = order(i + 2, 1000 + i);
    bids.insert(o);
    bids.remove(o);
  }
  assert.equal(bids.levelCount(), 1);
  assert.ok(
    (bids as unknown as { heap: unknown[] }).heap.length < 200,
    "empty levels were compacted away",
  );
  assert.equal(bids.bestPrice(), 1_000_000);
});
