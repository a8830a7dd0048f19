// One side of one symbol's order book. Price levels are FIFO doubly linked
// lists (intrusive: the order is the node), so removing any order is O(1). The
// best level comes from a binary heap of levels; a level that empties stays in
// the heap until it surfaces (or a compaction), which keeps cancel O(1) and
// insert of a new price O(log levels). No operation walks the orders of a level
// except matching, which consumes them.

import type { OrderType, Side, Stp, TimeInForce } from "./enums.ts";
import { InvariantError } from "./errors.ts";
import { IntMap } from "./int-map.ts";

/** Where an order node is: being matched (in no structure), resting on a book side, or waiting for its trigger. */
export const Where = { InFlight: 0, Resting: 1, Waiting: 2 } as const;
export type Where = (typeof Where)[keyof typeof Where];

export class RestingOrder {
  prev: RestingOrder | null = null;
  next: RestingOrder | null = null;
  level: Level | null = null;
  /** The other leg of its OCO while both legs are open; null otherwise. */
  oco: RestingOrder | null = null;
  /** Order of entry into its book (time priority within a level); set each time it (re)joins a level. */
  entry_seq = 0;
  /** Position in its stop heap while waiting; -1 otherwise (maintained by the heap). */
  stop_index = -1;

  /** On a level, in a stop heap, or in neither (being matched): derived, so nothing extra to keep in step. */
  get where(): Where {
    return this.level !== null
      ? Where.Resting
      : this.stop_index >= 0
        ? Where.Waiting
        : Where.InFlight;
  }

  constructor(
    public order_id: number,
    public user_id: number,
    public side: Side,
    public order_type: OrderType,
    public tif: TimeInForce,
    public price_ticks: number,
    public qty_lots: number,
    public remaining_lots: number,
    public filled_lots: number,
    public filled_quote_units: number,
    /** What is still frozen for this order in UBSCore; released when it completes. */
    public frozen_units: number,
    public cid: string,
    public ts_ms: number,
    public stp: Stp,
    public post_only: boolean,
    /** A stop type's trigger; 0 otherwise. */
    public stop_price_ticks: number,
  ) {}
}

/**
 * Recycles order nodes. Orders live long enough to be promoted out of the
 * young generation and then die, the costliest pattern for the collector;
 * reusing nodes keeps the book's churn off the heap.
 */
export class OrderPool {
  private readonly free: RestingOrder[] = [];
  /** Nodes made (not taken from the free list): the book's growth, when reuse works. */
  made = 0;

  constructor(private readonly max_free = 65_536) {}

  acquire(
    order_id: number,
    user_id: number,
    side: Side,
    order_type: OrderType,
    tif: TimeInForce,
    price_ticks: number,
    qty_lots: number,
    frozen_units: number,
    cid: string,
    ts_ms: number,
    stp: Stp,
    post_only: boolean,
    stop_price_ticks: number,
  ): RestingOrder {
    const o = this.free.pop();
    if (o === undefined) {
      this.made++;
      return new RestingOrder(
        order_id,
        user_id,
        side,
        order_type,
        tif,
        price_ticks,
        qty_lots,
        qty_lots,
        0,
        0,
        frozen_units,
        cid,
        ts_ms,
        stp,
        post_only,
        stop_price_ticks,
      );
    }
    o.order_id = order_id;
    o.user_id = user_id;
    o.side = side;
    o.order_type = order_type;
    o.tif = tif;
    o.price_ticks = price_ticks;
    o.qty_lots = qty_lots;
    o.remaining_lots = qty_lots;
    o.filled_lots = 0;
    o.filled_quote_units = 0;
    o.frozen_units = frozen_units;
    o.cid = cid;
    o.ts_ms = ts_ms;
    o.stp = stp;
    o.post_only = post_only;
    o.stop_price_ticks = stop_price_ticks;
    return o;
  }

  /** The order left the book for good and nothing refers to it any more. */
  release(o: RestingOrder): void {
    o.prev = null;
    o.next = null;
    o.level = null;
    o.oco = null;
    o.entry_seq = 0;
    o.stop_index = -1;
    o.cid = "";
    if (this.free.length < this.max_free) this.free.push(o);
  }
}

