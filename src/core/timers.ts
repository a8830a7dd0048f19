// The dead-man's switches: per user, the core time at which all of that
// user's orders are cancelled unless the user re-arms first. An indexed
// binary heap ordered by (deadline, user id): the earliest deadline is O(1)
// to read (the sequencer asks it to decide when to journal a Tick), re-arming
// is O(log n), and timers that are due fire in that one total order, so the
// heap's layout never shows in behaviour or in the state's bytes.

import { InvariantError } from "./errors.ts";

export class Timers {
  private readonly users: number[] = [];
  private readonly deadlines: number[] = [];
  /** Heap position of each armed user. */
  private readonly index = new Map<number, number>();

  get size(): number {
    return this.users.length;
  }

  /** The earliest deadline, or 0 when no timer is armed. */
  earliest(): number {
    return this.deadlines.length === 0 ? 0 : (this.deadlines[0] as number);
  }

  deadlineOf(user_id: number): number {
    const i = this.index.get(user_id);
    return i === undefined ? 0 : (this.deadlines[i] as number);
  }

  isArmed(user_id: number): boolean {
    return this.index.has(user_id);
  }

  /** Arm or re-arm a user's timer. */
  arm(user_id: number, deadline_ms: number): void {
    const i = this.index.get(user_id);
    if (i !== undefined) {
      this.deadlines[i] = deadline_ms;
      this.siftDown(i);
      this.siftUp(this.index.get(user_id) as number);
      return;
    }
    this.users.push(user_id);
    this.deadlines.push(deadline_ms);
    const at = this.users.length - 1;
    this.index.set(user_id, at);
    this.siftUp(at);
  }

  disarm(user_id: number): void {
    const i = this.index.get(user_id);
    if (i === undefined) return;
    this.removeAt(i);
  }

  /** Remove and return the user of the earliest timer if it is due at `now_ms`; -1 otherwise. */
  popDue(now_ms: number): number {
    if (this.users.length === 0 || (this.deadlines[0] as number) > now_ms) return -1;
    const user = this.users[0] as number;
    this.removeAt(0);
    return user;
  }

  /** Armed timers as [user, deadline] in firing order: the snapshot's canonical order. */
  sorted(): [number, number][] {
    const out: [number, number][] = this.users.map((u, i) => [u, this.deadlines[i] as number]);
    out.sort((a, b) => a[1] - b[1] || a[0] - b[0]);
    return out;
  }

  validateInternalState(): void {
    const n = this.users.length;
    if (this.index.size !== n)
      throw new InvariantError(`timers: ${this.index.size} indexed, ${n} in the heap`);
    for (let i = 0; i < n; i++) {
      const u = this.users[i] as number;
      if (this.index.get(u) !== i) throw new InvariantError(`timers: user ${u} indexed wrongly`);
      if (i > 0 && this.before(i, (i - 1) >> 1)) {
        throw new InvariantError(`timers: heap order broken at user ${u}`);
      }
    }
  }

  private before(i: number, j: number): boolean {
    const a = this.deadlines[i] as number;
    const b = this.deadlines[j] as number;
    return a !== b ? a < b : (this.users[i] as number) < (this.users[j] as number);
  }

  private swap(i: number, j: number): void {
    const u = this.users[i] as number;
    const d = this.deadlines[i] as number;
    this.users[i] = this.users[j] as number;
    this.deadlines[i] = this.deadlines[j] as number;
    this.users[j] = u;
    this.deadlines[j] = d;
    this.index.set(this.users[i] as number, i);
    this.index.set(u, j);
  }

  private removeAt(i: number): void {
    const last = this.users.length - 1;
    const user = this.users[i] as number;
    if (i !== last) this.swap(i, last);
    this.users.pop();
    this.deadlines.pop();
    this.index.delete(user);
    if (i < this.users.length) {
      this.siftDown(i);
      this.siftUp(i);
    }
  }

  private siftUp(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const n = this.users.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) return;
      let c = l;
      if (l + 1 < n && this.before(l + 1, l)) c = l + 1;
      if (!this.before(c, i)) return;
      this.swap(i, c);
      i = c;
    }
  }
}
