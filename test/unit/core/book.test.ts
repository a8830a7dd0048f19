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

test("a dropped level is reused for a new price, never one market data has yet to read", () => {
  const asks = new BookSide(false);
  const spare = (): unknown[] => (asks as unknown as { spare_levels: unknown[] }).spare_levels;
  // As the engine sets it when an order rests: the self-check wants time priority.
  const resting = (id: number, price: number): RestingOrder => {
    const o = order(id, price);
    o.entry_seq = id;
    return o;
  };
  const a = resting(1, 101);
  asks.insert(a);
  asks.insert(resting(2, 105));
  asks.remove(a);
  assert.equal(asks.bestPrice(), 105, "the empty level at the top is dropped");
  assert.equal(spare().length, 1);
  asks.insert(resting(3, 99));
  assert.equal(spare().length, 0, "the new price took the dropped level");
  assert.deepEqual(
    asks.depth(10).map((l) => [l.price_ticks, l.qty_lots]),
    [
      [99, 1],
      [105, 1],
    ],
  );
  asks.validateInternalState("asks");

  // With change marks on, a level emptied and dropped in one command is read
  // after it (its price, a total of 0): it must keep its price until then.
  asks.track_changes = true;
  const b = resting(4, 99);
  asks.remove(asks.ordersInPriority().next().value as RestingOrder);
  asks.insert(b);
  asks.remove(b);
  assert.equal(asks.bestPrice(), 105);
  assert.equal(spare().length, 0, "a marked level is not kept for reuse");
  asks.insert(resting(5, 98));
  const marked = asks.changed.map((l) => [l.price_ticks, l.count]);
  assert.deepEqual(marked, [
    [99, 0],
    [98, 1],
  ]);
  asks.clearChanged();
  asks.validateInternalState("asks");
});