export class Level {
  head: RestingOrder | null = null;
  tail: RestingOrder | null = null;
  count = 0;
  total_lots = 0;
  /** Position in the heap array; maintained by the heap. */
  heap_index = -1;
  /** True while the level is listed in its side's `changed` (see BookSide.track_changes). */
  changed = false;

  constructor(public price_ticks: number) {}
}

/** Dropped levels kept for new prices (see BookSide.dropLevel); a bound on what the spare list holds. */
const SPARE_LEVELS = 1024;

/** Bids order by higher price first, asks by lower. */
export class BookSide {
  /**
   * Levels by price: an IntMap to a slot of `level_at`. A JS Map rebuilt its
   * table as sweeps emptied levels and new prices opened others, a cost paid
   * by the orders that make the latency tail.
   */
  private readonly level_slot = new IntMap(64, false);
  private readonly level_at: (Level | undefined)[] = [];
  private readonly free_slots: number[] = [];
  /**
   * Levels dropped from the book, reused for the next new prices: prices
   * open and close all day, and a level object made for each was garbage
   * soon after (about 7% of what the core allocated per command).
   */
  private readonly spare_levels: Level[] = [];
  private readonly heap: Level[] = [];
  private empty_levels = 0;
  order_count = 0;
  /**
   * Market data's change marks: while on, every level whose total changes is
   * listed once in `changed` (in the order of its first change), for a
   * consumer to read the new totals after each command and clear. Off by
   * default, because nothing else empties the list.
   */
  track_changes = false;
  readonly changed: Level[] = [];

  constructor(readonly is_bid: boolean) {}

  private levelAt(price_ticks: number): Level | undefined {
    const slot = this.level_slot.get(price_ticks);
    return slot === -1 ? undefined : this.level_at[slot];
  }

  private addLevel(level: Level): void {
    const slot = this.free_slots.pop() ?? this.level_at.length;
    this.level_at[slot] = level;
    this.level_slot.set(level.price_ticks, slot);
  }

  private dropLevel(level: Level): void {
    const slot = this.level_slot.take(level.price_ticks);
    if (slot === -1) throw new InvariantError(`level ${level.price_ticks} is not in the price map`);
    this.level_at[slot] = undefined;
    this.free_slots.push(slot);
    // A level listed in `changed` is read by market data after the command
    // (its price, its total of 0): it may not take another price before.
    if (!level.changed && this.spare_levels.length < SPARE_LEVELS) this.spare_levels.push(level);
  }

  private newLevel(price_ticks: number): Level {
    const level = this.spare_levels.pop();
    if (level === undefined) return new Level(price_ticks);
    // Dropped only when empty and off the heap (push sets its index again).
    if (level.count !== 0 || level.head !== null || level.total_lots !== 0) {
      throw new InvariantError(`spare level ${level.price_ticks} is not empty`);
    }
    level.price_ticks = price_ticks;
    return level;
  }

  private mark(level: Level): void {
    if (this.track_changes && !level.changed) {
      level.changed = true;
      this.changed.push(level);
    }
  }

  /** Forget the change marks (after reading them). */
  clearChanged(): void {
    const c = this.changed;
    for (let i = 0; i < c.length; i++) (c[i] as Level).changed = false;
    c.length = 0;
  }

  private before(a: Level, b: Level): boolean {
    return this.is_bid ? a.price_ticks > b.price_ticks : a.price_ticks < b.price_ticks;
  }

  /** The best non-empty level, or null. Discards empty levels that reached the top. */
  best(): Level | null {
    const heap = this.heap;
    while (heap.length > 0) {
      const top = heap[0] as Level;
      if (top.count > 0) return top;
      this.popTop();
      this.dropLevel(top);
      this.empty_levels--;
    }
    return null;
  }

  bestPrice(): number {
    const l = this.best();
    return l === null ? 0 : l.price_ticks;
  }

  /** Append at the tail of its price level (time priority). */
  insert(o: RestingOrder): void {
    let level = this.levelAt(o.price_ticks);
    if (level === undefined) {
      level = this.newLevel(o.price_ticks);
      this.addLevel(level);
      this.push(level);
    } else if (level.count === 0) {
      this.empty_levels--;
    }
    o.level = level;
    o.prev = level.tail;
    o.next = null;
    if (level.tail === null) level.head = o;
    else level.tail.next = o;
    level.tail = o;
    level.count++;
    level.total_lots += o.remaining_lots;
    this.order_count++;
    this.mark(level);
  }

