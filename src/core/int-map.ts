// A hash map from order ids (positive safe integers) to small non-negative
// integers, in one typed array: entry i's key at 2i and its value at 2i + 1,
// so a lookup that finds its key has its value in the same cache line (two
// arrays cost a second miss on every hit). Orders come and go by the hundred thousand;
// a JS Map rebuilds its backing store as deleted entries pile up and each
// rebuild is a large allocation; this table allocates only when it grows.
// Linear probing with backward-shift deletion leaves no tombstones.

import { InvariantError } from "./errors.ts";

const EMPTY = 0;
const GOLDEN = 0x9e3779b1;

export class IntMap {
  /** Entry i: key at 2i (EMPTY when free), value at 2i + 1. */
  private entries: Float64Array;
  /** Entries in the table (a power of two). */
  private cap: number;
  private mask: number;
  private shift: number;
  size = 0;
  /**
   * Keys in insertion order, deleted ones left in place until they outnumber
   * the live: order ids arrive ascending, so this is the ascending order that
   * snapshots need, without sorting a hundred thousand ids in the pause. A
   * typed array that only grows: a JS array shrunk by each compaction and
   * grown again by pushes reallocated its backing store every time.
   */
  private inserted: Float64Array;
  /** Entries of `inserted` in use: key at 2i, the value it was set with at 2i + 1. */
  private inserted_count = 0;
  private inserted_sorted = true;

  /**
   * `ordered`: keep the insertion order for forEachAscending's fast path;
   * off for keys that do not arrive ascending (it would only be memory).
   */
  constructor(
    capacity = 1024,
    private readonly ordered = true,
  ) {
    if (!ordered) this.inserted_sorted = false;
    let cap = 16;
    while (cap < capacity * 2) cap *= 2;
    this.entries = new Float64Array(cap * 2);
    this.cap = cap;
    this.mask = cap - 1;
    this.shift = 32 - Math.log2(cap);
    this.inserted = new Float64Array(ordered ? cap : 0);
  }

  private home(key: number): number {
    // Fibonacci hashing of the low 32 bits spreads consecutive ids evenly.
    return Math.imul(key >>> 0, GOLDEN) >>> this.shift;
  }

  /** The value of key, or -1. */
  get(key: number): number {
    const e = this.entries;
    let i = this.home(key);
    for (;;) {
      const k = e[2 * i] as number;
      if (k === key) return e[2 * i + 1] as number;
      if (k === EMPTY) return -1;
      i = (i + 1) & this.mask;
    }
  }

  /** The value of key if it has one (left as it is), else sets it and returns -1: one probe. */
  getOrSet(key: number, value: number): number {
    if ((this.size + 1) * 2 > this.cap) this.grow();
    const e = this.entries;
    let i = this.home(key);
    for (;;) {
      const k = e[2 * i] as number;
      if (k === key) return e[2 * i + 1] as number;
      if (k === EMPTY) break;
      i = (i + 1) & this.mask;
    }
    this.set(key, value);
    return -1;
  }

  set(key: number, value: number): void {
    if ((this.size + 1) * 2 > this.cap) this.grow();
    const e = this.entries;
    let i = this.home(key);
    for (;;) {
      const k = e[2 * i] as number;
      if (k === key) {
        // forEachAscending reads values as inserted: one changed here sends it to the slow path.
        if (e[2 * i + 1] !== value) this.inserted_sorted = false;
        e[2 * i + 1] = value;
        return;
      }
      if (k === EMPTY) {
        e[2 * i] = key;
        e[2 * i + 1] = value;
        this.size++;
        if (!this.ordered) return;
        const n = this.inserted_count;
        if (n > 0 && key <= (this.inserted[2 * n - 2] as number)) this.inserted_sorted = false;
        if (2 * n === this.inserted.length) this.growInserted();
        const ins = this.inserted;
        ins[2 * n] = key;
        ins[2 * n + 1] = value;
        this.inserted_count = n + 1;
        return;
      }
      i = (i + 1) & this.mask;
    }
  }

  delete(key: number): boolean {
    return this.take(key) !== -1;
  }

