import { IntMap } from "./int-map.ts";

// UBSCore's registry of open orders: owner, symbol and client order id by
// order id. Kept in growable typed columns indexed by a recycled slot, so an
// order entering the book allocates nothing the collector must later chase
// (an order lives long enough to be promoted, then dies).

export class OpenOrders {
  private readonly slot_of = new IntMap(1024);
  private users = new Float64Array(1024);
  private symbols = new Uint16Array(1024);
  private cids: string[] = new Array(1024).fill("");
  private readonly free: number[] = [];
  private used = 0;

  get size(): number {
    return this.slot_of.size;
  }

  add(order_id: number, user_id: number, symbol_id: number, cid: string): void {
    let slot = this.free.pop();
    if (slot === undefined) {
      if (this.used === this.users.length) this.grow();
      slot = this.used++;
    }
    this.users[slot] = user_id;
    this.symbols[slot] = symbol_id;
    this.cids[slot] = cid;
    this.slot_of.set(order_id, slot);
  }

  /** The owner of an open order, or -1 when it is not open. */
  userOf(order_id: number): number {
    const slot = this.slot_of.get(order_id);
    return slot === -1 ? -1 : (this.users[slot] as number);
  }

  symbolOf(order_id: number): number {
    const slot = this.slot_of.get(order_id);
    return slot === -1 ? 0 : (this.symbols[slot] as number);
  }

  /** Remove an open order; returns its owner and client order id, or null. */
  remove(order_id: number): { user_id: number; cid: string } | null {
    const slot = this.slot_of.get(order_id);
    if (slot === -1) return null;
    this.slot_of.delete(order_id);
    const cid = this.cids[slot] as string;
    this.cids[slot] = "";
    this.free.push(slot);
    return { user_id: this.users[slot] as number, cid };
  }

  /** Open orders by ascending id (the order they were opened in), for snapshots. */
  forEach(fn: (order_id: number, user_id: number, symbol_id: number, cid: string) => void): void {
    for (const order_id of this.slot_of.keysAscending()) {
      const slot = this.slot_of.get(order_id);
      fn(
        order_id,
        this.users[slot] as number,
        this.symbols[slot] as number,
        this.cids[slot] as string,
      );
    }
  }

  private grow(): void {
    const n = this.users.length * 2;
    const users = new Float64Array(n);
    users.set(this.users);
    const symbols = new Uint16Array(n);
    symbols.set(this.symbols);
    this.users = users;
    this.symbols = symbols;
    for (let i = this.cids.length; i < n; i++) this.cids.push("");
  }
}
