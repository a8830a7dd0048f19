// The ids a topic recently stored, with their seqs: how a republished id is
// answered with its first seq instead of being stored again. Filled from the
// topic's tail when the topic is ensured (so a restarted producer recognises
// what it published before dying), from every acknowledged publish, and from
// the tail again whenever a publisher had to give up on a producer. Bounded:
// the oldest ids are forgotten first.

export class IdMemory {
  private readonly ids = new Map<string, number>();
  private readonly order: string[] = [];
  private head = 0;

  constructor(readonly window: number) {
    if (!Number.isSafeInteger(window) || window < 1) {
      throw new RangeError(`dedup window must be a positive integer, not ${window}`);
    }
  }

  get(id: string): number | undefined {
    return this.ids.get(id);
  }

  /** Remembers the first seq of an id; a later seq of the same id (a duplicate) is ignored. */
  remember(id: string, seq: number): void {
    if (this.ids.has(id)) return;
    if (this.order.length < this.window) {
      this.order.push(id);
    } else {
      this.ids.delete(this.order[this.head] as string);
      this.order[this.head] = id;
      this.head = (this.head + 1) % this.window;
    }
    this.ids.set(id, seq);
  }

  get size(): number {
    return this.ids.size;
  }
}
