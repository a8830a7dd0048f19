// Memory of recently completed orders, so a late cancel can be told "already
// done" rather than "unknown". Direct-mapped by order id: ids are assigned in
// sequence, so slot id % capacity holds the newest completed order of that
// slot and the memory covers roughly the last `capacity` ids. Fixed size,
// allocated once: no hashing and no growth on the hot path. A slot's id and
// owner sit side by side (id at 2i, owner at 2i + 1): one cache line, where
// two arrays cost two misses per completion.

export class CompletedOrders {
  private readonly pairs: Float64Array;
  private used = 0;

  constructor(readonly capacity: number) {
    this.pairs = new Float64Array(capacity * 2);
  }

  remember(order_id: number, user_id: number): void {
    const i = (order_id % this.capacity) * 2;
    if (this.pairs[i] === 0) this.used++;
    this.pairs[i] = order_id;
    this.pairs[i + 1] = user_id;
  }

  /** The owner of a remembered completed order, or -1. */
  ownerOf(order_id: number): number {
    const i = (order_id % this.capacity) * 2;
    return this.pairs[i] === order_id ? (this.pairs[i + 1] as number) : -1;
  }

  /** Remembered (order id, user id) pairs in slot order, for snapshots. */
  forEach(fn: (order_id: number, user_id: number) => void): void {
    const pairs = this.pairs;
    for (let i = 0; i < pairs.length; i += 2) {
      const id = pairs[i] as number;
      if (id !== 0) fn(id, pairs[i + 1] as number);
    }
  }

  count(): number {
    return this.used;
  }
}
