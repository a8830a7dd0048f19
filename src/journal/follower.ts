// A consumer that replays from a position and then keeps up with the tail.
// It always reads from the files and only ever up to the durable seq it saw
// before reading, then sleeps until the next durable commit. Because the check
// of durableSeq() and the start of the wait happen in one synchronous step, a
// commit cannot slip between them: there is no catch-up/live switch to race.

import type { Cursor, RecordHandler } from "./cursor.ts";

/** What a Follower needs from the journal. */
export interface FollowSource {
  durableSeq(): number;
  onDurable(listener: (durableSeq: number) => void): () => void;
  /** Set once the journal failed: no record will become durable any more. */
  failure(): Error | null;
  /** True once the journal is closed. */
  isClosed(): boolean;
}

export class Follower {
  /**
   * Settles when the follower ends: resolves after stop(), or once the journal
   * is closed and every durable record was delivered; rejects with the
   * handler's error, a read error, or (after delivering every durable record)
   * the journal's failure. Nothing else reports these, so await it or stop().
   */
  readonly done: Promise<void>;
  private readonly cursor: Cursor;
  private stopping = false;
  private wake: (() => void) | null = null;

  /** onEnd runs when the follower stops for any reason, before done settles. */
  constructor(source: FollowSource, cursor: Cursor, handler: RecordHandler, onEnd: () => void) {
    this.cursor = cursor;
    this.done = this.run(source, handler, onEnd);
  }

  /** The next sequence number to be delivered (everything before it was handled). */
  position(): number {
    return this.cursor.next_seq;
  }

  /** Stops after the record being handled, if any; resolves (or rejects) like done. */
  stop(): Promise<void> {
    this.stopping = true;
    this.signal();
    return this.done;
  }

  /** Wakes the follower to look at the journal's state again. */
  signal(): void {
    const wake = this.wake;
    if (wake !== null) {
      this.wake = null;
      wake();
    }
  }

  private async run(
    source: FollowSource,
    handler: RecordHandler,
    onEnd: () => void,
  ): Promise<void> {
    const unsubscribe = source.onDurable(() => this.signal());
    const stopped = () => this.stopping;
    try {
      // Nothing (no delivery, no end) happens before the constructor returned.
      await Promise.resolve();
      for (;;) {
        if (this.stopping) return;
        const durable = source.durableSeq();
        if (this.cursor.next_seq <= durable) {
          await this.cursor.readTo(durable, handler, stopped);
          continue;
        }
        const failure = source.failure();
        if (failure !== null) throw failure;
        if (source.isClosed()) return;
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
      }
    } finally {
      unsubscribe();
      onEnd();
      await this.cursor.close();
    }
  }
}
