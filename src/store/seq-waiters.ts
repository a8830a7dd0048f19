// Read-your-writes: callers waiting for the committed position to reach an
// output_seq, each with a timeout. Whoever learns of commits (settlement's
// worker reports, PostgreSQL notifications) calls advance(); a waiter is one
// entry in a list scanned per commit, and the list is bounded.

const WAITERS_MAX = 65_536;

interface Waiter {
  seq: number;
  resolve: (reached: boolean) => void;
  timer: NodeJS.Timeout;
}

export class SeqWaiters {
  private waiters: Waiter[] = [];
  private seq: number;

  constructor(seq = 0) {
    this.seq = seq;
  }

  /** The highest committed output_seq known. */
  committed(): number {
    return this.seq;
  }

  get pending(): number {
    return this.waiters.length;
  }

  /**
   * Resolves true once the committed position reaches seq, false after
   * timeout_ms (or at once when too many callers already wait).
   */
  wait(seq: number, timeout_ms: number): Promise<boolean> {
    if (seq <= this.seq) return Promise.resolve(true);
    if (this.waiters.length >= WAITERS_MAX || timeout_ms <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const w: Waiter = {
        seq,
        resolve,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((x) => x !== w);
          resolve(false);
        }, timeout_ms),
      };
      this.waiters.push(w);
    });
  }

  advance(seq: number): void {
    if (seq <= this.seq) return;
    this.seq = seq;
    if (this.waiters.length === 0) return;
    const keep: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.seq <= seq) {
        clearTimeout(w.timer);
        w.resolve(true);
      } else keep.push(w);
    }
    this.waiters = keep;
  }

  /** Every waiter gets false (shutting down). */
  close(): void {
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.resolve(false);
    }
    this.waiters = [];
  }
}