  /** Unlink an order from its level in O(1). */
  remove(o: RestingOrder): void {
    const level = o.level;
    if (level === null) throw new InvariantError(`order ${o.order_id} is not on the book`);
    if (o.prev === null) level.head = o.next;
    else o.prev.next = o.next;
    if (o.next === null) level.tail = o.prev;
    else o.next.prev = o.prev;
    o.prev = null;
    o.next = null;
    o.level = null;
    level.count--;
    level.total_lots -= o.remaining_lots;
    this.order_count--;
    this.mark(level);
    if (level.count === 0) {
      this.empty_levels++;
      // Empty levels wait in the heap; rebuild once they outnumber live ones so
      // memory stays proportional to live levels.
      if (this.empty_levels > 64 && this.empty_levels * 2 > this.heap.length) this.compact();
    }
  }

  /** A fill reduced a resting order's remaining quantity. */
  reduce(o: RestingOrder, lots: number): void {
    o.remaining_lots -= lots;
    const level = o.level as Level;
    level.total_lots -= lots;
    this.mark(level);
  }

  levelCount(): number {
    return this.heap.length - this.empty_levels;
  }

  /**
   * The best price not counting order `x` (0 when nothing else is left): what
   * the book would show once `x` is gone. Cheap unless `x` is alone at the
   * best level; then the next live level is searched for (a rare path:
   * cancel-replace checks only).
   */
  bestPriceExcluding(x: RestingOrder | null): number {
    const best = this.best();
    if (best === null) return 0;
    if (x === null || x.level !== best || best.count > 1) return best.price_ticks;
    let next = 0;
    for (const l of this.heap) {
      if (l === best || l.count === 0) continue;
      if (next === 0 || (this.is_bid ? l.price_ticks > next : l.price_ticks < next)) {
        next = l.price_ticks;
      }
    }
    return next;
  }

  /** Live levels, best first, up to `limit`. For queries, not the hot path. */
  depth(limit: number): { price_ticks: number; qty_lots: number; orders: number }[] {
    const live: Level[] = [];
    for (const l of this.heap) if (l.count > 0) live.push(l);
    live.sort((a, b) =>
      this.is_bid ? b.price_ticks - a.price_ticks : a.price_ticks - b.price_ticks,
    );
    return live
      .slice(0, limit)
      .map((l) => ({ price_ticks: l.price_ticks, qty_lots: l.total_lots, orders: l.count }));
  }

  /** Live levels a taker limited at `limit_ticks` could reach, best first (for FOK checks). */
  crossingLevels(limit_ticks: number, taker_buys: boolean): Level[] {
    const out: Level[] = [];
    for (const l of this.heap) {
      if (
        l.count > 0 &&
        (taker_buys ? l.price_ticks <= limit_ticks : l.price_ticks >= limit_ticks)
      ) {
        out.push(l);
      }
    }
    out.sort((a, b) =>
      this.is_bid ? b.price_ticks - a.price_ticks : a.price_ticks - b.price_ticks,
    );
    return out;
  }

  /** Orders in priority order (best level first, FIFO within), for snapshots. */
  *ordersInPriority(): Generator<RestingOrder> {
    const live: Level[] = [];
    for (const l of this.heap) if (l.count > 0) live.push(l);
    live.sort((a, b) =>
      this.is_bid ? b.price_ticks - a.price_ticks : a.price_ticks - b.price_ticks,
    );
    for (const l of live) for (let o = l.head; o !== null; o = o.next) yield o;
  }

