// Waiting stop orders of one symbol and one trigger direction, in the order
// they trigger: an indexed binary heap of order nodes (each node keeps its
// heap position, so cancelling a waiting stop is O(log n) and nothing is
// allocated per stop). Rising stops (last trade price >= stop price) come
// out lowest stop price first, falling stops (<= stop price) highest first;
// equal stop prices by order id, which is arrival order.

import type { RestingOrder } from "./book.ts";
import { InvariantError } from "./errors.ts";

export class StopHeap {
  private readonly heap: RestingOrder[] = [];

  /** rising: triggers when the price rises to the stop; false: when it falls to it. */
  constructor(readonly rising: boolean) {}

  get size(): number {
    return this.heap.length;
  }

  private before(a: RestingOrder, b: RestingOrder): boolean {
    if (a.stop_price_ticks !== b.stop_price_ticks) {
      return this.rising
        ? a.stop_price_ticks < b.stop_price_ticks
        : a.stop_price_ticks > b.stop_price_ticks;
    }
    return a.order_id < b.order_id;
  }

  /** The next stop to trigger, or null. */
  peek(): RestingOrder | null {
    return this.heap.length === 0 ? null : (this.heap[0] as RestingOrder);
  }

  /** Would the next stop trigger at a trade at `price_ticks`? */
  triggersAt(price_ticks: number): boolean {
    const top = this.heap[0];
    if (top === undefined) return false;
    return this.rising ? price_ticks >= top.stop_price_ticks : price_ticks <= top.stop_price_ticks;
  }

  push(o: RestingOrder): void {
    o.stop_index = this.heap.length;
    this.heap.push(o);
    this.siftUp(o.stop_index);
  }

  pop(): RestingOrder {
    const top = this.heap[0];
    if (top === undefined) throw new InvariantError("stop heap: pop of an empty heap");
    this.remove(top);
    return top;
  }

  remove(o: RestingOrder): void {
    const heap = this.heap;
    const i = o.stop_index;
    if (heap[i] !== o) throw new InvariantError(`stop heap: order ${o.order_id} is not in it`);
    const last = heap.pop() as RestingOrder;
    o.stop_index = -1;
    if (last === o) return;
    heap[i] = last;
    last.stop_index = i;
    this.siftDown(i);
    this.siftUp(last.stop_index);
  }

  /** Every waiting stop, heap order (not trigger order): for snapshots and checks. */
  values(): readonly RestingOrder[] {
    return this.heap;
  }

  /** Heap order and positions; throws InvariantError. For tests, never the hot path. */
  validateInternalState(where: string): void {
    const heap = this.heap;
    for (let i = 0; i < heap.length; i++) {
      const o = heap[i] as RestingOrder;
      const name = `${where} ${this.rising ? "rising" : "falling"} stops: order ${o.order_id}`;
      if (o.stop_index !== i)
        throw new InvariantError(`${name} has index ${o.stop_index}, is at ${i}`);
      if (o.level !== null) throw new InvariantError(`${name} is also on a level`);
      if (i > 0 && this.before(o, heap[(i - 1) >> 1] as RestingOrder)) {
        throw new InvariantError(`${name} breaks the heap order`);
      }
    }
  }

  private siftUp(i: number): void {
    const heap = this.heap;
    const item = heap[i] as RestingOrder;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as RestingOrder;
      if (!this.before(item, p)) break;
      heap[i] = p;
      p.stop_index = i;
      i = parent;
    }
    heap[i] = item;
    item.stop_index = i;
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    const n = heap.length;
    const item = heap[i] as RestingOrder;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && this.before(heap[r] as RestingOrder, heap[l] as RestingOrder)) c = r;
      const child = heap[c] as RestingOrder;
      if (!this.before(child, item)) break;
      heap[i] = child;
      child.stop_index = i;
      i = c;
    }
    heap[i] = item;
    item.stop_index = i;
  }
}
