// Delivery for the embedded log's subscribers. Messages published in this
// process are kept, decoded, in a ring of the most recent ones; a subscriber at
// the tail takes them from there once they are durable, without reading back
// what was just written. A subscriber further behind (after a restart, or
// slower than the ring) reads the journal's files until it catches up.

import type { Journal } from "../../journal/mod.ts";
import { decodeEnvelope } from "../envelope.ts";
import type { Message, MessageHandler, Subscription } from "../types.ts";

const RING = 8192;
/** Messages delivered in one turn of the event loop before yielding. */
const TURN = 1024;

export class RecentMessages {
  private readonly ring: (Message | undefined)[] = new Array(RING);

  put(m: Message): void {
    this.ring[m.seq % RING] = m;
  }

  get(seq: number): Message | undefined {
    const m = this.ring[seq % RING];
    return m !== undefined && m.seq === seq ? m : undefined;
  }
}

export class TailSubscription implements Subscription {
  readonly done: Promise<void>;
  private next: number;
  private stopped = false;
  private wake: (() => void) | null = null;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly topic: string,
    private readonly journal: Journal,
    private readonly recent: RecentMessages,
    from_seq: number,
    private readonly handler: MessageHandler,
  ) {
    this.next = Math.max(from_seq, 1);
    this.unsubscribe = journal.onDurable(() => this.signal());
    this.done = this.run().finally(() => this.unsubscribe());
  }

  private signal(): void {
    const w = this.wake;
    if (w !== null) {
      this.wake = null;
      w();
    }
  }

  stop(): Promise<void> {
    this.stopped = true;
    this.signal();
    return this.done;
  }

  private async run(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      const failure = this.journal.failure();
      const durable = this.journal.durableSeq();
      if (this.next > durable) {
        if (failure !== null) throw failure;
        if (this.journal.isClosed()) return;
        // Checking durableSeq() and arming the wake-up happen in one
        // synchronous step, so a commit cannot slip in between.
        await new Promise<void>((r) => {
          this.wake = r;
        });
        continue;
      }
      let delivered = 0;
      while (this.next <= durable && delivered < TURN && !this.stopped) {
        const m = this.recent.get(this.next);
        if (m === undefined) {
          await this.catchUp(durable);
          break;
        }
        this.next++;
        delivered++;
        const p = this.handler(m);
        if (p !== undefined) await p;
      }
      // Let timers and I/O run between long stretches of delivery.
      if (delivered >= TURN) await new Promise<void>((r) => setImmediate(r));
    }
  }

  /** Read from the files what the ring no longer (or never) held. */
  private async catchUp(durable: number): Promise<void> {
    const to = Math.min(durable, this.next + 4 * TURN - 1);
    await this.journal.read(
      this.next,
      (seq, bytes) => {
        if (this.stopped) return;
        const env = decodeEnvelope(bytes);
        this.next = seq + 1;
        return this.handler({
          topic: this.topic,
          seq,
          id: env.id,
          headers: env.headers,
          payload: Buffer.from(env.payload),
        });
      },
      to,
    );
  }
}
