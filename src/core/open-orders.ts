import { CidIndex } from "./cid-index.ts";
import { InvariantError } from "./errors.ts";
import { IntMap } from "./int-map.ts";

// UBSCore's registry of open orders (resting or waiting for a trigger):
// owner, symbol, side, OCO partner and client order id by order id. Kept in
// growable typed columns indexed by a recycled slot, so an order entering
// the book allocates nothing the collector must later chase (an order lives
// long enough to be promoted, then dies). A user's orders (cancel-all, the
// dead-man's switch) are found by scanning the owner column: a few hundred
// microseconds at a hundred thousand open orders, paid by those rare
// commands only; per-user lists would cost every order's entry and exit.

const NONE = -1;

export class OpenOrders {
  // Unordered: nothing iterates the registry by id on the hot path (snapshots
  // leave it out and rebuild it from the books), so it keeps no insertion log.
  private readonly slot_of = new IntMap(1024, false);
  private ids = new Float64Array(1024);
  private users = new Float64Array(1024);
  private links = new Float64Array(1024);
  private symbols = new Uint16Array(1024);
  private sides = new Uint8Array(1024);
  private cids: string[] = new Array(1024).fill("");
  /** The fingerprint of (owner, cid) when the order has a cid: removal does not walk the string again. */
  private cid_fps = new Float64Array(1024);
  private readonly free: number[] = [];
  private used = 0;
  /** Open orders with a client order id, by (owner, cid). */
  private readonly by_cid: CidIndex;

  constructor(fingerprint?: (user_id: number, cid: string) => number) {
    this.by_cid = new CidIndex(
      (slot, user_id, cid) => this.users[slot] === user_id && this.cids[slot] === cid,
      fingerprint,
    );
  }

  get size(): number {
    return this.slot_of.size;
  }

  /** The user's open order with this client order id, or 0. */
  orderOfCid(user_id: number, cid: string): number {
    const slot = this.by_cid.get(user_id, cid);
    return slot === NONE ? 0 : (this.ids[slot] as number);
  }

  /** Register an open order; link_order_id is the other leg of an OCO (0 for none). */
  add(
    order_id: number,
    user_id: number,
    symbol_id: number,
    side: number,
    cid: string,
    link_order_id = 0,
  ): void {
    let slot = this.free.pop();
    if (slot === undefined) {
      if (this.used === this.users.length) this.grow();
      slot = this.used++;
    }
    // First, so that a refusal leaves nothing half-registered.
    if (cid !== "") {
      try {
        this.cid_fps[slot] = this.by_cid.add(user_id, cid, slot);
      } catch (err) {
        this.free.push(slot);
        throw err;
      }
    }
    this.ids[slot] = order_id;
    this.users[slot] = user_id;
    this.symbols[slot] = symbol_id;
    this.sides[slot] = side;
    this.links[slot] = link_order_id;
    this.cids[slot] = cid;
    this.slot_of.set(order_id, slot);
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

  /** Remove an open order; returns its owner, or -1 when it was not open. */
  remove(order_id: number): number {
    const slot = this.slot_of.take(order_id);
    if (slot === NONE) return -1;
    this.ids[slot] = 0;
    // A partner that outlives this leg is no longer linked.
    const link = this.links[slot] as number;
    if (link !== 0) {
      const other = this.slot_of.get(link);
      if (other !== NONE) this.links[other] = 0;
    }
    const cid = this.cids[slot] as string;
    const user_id = this.users[slot] as number;
    if (cid !== "") this.by_cid.remove(user_id, cid, slot, this.cid_fps[slot] as number);
    this.cids[slot] = "";
    this.free.push(slot);
    return user_id;
  }

  /**
   * A user's open orders in one symbol (or every symbol when symbol_id is 0),
   * in ascending id order, into `into` (emptied first; returned).
   */
  ofUser(user_id: number, symbol_id: number, into: number[]): number[] {
    into.length = 0;
    const ids = this.ids;
    const users = this.users;
    const symbols = this.symbols;
    for (let slot = 0; slot < this.used; slot++) {
      if (users[slot] !== user_id || ids[slot] === 0) continue;
      if (symbol_id === 0 || symbols[slot] === symbol_id) into.push(ids[slot] as number);
    }
    return into.sort(ascending);
  }

  /** Open orders by ascending id (the order they were opened in), for the self-check (it sorts). */
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
    const ids = this.ids;
    this.slot_of.forEachAscending(
      (order_id, slot) => ids[slot] === order_id,
      (order_id, slot) =>
        fn(
          order_id,
          this.users[slot] as number,
          this.symbols[slot] as number,
          this.sides[slot] as number,
          this.cids[slot] as string,
          this.links[slot] as number,
        ),
    );
  }

  /** Slots and ids agree, OCO links are symmetric; throws InvariantError. */
  validateInternalState(): void {
    const fail = (m: string): never => {
      throw new InvariantError(`open orders: ${m}`);
    };
    let live = 0;
    for (let slot = 0; slot < this.used; slot++) {
      const id = this.ids[slot] as number;
      if (id === 0) continue;
      live++;
      if (this.slot_of.get(id) !== slot) fail(`slot ${slot} holds order ${id}, indexed elsewhere`);
    }
    if (live !== this.size) fail(`${live} slots in use, ${this.size} orders registered`);
    let with_cid = 0;
    for (let slot = 0; slot < this.used; slot++) {
      const id = this.ids[slot] as number;
      const cid = this.cids[slot] as string;
      if (id === 0 || cid === "") continue;
      with_cid++;
      if (this.orderOfCid(this.users[slot] as number, cid) !== id) {
        fail(`cid ${cid} of order ${id} not indexed`);
      }
    }
    if (with_cid !== this.by_cid.size) {
      fail(`${with_cid} open orders have a cid, the index holds ${this.by_cid.size}`);
    }
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
    this.ids = f64(this.ids);
    this.users = f64(this.users);
    this.links = f64(this.links);
    this.cid_fps = f64(this.cid_fps);
    const symbols = new Uint16Array(n);
    symbols.set(this.symbols);
    this.symbols = symbols;
    const sides = new Uint8Array(n);
    sides.set(this.sides);
    this.sides = sides;
    for (let i = this.cids.length; i < n; i++) this.cids.push("");
  }
}

function ascending(a: number, b: number): number {
  return a - b;
}
