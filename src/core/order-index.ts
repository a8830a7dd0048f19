// The matching engine's orders by id, for cancels: an IntMap from order id to
// a slot in an array of nodes, with the Map methods the engine uses.

import type { RestingOrder } from "./book.ts";
import { IntMap } from "./int-map.ts";

export class OrderIndex {
  private readonly slots = new IntMap(1024);
  private readonly nodes: (RestingOrder | undefined)[] = [];
  private readonly free: number[] = [];

  get size(): number {
    return this.slots.size;
  }

  get(order_id: number): RestingOrder | undefined {
    const slot = this.slots.get(order_id);
    return slot === -1 ? undefined : this.nodes[slot];
  }

  set(order_id: number, o: RestingOrder): void {
    const free =
      this.free.length > 0 ? (this.free[this.free.length - 1] as number) : this.nodes.length;
    const existing = this.slots.getOrSet(order_id, free);
    if (existing !== -1) {
      this.nodes[existing] = o;
      return;
    }
    if (free === this.nodes.length) this.nodes.push(o);
    else {
      this.free.pop();
      this.nodes[free] = o;
    }
  }

  delete(order_id: number): boolean {
    const slot = this.slots.take(order_id);
    if (slot === -1) return false;
    this.nodes[slot] = undefined;
    this.free.push(slot);
    return true;
  }

  /** Each order by ascending id, allocating nothing (the snapshot pause walks them all). */
  forEachAscending(fn: (o: RestingOrder) => void): void {
    const nodes = this.nodes;
    this.slots.forEachAscending(
      (order_id, slot) => nodes[slot]?.order_id === order_id,
      (_id, slot) => fn(nodes[slot] as RestingOrder),
    );
  }

  /** Orders by ascending id: their arrival order, so also time priority within a level. */
  values(): RestingOrder[] {
    const ids = this.slots.keysAscending();
    const out: RestingOrder[] = new Array(ids.length);
    for (let i = 0; i < ids.length; i++)
      out[i] = this.nodes[this.slots.get(ids[i] as number)] as RestingOrder;
    return out;
  }
}