  /**
   * Check every invariant this side relies on; throws InvariantError. Walks
   * everything: for tests and diagnostics, never the hot path. Returns the
   * orders found, in level order, for the caller to cross-check its index.
   */
  validateInternalState(where: string): RestingOrder[] {
    const fail = (m: string): never => {
      throw new InvariantError(`${where} ${this.is_bid ? "bids" : "asks"}: ${m}`);
    };
    const heap = this.heap;
    let empty = 0;
    const seen = new Set<Level>();
    for (let i = 0; i < heap.length; i++) {
      const l = heap[i] as Level;
      if (l.heap_index !== i)
        fail(`level ${l.price_ticks} has heap index ${l.heap_index}, is at ${i}`);
      if (i > 0 && this.before(l, heap[(i - 1) >> 1] as Level)) {
        fail(`heap order broken at level ${l.price_ticks}`);
      }
      if (this.levelAt(l.price_ticks) !== l) fail(`level ${l.price_ticks} not in the price map`);
      if (seen.has(l)) fail(`level ${l.price_ticks} twice in the heap`);
      seen.add(l);
      if (l.count === 0) empty++;
    }
    if (this.level_slot.size !== heap.length) {
      fail(`${this.level_slot.size} levels in the price map, ${heap.length} in the heap`);
    }
    if (this.level_slot.size + this.free_slots.length !== this.level_at.length) {
      fail(
        `level slots: ${this.level_slot.size} used, ${this.free_slots.length} free, of ${this.level_at.length}`,
      );
    }
    if (empty !== this.empty_levels) fail(`${empty} empty levels, counted ${this.empty_levels}`);
    if (this.spare_levels.length > SPARE_LEVELS) fail("more spare levels than the bound");
    for (const l of this.spare_levels) {
      if (seen.has(l)) fail(`spare level ${l.price_ticks} is on the book`);
      if (l.count !== 0 || l.head !== null || l.tail !== null || l.total_lots !== 0 || l.changed) {
        fail(`spare level ${l.price_ticks} is not empty`);
      }
      seen.add(l);
    }
    const out: RestingOrder[] = [];
    for (const l of heap) {
      let count = 0;
      let total = 0;
      let last_seq = 0;
      let prev: RestingOrder | null = null;
      for (let o = l.head; o !== null; o = o.next) {
        if (o.prev !== prev) fail(`order ${o.order_id}: broken back link`);
        if (o.level !== l) fail(`order ${o.order_id} points at another level`);
        if (o.stop_index !== -1) fail(`order ${o.order_id} is on a level and in a stop heap`);
        if (o.price_ticks !== l.price_ticks) fail(`order ${o.order_id} at the wrong price level`);
        if ((o.side === 1) !== this.is_bid) fail(`order ${o.order_id} on the wrong side`);
        if (o.remaining_lots <= 0) fail(`order ${o.order_id} rests with nothing remaining`);
        if (o.entry_seq <= last_seq) fail(`order ${o.order_id} out of time priority`);
        last_seq = o.entry_seq;
        count++;
        total += o.remaining_lots;
        prev = o;
        out.push(o);
      }
      if (l.tail !== prev) fail(`level ${l.price_ticks}: tail is not the last order`);
      if (count !== l.count) fail(`level ${l.price_ticks}: count ${l.count}, holds ${count}`);
      if (total !== l.total_lots)
        fail(`level ${l.price_ticks}: total ${l.total_lots}, sum ${total}`);
    }
    if (out.length !== this.order_count) {
      fail(`order count ${this.order_count}, levels hold ${out.length}`);
    }
    return out;
  }

  private compact(): void {
    const heap = this.heap;
    let n = 0;
    for (const l of heap) {
      if (l.count > 0) heap[n++] = l;
      else this.dropLevel(l);
    }
    heap.length = n;
    this.empty_levels = 0;
    for (let i = 0; i < n; i++) (heap[i] as Level).heap_index = i;
    for (let i = (n >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private push(l: Level): void {
    const heap = this.heap;
    l.heap_index = heap.length;
    heap.push(l);
    this.siftUp(l.heap_index);
  }

  private popTop(): void {
    const heap = this.heap;
    const last = heap.pop() as Level;
    if (heap.length > 0) {
      heap[0] = last;
      last.heap_index = 0;
      this.siftDown(0);
    }
  }

  private siftUp(i: number): void {
    const heap = this.heap;
    const item = heap[i] as Level;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as Level;
      if (!this.before(item, p)) break;
      heap[i] = p;
      p.heap_index = i;
      i = parent;
    }
    heap[i] = item;
    item.heap_index = i;
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    const n = heap.length;
    const item = heap[i] as Level;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && this.before(heap[r] as Level, heap[l] as Level)) c = r;
      const child = heap[c] as Level;
      if (!this.before(child, item)) break;
      heap[i] = child;
      child.heap_index = i;
      i = c;
    }
    heap[i] = item;
    item.heap_index = i;
  }
}
