// A subscription to one topic: fetches from the service's own position, one
// fetch ahead of the handler, with no consumer group (so nothing to join,
// rebalance or commit: the service stores its position with its effects, as
// with every Bourse log). Messages go to the handler one at a time, in offset
// order, each once; the fetch ahead bounds what is buffered to two fetches.
// Broker outages pause the loop, which goes on from the next offset it
// expects once the broker answers again.

import {
  type Message,
  type MessageHandler,
  type SubscribeOptions,
  type Subscription,
  TransportError,
} from "../types.ts";
import { apiIds, backoff_ms } from "./errors.ts";
import type { Fetched, Fetcher } from "./fetcher.ts";
import { fromRecord } from "./records.ts";

export interface FetchTuning {
  /** Bytes one fetch may return (at least one batch is always returned). */
  fetch_bytes: number;
  /** How long the broker may hold a fetch at the tail before answering empty. */
  fetch_wait_ms: number;
}

class HandlerFailure {
  constructor(readonly error: unknown) {}
}

type Attempt = { ok: true; f: Fetched } | { ok: false; err: unknown };

export class FetchSubscription implements Subscription {
  readonly done: Promise<void>;
  private stopping = false;
  private next: bigint;
  private wake: (() => void) | null = null;

  constructor(
    private readonly fetcher: Fetcher,
    private readonly topic: string,
    private readonly kafka_topic: string,
    options: SubscribeOptions,
    private readonly tuning: FetchTuning,
    private readonly health: (ok: boolean) => void,
    handler: MessageHandler,
  ) {
    this.next = BigInt(Math.max(1, options.from_seq) - 1);
    this.done = this.run(handler);
  }

  /** Stops after the message being handled, if any; resolves (or rejects) like done. */
  stop(): Promise<void> {
    if (!this.stopping) {
      this.stopping = true;
      this.wake?.();
      // Cuts a fetch waiting at the tail short.
      void this.fetcher.close().catch(() => {});
    }
    return this.done;
  }

  private attempt(from: bigint): Promise<Attempt> {
    return this.fetcher
      .fetch(this.kafka_topic, from, this.tuning.fetch_bytes, this.tuning.fetch_wait_ms)
      .then(
        (f): Attempt => ({ ok: true, f }),
        (err: unknown): Attempt => ({ ok: false, err }),
      );
  }

  private async run(handler: MessageHandler): Promise<void> {
    await Promise.resolve();
    let failures = 0;
    let ahead: Promise<Attempt> | null = null;
    try {
      while (!this.stopping) {
        const a: Attempt = await (ahead ?? this.attempt(this.next));
        ahead = null;
        if (this.stopping) break;
        if (!a.ok) {
          await this.failed(a.err, failures++);
          continue;
        }
        failures = 0;
        this.health(true);
        const last = a.f.records.at(-1);
        if (last !== undefined) ahead = this.attempt(last.offset + 1n);
        for (const { offset, record } of a.f.records) {
          if (offset < this.next) continue;
          const m: Message = fromRecord(this.topic, offset, record);
          try {
            await handler(m);
          } catch (err) {
            throw new HandlerFailure(err);
          }
          this.next = offset + 1n;
          if (this.stopping) break;
        }
      }
    } catch (err) {
      if (err instanceof HandlerFailure) throw err.error;
      throw err;
    } finally {
      await this.fetcher.close().catch(() => {});
      await ahead;
    }
  }

  /** A fetch failed: wait for the topic to reach the position, or for the broker to come back. */
  private async failed(err: unknown, failures: number): Promise<void> {
    if (apiIds(err).includes("OFFSET_OUT_OF_RANGE")) {
      const { start } = await this.fetcher.ends(this.kafka_topic).catch(() => ({ start: 0n }));
      if (this.next < start) {
        throw new TransportError(
          "UNAVAILABLE",
          `${this.topic}: seq ${this.next + 1n} is no longer held (the topic starts at seq ${start + 1n}); was its retention changed?`,
        );
      }
      // Asked beyond the end: the position is ahead of the topic, wait for it.
      await this.pause(this.tuning.fetch_wait_ms);
      return;
    }
    if (err instanceof TransportError && err.code !== "UNAVAILABLE") throw err;
    this.health(false);
    await this.pause(backoff_ms(failures));
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
      if (this.stopping) this.wake();
    });
  }
}
