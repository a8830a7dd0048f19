// Memory of recently completed orders, so a late cancel can be told "already
// done" rather than "unknown". Direct-mapped by order id: ids are assigned in
// sequence, so slot id % capacity holds the newest completed order of that
// slot and the memory covers roughly the last `capacity` ids. Fixed size,
// allocated once: no hashing and no growth on the hot path.

export class CompletedOrders {
  private readonly ids: Float64Array;
  private readonly users: Float64Array;
  private used = 0;

  constructor(readonly capacity: number) {
    this.ids = new Float64Array(capacity);
    this.users = new Float64Array(capacity);
  }

  remember(order_id: number, user_id: number): void {
    const i = order_id % this.capacity;
    if (this.ids[i] === 0) this.used++;
    this.ids[i] = order_id;
    this.users[i] = user_id;
  }

  /** The owner of a remembered completed order, or -1. */
  ownerOf(order_id: number): number {
    const i = order_id % this.capacity;
    return this.ids[i] === order_id ? (this.users[i] as number) : -1;
  }

  /** Remembered (order id, user id) pairs in slot order, for snapshots. */
  forEach(fn: (order_id: number, user_id: number) => void): void {
    const ids = this.ids;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as number;
      if (id !== 0) fn(id, this.users[i] as number);
    }
  }

  count(): number {
    return this.used;
  }
}
