import { CidIndex } from "./cid-index.ts";
import { InvariantError } from "./errors.ts";
import { IntMap } from "./int-map.ts";

// UBSCore's registry of open orders (resting or waiting for a trigger):
// owner, symbol, side, OCO partner and client order id by order id. Kept in
// one growable typed array of rows indexed by a recycled slot, so an order
// entering the book allocates nothing the collector must later chase (an
// order lives long enough to be promoted, then dies), and a cancel or a
// maker's completion, which reads most of an old order's fields, finds them
// in one or two cache lines rather than one per field. A user's orders
// (cancel-all, the dead-man's switch) are found by scanning the rows: a few
// hundred microseconds at a hundred thousand open orders, paid by those rare
// commands only; per-user lists would cost every order's entry and exit.

const NONE = -1;

// A row's fields: the order id (0 when the slot is free), the owner, the OCO
// partner (0 for none), the fingerprint of (owner, cid) when there is a cid
// (so removal does not walk the string again), the symbol and the side.
const ID = 0;
const USER = 1;
const LINK = 2;
const CID_FP = 3;
const SYMBOL = 4;
const SIDE = 5;
const ROW = 6;

export class OpenOrders {
  // Unordered: nothing iterates the registry by id on the hot path (snapshots
  // leave it out and rebuild it from the books), so it keeps no insertion log.
  private readonly slot_of = new IntMap(1024, false);
  private rows = new Float64Array(1024 * ROW);
  private cids: string[] = new Array(1024).fill("");
  private readonly free: number[] = [];
  private used = 0;
  /** Open orders with a client order id, by (owner, cid). */
  private readonly by_cid: CidIndex;

  constructor(fingerprint?: (user_id: number, cid: string) => number) {
    this.by_cid = new CidIndex(
      (slot, user_id, cid) => this.rows[slot * ROW + USER] === user_id && this.cids[slot] === cid,
      fingerprint,
    );
  }

  get size(): number {
    return this.slot_of.size;
  }

  /** The user's open order with this client order id, or 0. */
  orderOfCid(user_id: number, cid: string): number {
    const slot = this.by_cid.get(user_id, cid);
    return slot === NONE ? 0 : (this.rows[slot * ROW + ID] as number);
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
      if (this.used === this.cids.length) this.grow();
      slot = this.used++;
    }
    // First, so that a refusal leaves nothing half-registered.
    let fp = 0;
    if (cid !== "") {
      try {
        this.by_cid.add(user_id, cid, slot);
        fp = this.by_cid.last_fp;
      } catch (err) {
        this.free.push(slot);
        throw err;
      }
    }
    const r = this.rows;
    const at = slot * ROW;
    r[at + ID] = order_id;
    r[at + USER] = user_id;
    r[at + LINK] = link_order_id;
    r[at + CID_FP] = fp;
    r[at + SYMBOL] = symbol_id;
    r[at + SIDE] = side;
    this.cids[slot] = cid;
    this.slot_of.set(order_id, slot);
  }

  /** The owner of an open order, or -1 when it is not open. */
  userOf(order_id: number): number {
    const slot = this.slot_of.get(order_id);
    return slot === NONE ? -1 : (this.rows[slot * ROW + USER] as number);
  }

  symbolOf(order_id: number): number {
    const slot = this.slot_of.get(order_id);
    return slot === NONE ? 0 : (this.rows[slot * ROW + SYMBOL] as number);
  }

  sideOf(order_id: number): number {
    const slot = this.slot_of.get(order_id);
    return slot === NONE ? 0 : (this.rows[slot * ROW + SIDE] as number);
  }

  /** The other leg of an open OCO leg, or 0. */
  linkOf(order_id: number): number {
    const slot = this.slot_of.get(order_id);
    return slot === NONE ? 0 : (this.rows[slot * ROW + LINK] as number);
  }

  cidOf(order_id: number): string {
    const slot = this.slot_of.get(order_id);
    return slot === NONE ? "" : (this.cids[slot] as string);
  }

  /** Remove an open order; returns its owner, or -1 when it was not open. */
  remove(order_id: number): number {
    const slot = this.slot_of.take(order_id);
    if (slot === NONE) return -1;
    const r = this.rows;
    const at = slot * ROW;
    r[at + ID] = 0;
    // A partner that outlives this leg is no longer linked.
    const link = r[at + LINK] as number;
    if (link !== 0) {
      const other = this.slot_of.get(link);
      if (other !== NONE) r[other * ROW + LINK] = 0;
    }
    const cid = this.cids[slot] as string;
    const user_id = r[at + USER] as number;
    if (cid !== "") this.by_cid.remove(user_id, cid, slot, r[at + CID_FP] as number);
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
    const r = this.rows;
    for (let at = 0; at < this.used * ROW; at += ROW) {
      if (r[at + USER] !== user_id || r[at + ID] === 0) continue;
      if (symbol_id === 0 || r[at + SYMBOL] === symbol_id) into.push(r[at + ID] as number);
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
    const r = this.rows;
    this.slot_of.forEachAscending(
      (order_id, slot) => r[slot * ROW + ID] === order_id,
      (order_id, slot) =>
        fn(
          order_id,
          r[slot * ROW + USER] as number,
          r[slot * ROW + SYMBOL] as number,
          r[slot * ROW + SIDE] as number,
          this.cids[slot] as string,
          r[slot * ROW + LINK] as number,
        ),
    );
  }

  /** Slots and ids agree, OCO links are symmetric; throws InvariantError. */
  validateInternalState(): void {
    const fail = (m: string): never => {
      throw new InvariantError(`open orders: ${m}`);
    };
    const r = this.rows;
    let live = 0;
    let with_cid = 0;
    for (let slot = 0; slot < this.used; slot++) {
      const at = slot * ROW;
      const id = r[at + ID] as number;
      if (id === 0) continue;
      live++;
      if (this.slot_of.get(id) !== slot) fail(`slot ${slot} holds order ${id}, indexed elsewhere`);
      const cid = this.cids[slot] as string;
      const user_id = r[at + USER] as number;
      const fp = cid === "" ? 0 : this.by_cid.fingerprintOf(user_id, cid);
      if (r[at + CID_FP] !== fp) fail(`order ${id}: stored cid fingerprint is not its own`);
      if (cid === "") continue;
      with_cid++;
      if (this.orderOfCid(user_id, cid) !== id) fail(`cid ${cid} of order ${id} not indexed`);
    }
    if (live !== this.size) fail(`${live} slots in use, ${this.size} orders registered`);
    if (with_cid !== this.by_cid.size) {
      fail(`${with_cid} open orders have a cid, the index holds ${this.by_cid.size}`);
    }
    this.forEach((order_id, user_id, _symbol, side, _cid, link) => {
      if (link === 0) return;
      const other = this.slot_of.get(link);
      if (other === NONE) fail(`order ${order_id} linked to closed order ${link}`);
      const at = other * ROW;
      if (r[at + LINK] !== order_id) fail(`OCO link ${order_id} -> ${link} not symmetric`);
      if (r[at + USER] !== user_id || r[at + SIDE] !== side) {
        fail(`OCO legs ${order_id} and ${link} differ in owner or side`);
      }
    });
  }

  private grow(): void {
    const n = this.cids.length * 2;
    const rows = new Float64Array(n * ROW);
    rows.set(this.rows);
    this.rows = rows;
    for (let i = this.cids.length; i < n; i++) this.cids.push("");
  }
}

function ascending(a: number, b: number): number {
  return a - b;
}
