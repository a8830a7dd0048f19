import { InvariantError } from "./errors.ts";
import { IntMap } from "./int-map.ts";

// UBSCore's registry of open orders (resting or waiting for a trigger):
// owner, symbol, side, OCO partner and client order id by order id. Kept in
// growable typed columns indexed by a recycled slot, so an order entering
// the book allocates nothing the collector must later chase (an order lives
// long enough to be promoted, then dies). Each user's orders are also
// threaded on a circular doubly linked list through the slots, in order-id
// order, so cancel-all and the dead-man's switch visit only that user's
// orders. The head of each list lives with the user (UBSCore's Account),
// which every caller already holds: no second lookup per order.

const NONE = -1;

/** Where a user's list of open orders starts: a slot, or -1 when the user has none. */
export interface OrderListHead {
  order_head_slot: number;
}

export class OpenOrders {
  private readonly slot_of = new IntMap(1024);
  private ids = new Float64Array(1024);
  private users = new Float64Array(1024);
  private links = new Float64Array(1024);
  private symbols = new Uint16Array(1024);
  private sides = new Uint8Array(1024);
  private next = new Int32Array(1024);
  private prev = new Int32Array(1024);
  private cids: string[] = new Array(1024).fill("");
  private readonly free: number[] = [];
  private used = 0;

  get size(): number {
    return this.slot_of.size;
  }

  /**
   * Register an open order of the user whose list starts at `list`; ids must
   * arrive in ascending order per user (they do: ids are a sequence).
   */
  add(
    order_id: number,
    user_id: number,
    symbol_id: number,
    side: number,
    cid: string,
    link_order_id: number,
    list: OrderListHead,
  ): void {
    let slot = this.free.pop();
    if (slot === undefined) {
      if (this.used === this.users.length) this.grow();
      slot = this.used++;
    }
    this.ids[slot] = order_id;
    this.users[slot] = user_id;
    this.symbols[slot] = symbol_id;
    this.sides[slot] = side;
    this.links[slot] = link_order_id;
    this.cids[slot] = cid;
    this.slot_of.set(order_id, slot);
    const head = list.order_head_slot;
    if (head === NONE) {
      this.next[slot] = slot;
      this.prev[slot] = slot;
      list.order_head_slot = slot;
    } else {
      // Append at the tail (the head's predecessor): the list stays in id order.
      const tail = this.prev[head] as number;
      this.next[tail] = slot;
      this.prev[slot] = tail;
      this.next[slot] = head;
      this.prev[head] = slot;
    }
  }

  /** The owner of an open order, or -1 when it is not open. */
  userOf(order_id: number): number {
    const slot = this.slot_of.get(order_id);
    return slot === NONE ? -1 : (this.users[slot] as number);
  }

  symbolOf(order_id: number): number {
    const slot = this.slot_of.get(order_id);
    return slot === NONE ? 0 : (this.symbols[slot] as number);
  }

  sideOf(order_id: number): number {
    const slot = this.slot_of.get(order_id);
    return slot === NONE ? 0 : (this.sides[slot] as number);
  }

  /** The other leg of an open OCO leg, or 0. */
  linkOf(order_id: number): number {
    const slot = this.slot_of.get(order_id);
    return slot === NONE ? 0 : (this.links[slot] as number);
  }

  cidOf(order_id: number): string {
    const slot = this.slot_of.get(order_id);
    return slot === NONE ? "" : (this.cids[slot] as string);
  }

  /** Remove an open order of the user whose list starts at `list`; returns its client order id. */
  remove(order_id: number, list: OrderListHead): string {
    const slot = this.slot_of.get(order_id);
    if (slot === NONE) throw new InvariantError(`open orders: ${order_id} is not open`);
    this.slot_of.delete(order_id);
    const nx = this.next[slot] as number;
    if (nx === slot) {
      list.order_head_slot = NONE;
    } else {
      const pv = this.prev[slot] as number;
      this.next[pv] = nx;
      this.prev[nx] = pv;
      if (list.order_head_slot === slot) list.order_head_slot = nx;
    }
    // A partner that outlives this leg is no longer linked.
    const link = this.links[slot] as number;
    if (link !== 0) {
      const other = this.slot_of.get(link);
      if (other !== NONE) this.links[other] = 0;
    }
    const cid = this.cids[slot] as string;
    this.cids[slot] = "";
    this.free.push(slot);
    return cid;
  }

