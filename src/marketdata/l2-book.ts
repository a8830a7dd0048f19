// A price-level book kept from depth diffs, exactly as a stream client keeps
// one: a snapshot at an update id, then each diff whose range continues it.
// The gateway serves REST depth, top-N and the book ticker from it, so the
// `last_update_id` it answers and the stream it sends come from one place.
// Levels are a Map for lookups plus a sorted price array for the top N.

import { InvariantError } from "../core/mod.ts";
import type { BookSnapshot, DepthDiff } from "./types.ts";

export interface L2Level {
  price_ticks: number;
  qty_lots: number;
  orders: number;
}

class L2Side {
  private readonly qty = new Map<number, number>();
  private readonly orders = new Map<number, number>();
  /** Best first: descending for bids, ascending for asks. */
  private readonly prices: number[] = [];

  constructor(private readonly is_bid: boolean) {}

  /** Index where `price` is or would go. */
  private find(price: number): number {
    const a = this.prices;
    let lo = 0;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const p = a[mid] as number;
      if (this.is_bid ? p > price : p < price) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  set(price: number, qty_lots: number, orders: number): void {
    if (qty_lots === 0) {
      if (!this.qty.delete(price)) return;
      this.orders.delete(price);
      this.prices.splice(this.find(price), 1);
      return;
    }
    if (!this.qty.has(price)) this.prices.splice(this.find(price), 0, price);
    this.qty.set(price, qty_lots);
    this.orders.set(price, orders);
  }

  clear(): void {
    this.qty.clear();
    this.orders.clear();
    this.prices.length = 0;
  }

  get size(): number {
    return this.prices.length;
  }

  level(i: number): L2Level | null {
    const p = this.prices[i];
    if (p === undefined) return null;
    return { price_ticks: p, qty_lots: this.qty.get(p) ?? 0, orders: this.orders.get(p) ?? 0 };
  }

  top(n: number): L2Level[] {
    const out: L2Level[] = [];
    const end = Math.min(n, this.prices.length);
    for (let i = 0; i < end; i++) out.push(this.level(i) as L2Level);
    return out;
  }

  /** Flat price, qty, orders of every level, best first. */
  flat(): number[] {
    const out: number[] = [];
    for (const p of this.prices) out.push(p, this.qty.get(p) ?? 0, this.orders.get(p) ?? 0);
    return out;
  }
}

export class L2Book {
  readonly bids = new L2Side(true);
  readonly asks = new L2Side(false);
  /** The update id the book stands at; 0 until it has a snapshot. */
  update_id = 0;

  constructor(readonly symbol_id: number) {}

  load(s: BookSnapshot): void {
    this.bids.clear();
    this.asks.clear();
    for (let i = 0; i < s.bids.length; i += 3) {
      this.bids.set(s.bids[i] as number, s.bids[i + 1] as number, s.bids[i + 2] as number);
    }
    for (let i = 0; i < s.asks.length; i += 3) {
      this.asks.set(s.asks[i] as number, s.asks[i + 1] as number, s.asks[i + 2] as number);
    }
    this.update_id = s.last_update_id;
  }

  /**
   * Apply a diff by the documented procedure: "stale" when it ends at or
   * before the book (ignored), "gap" when it starts after the book's next id
   * (nothing applied: resync), otherwise applied.
   */
  apply(d: DepthDiff): "applied" | "stale" | "gap" {
    if (d.last_update_id <= this.update_id) return "stale";
    if (d.first_update_id > this.update_id + 1) return "gap";
    for (let i = 0; i < d.bids.length; i += 3) {
      this.bids.set(d.bids[i] as number, d.bids[i + 1] as number, d.bids[i + 2] as number);
    }
    for (let i = 0; i < d.asks.length; i += 3) {
      this.asks.set(d.asks[i] as number, d.asks[i + 1] as number, d.asks[i + 2] as number);
    }
    this.update_id = d.last_update_id;
    return "applied";
  }

  snapshot(): BookSnapshot {
    return {
      symbol_id: this.symbol_id,
      last_update_id: this.update_id,
      bids: this.bids.flat(),
      asks: this.asks.flat(),
    };
  }

  /** A crossed book can only come from a bug upstream or a missed diff. */
  check(): void {
    const b = this.bids.level(0);
    const a = this.asks.level(0);
    if (b !== null && a !== null && b.price_ticks >= a.price_ticks) {
      throw new InvariantError(
        `L2 book ${this.symbol_id} crossed at update ${this.update_id}: bid ${b.price_ticks} >= ask ${a.price_ticks}`,
      );
    }
  }
}