  /** Delete key and return the value it had, or -1 when absent: one probe for both. */
  take(key: number): number {
    const e = this.entries;
    const mask = this.mask;
    let i = this.home(key);
    for (;;) {
      const k = e[2 * i] as number;
      if (k === EMPTY) return -1;
      if (k === key) break;
      i = (i + 1) & mask;
    }
    const value = e[2 * i + 1] as number;
    // Shift later entries of the same probe run back into the hole.
    let hole = i;
    let j = (i + 1) & mask;
    for (;;) {
      const k = e[2 * j] as number;
      if (k === EMPTY) break;
      const h = this.home(k);
      const between = hole <= j ? hole < h && h <= j : hole < h || h <= j;
      if (!between) {
        e[2 * hole] = k;
        e[2 * hole + 1] = e[2 * j + 1] as number;
        hole = j;
      }
      j = (j + 1) & mask;
    }
    e[2 * hole] = EMPTY;
    this.size--;
    if (this.inserted_count > 2 * this.size + 1024) this.compactInserted();
    return value;
  }

  /** Drops deleted keys from the insertion order, in place (no allocation). */
  private compactInserted(): void {
    const ins = this.inserted;
    let n = 0;
    for (let i = 0; i < this.inserted_count; i++) {
      const k = ins[2 * i] as number;
      if (this.get(k) === -1) continue;
      ins[2 * n] = k;
      ins[2 * n + 1] = ins[2 * i + 1] as number;
      n++;
    }
    this.inserted_count = n;
  }

  private growInserted(): void {
    const bigger = new Float64Array(Math.max(32, this.inserted.length * 2));
    bigger.set(this.inserted);
    this.inserted = bigger;
  }

  /**
   * Every entry by ascending key, without a hash lookup per key while keys
   * were set in ascending order (order ids are): the owner says whether the
   * value a key was set with still holds it (`live`), from its own columns.
   * Otherwise (a key set out of order, or a value changed in place) it sorts
   * and looks each key up.
   */
  forEachAscending(
    live: (key: number, value: number) => boolean,
    fn: (key: number, value: number) => void,
  ): void {
    if (!this.inserted_sorted) {
      for (const k of this.keysAscending()) fn(k, this.get(k));
      return;
    }
    const ins = this.inserted;
    let last = 0;
    let n = 0;
    for (let i = 0; i < this.inserted_count; i++) {
      const k = ins[2 * i] as number;
      const v = ins[2 * i + 1] as number;
      if (k > last && live(k, v)) {
        fn(k, v);
        last = k;
        n++;
      }
    }
    if (n !== this.size) throw new InvariantError(`int map: ${n} live entries of ${this.size}`);
  }

  /** All keys, ascending. */
  keysAscending(): Float64Array {
    const out = new Float64Array(this.size);
    let n = 0;
    if (this.inserted_sorted) {
      let last = 0;
      for (let i = 0; i < this.inserted_count; i++) {
        const k = this.inserted[2 * i] as number;
        // A key deleted and set again appears twice; the later copy is out of order.
        if (k > last && this.get(k) !== -1) {
          out[n++] = k;
          last = k;
        }
      }
      if (n === this.size) return out;
      n = 0;
    }
    const e = this.entries;
    for (let i = 0; i < e.length; i += 2) {
      const k = e[i] as number;
      if (k !== EMPTY) out[n++] = k;
    }
    return out.sort();
  }

  private grow(): void {
    const old = this.entries;
    const cap = this.cap * 2;
    this.entries = new Float64Array(cap * 2);
    this.cap = cap;
    this.mask = cap - 1;
    this.shift = 32 - Math.log2(cap);
    this.size = 0;
    // Keys are distinct: each goes to the first free entry of its probe run,
    // and the insertion order is left as it was.
    const e = this.entries;
    const mask = this.mask;
    for (let j = 0; j < old.length; j += 2) {
      const k = old[j] as number;
      if (k === EMPTY) continue;
      let i = this.home(k);
      while (e[2 * i] !== EMPTY) i = (i + 1) & mask;
      e[2 * i] = k;
      e[2 * i + 1] = old[j + 1] as number;
      this.size++;
    }
  }
}