  /**
   * The open orders of the user whose list starts at `list`, in one symbol
   * (or every symbol when symbol_id is 0), in ascending id order, appended
   * to `into` (which is returned).
   */
  ofUser(list: OrderListHead, symbol_id: number, into: number[]): number[] {
    const head = list.order_head_slot;
    if (head === NONE) return into;
    let slot = head;
    do {
      if (symbol_id === 0 || this.symbols[slot] === symbol_id) into.push(this.ids[slot] as number);
      slot = this.next[slot] as number;
    } while (slot !== head);
    return into;
  }

  /** Open orders by ascending id (the order they were opened in), for snapshots. */
  forEach(
    fn: (
      order_id: number,
      user_id: number,
      symbol_id: number,
      side: number,
      cid: string,
      link_order_id: number,
    ) => void,
  ): void {
    for (const order_id of this.slot_of.keysAscending()) {
      const slot = this.slot_of.get(order_id);
      fn(
        order_id,
        this.users[slot] as number,
        this.symbols[slot] as number,
        this.sides[slot] as number,
        this.cids[slot] as string,
        this.links[slot] as number,
      );
    }
  }

  /**
   * Every user list (heads by user) is a consistent circle in id order and
   * together they cover exactly the registry; OCO links are symmetric.
   * Throws InvariantError.
   */
  validateInternalState(heads: ReadonlyMap<number, OrderListHead>): void {
    const fail = (m: string): never => {
      throw new InvariantError(`open orders: ${m}`);
    };
    let listed = 0;
    for (const [user_id, list] of heads) {
      const head = list.order_head_slot;
      if (head === NONE) continue;
      let slot = head;
      let last = 0;
      do {
        const id = this.ids[slot] as number;
        if (this.slot_of.get(id) !== slot)
          fail(`slot ${slot} of user ${user_id} is not order ${id}'s`);
        if (this.users[slot] !== user_id) fail(`order ${id} on user ${user_id}'s list`);
        if (id <= last) fail(`user ${user_id}'s list is out of id order at ${id}`);
        if (this.prev[this.next[slot] as number] !== slot) fail(`broken link at order ${id}`);
        last = id;
        listed++;
        slot = this.next[slot] as number;
      } while (slot !== head);
    }
    if (listed !== this.size) fail(`${listed} orders on user lists, ${this.size} registered`);
    this.forEach((order_id, user_id, _symbol, side, _cid, link) => {
      if (link === 0) return;
      const other = this.slot_of.get(link);
      if (other === NONE) fail(`order ${order_id} linked to closed order ${link}`);
      if (this.links[other] !== order_id) fail(`OCO link ${order_id} -> ${link} not symmetric`);
      if (this.users[other] !== user_id || this.sides[other] !== side) {
        fail(`OCO legs ${order_id} and ${link} differ in owner or side`);
      }
    });
  }

  private grow(): void {
    const n = this.users.length * 2;
    const f64 = (a: Float64Array) => {
      const b = new Float64Array(n);
      b.set(a);
      return b;
    };
    const i32 = (a: Int32Array) => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.ids = f64(this.ids);
    this.users = f64(this.users);
    this.links = f64(this.links);
    const symbols = new Uint16Array(n);
    symbols.set(this.symbols);
    this.symbols = symbols;
    const sides = new Uint8Array(n);
    sides.set(this.sides);
    this.sides = sides;
    this.next = i32(this.next);
    this.prev = i32(this.prev);
    for (let i = this.cids.length; i < n; i++) this.cids.push("");
  }
}
