// Open orders by (user, client order id), for cancels and amends that name an
// order by its client id and for the duplicate check of every new order that
// has one. A JS Map per user put four dependent loads (the accounts map, the
// account, its map, the map's table) on each of those paths, and with a
// hundred thousand open orders each is a likely cache miss: the costliest
// step of an order's entry. This index is one open-addressing table of
// numbers: a 52-bit fingerprint of (user, cid) to the order's slot in the
// open-order registry, which holds the truth. A fingerprint match is
// confirmed against the registry's columns; two pairs with one fingerprint
// (rare, never wrong) put the second in a small overflow map.

import { InvariantError } from "./errors.ts";
import { IntMap } from "./int-map.ts";

/** Does `slot` hold the open order of `user_id` with client order id `cid`? */
export type SlotHolds = (slot: number, user_id: number, cid: string) => boolean;

/** A non-zero integer below 2^53 from (user, cid): two 32-bit mixes over the same input. */
export function cidFingerprint(user_id: number, cid: string): number {
  const hi = (user_id / 4294967296) >>> 0;
  let a = Math.imul(user_id ^ 0x9e3779b9, 0x85ebca6b) ^ hi;
  let b = Math.imul((user_id >>> 0) ^ 0x7f4a7c15, 0xc2b2ae35) ^ Math.imul(hi, 0x27d4eb2f);
  for (let i = 0; i < cid.length; i++) {
    const c = cid.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul((b << 5) ^ (b >>> 27) ^ c, 0x5bd1e995);
  }
  a = fmix32(a ^ cid.length);
  b = fmix32(b);
  const fp = (a & 0x1fffff) * 4294967296 + (b >>> 0);
  return fp === 0 ? 1 : fp;
}

function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

export class CidIndex {
  private readonly table = new IntMap(1024, false);
  /** Pairs whose fingerprint another pair holds in the table, by "user:cid". */
  private readonly overflow = new Map<string, number>();

  /**
   * The last pair fingerprinted: a new order's pair is looked up by the
   * duplicate check and then added, so the second walk of its characters is
   * saved (the string is usually the same object, compared by reference).
   * `last_fp` is also how add() hands back the fingerprint: a fingerprint is
   * rarely a small integer, and one returned from a call the optimiser does
   * not inline is boxed on the heap, on every order with a client id.
   */
  private last_user = -1;
  private last_cid = "";
  last_fp = 0;

  /** A fingerprint other than cidFingerprint (tests make them collide), or null. */
  private readonly custom: ((user_id: number, cid: string) => number) | null;

  constructor(
    private readonly holds: SlotHolds,
    fingerprint?: (user_id: number, cid: string) => number,
  ) {
    this.custom = fingerprint ?? null;
  }

  /** The pair's fingerprint: what add leaves in last_fp, and what remove takes. */
  fingerprintOf(user_id: number, cid: string): number {
    this.fingerprint(user_id, cid);
    return this.last_fp;
  }

  /** The pair's fingerprint into last_fp (cidFingerprint called directly, so it can be inlined). */
  private fingerprint(user_id: number, cid: string): void {
    if (user_id === this.last_user && cid === this.last_cid) return;
    this.last_fp = this.custom === null ? cidFingerprint(user_id, cid) : this.custom(user_id, cid);
    this.last_user = user_id;
    this.last_cid = cid;
  }

  get size(): number {
    return this.table.size + this.overflow.size;
  }

  /** The slot of the user's open order with this client id, or -1. */
  get(user_id: number, cid: string): number {
    this.fingerprint(user_id, cid);
    const slot = this.table.get(this.last_fp);
    if (slot !== -1 && this.holds(slot, user_id, cid)) return slot;
    if (this.overflow.size === 0) return -1;
    return this.overflow.get(`${user_id}:${cid}`) ?? -1;
  }

  /**
   * Index an open order; throws, changing nothing, when the pair is open
   * already. The pair's fingerprint, for remove, is then in last_fp.
   */
  add(user_id: number, cid: string, slot: number): void {
    this.fingerprint(user_id, cid);
    const fp = this.last_fp;
    const taken = this.table.get(fp);
    if (
      (taken !== -1 && this.holds(taken, user_id, cid)) ||
      (this.overflow.size > 0 && this.overflow.has(`${user_id}:${cid}`))
    ) {
      throw new InvariantError(`client order id ${cid} of user ${user_id} is already open`);
    }
    if (taken === -1) this.table.set(fp, slot);
    else this.overflow.set(`${user_id}:${cid}`, slot);
  }

  /** Forget an open order's pair (indexed at `slot`, fingerprint `fp` as add returned it). */
  remove(user_id: number, cid: string, slot: number, fp: number): void {
    const taken = this.table.take(fp);
    if (taken === slot) return;
    // The fingerprint is another pair's (a collision): it stays, and this pair is in the overflow.
    if (taken !== -1) this.table.set(fp, taken);
    if (!this.overflow.delete(`${user_id}:${cid}`)) {
      throw new InvariantError(`client order id ${cid} of user ${user_id} was not indexed`);
    }
  }
}
