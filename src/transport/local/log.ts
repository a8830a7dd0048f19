// The embedded event log: one journal per topic under a data folder. Each
// topic is a segmented, group-committed, checksummed file log; subscribers
// follow it from a position. Same contract as the JetStream log.

import { join } from "node:path";
import { Writer } from "../../core/mod.ts";
import { Journal } from "../../journal/mod.ts";
import { decodeEnvelope, encodeEnvelope } from "../envelope.ts";
import {
  type EventLog,
  type Message,
  type MessageHandler,
  type PublishOptions,
  type SubscribeOptions,
  type Subscription,
  TransportError,
} from "../types.ts";
import { RecentMessages, TailSubscription } from "./tail.ts";

export interface LocalLogOptions {
  dir: string;
  /** "none" is UNSAFE (no fsync); "batch" is group commit. */
  sync: "batch" | "none";
  /** Recent message ids remembered per topic to drop republished duplicates. */
  dedup_window?: number;
  segment_bytes_max?: number;
}

interface TopicLog {
  journal: Journal;
  ids: Map<string, number>;
  order: string[];
  head: number;
  recent: RecentMessages;
}

const TOPIC_RE = /^[A-Za-z0-9_.-]{1,128}$/;

export class LocalLog implements EventLog {
  private readonly topics = new Map<string, TopicLog>();
  private readonly opening = new Map<string, Promise<TopicLog>>();
  private readonly writer = new Writer(4096);
  private readonly window: number;
  private closed = false;

  constructor(private readonly opts: LocalLogOptions) {
    this.window = opts.dedup_window ?? 50_000;
  }

  async ensureTopics(names: readonly string[]): Promise<void> {
    await Promise.all(names.map((n) => this.open(n)));
  }

  private open(name: string): Promise<TopicLog> {
    if (this.closed) return Promise.reject(new TransportError("CLOSED", "event log is closed"));
    const t = this.topics.get(name);
    if (t !== undefined) return Promise.resolve(t);
    let p = this.opening.get(name);
    if (p === undefined) {
      if (!TOPIC_RE.test(name)) return Promise.reject(new RangeError(`bad topic name ${name}`));
      p = (async () => {
        const journal = await Journal.open({
          dir: join(this.opts.dir, name),
          sync: this.opts.sync,
          ...(this.opts.segment_bytes_max === undefined
            ? {}
            : { segment_bytes_max: this.opts.segment_bytes_max }),
        });
        const topic: TopicLog = {
          journal,
          ids: new Map(),
          order: [],
          head: 0,
          recent: new RecentMessages(),
        };
        // Rebuild the dedup memory from the tail, so a producer that republishes
        // after a restart does not store its messages twice.
        const last = journal.durableSeq();
        const from = Math.max(journal.firstSeq(), last - this.window + 1);
        if (last >= from) {
          await journal.read(from, (seq, bytes) =>
            this.remember(topic, decodeEnvelope(bytes).id, seq),
          );
        }
        this.topics.set(name, topic);
        return topic;
      })();
      this.opening.set(name, p);
    }
    return p;
  }

  private topic(name: string): TopicLog {
    const t = this.topics.get(name);
    if (t === undefined) throw new TransportError("UNAVAILABLE", `topic ${name} was not ensured`);
    return t;
  }

  private remember(t: TopicLog, id: string, seq: number): void {
    if (t.order.length < this.window) {
      t.order.push(id);
    } else {
      t.ids.delete(t.order[t.head] as string);
      t.order[t.head] = id;
      t.head = (t.head + 1) % this.window;
    }
    t.ids.set(id, seq);
  }

  publish(topic: string, payload: Uint8Array, options: PublishOptions): Promise<number> {
    const t = this.topic(topic);
    const seen = t.ids.get(options.id);
    if (seen !== undefined) return t.journal.flushed(seen).then(() => seen);
    const seq = t.journal.append(encodeEnvelope(this.writer, options.id, options.headers, payload));
    this.remember(t, options.id, seq);
    // Subscribers at the tail take it from memory once it is durable.
    t.recent.put({
      topic,
      seq,
      id: options.id,
      headers: options.headers ?? {},
      payload: Buffer.from(payload),
    });
    return t.journal.flushed(seq).then(() => seq);
  }

  subscribe(topic: string, options: SubscribeOptions, handler: MessageHandler): Subscription {
    const t = this.topic(topic);
    return new TailSubscription(topic, t.journal, t.recent, options.from_seq, handler);
  }

  async last(topic: string): Promise<Message | null> {
    const t = this.topic(topic);
    const seq = t.journal.durableSeq();
    if (seq < t.journal.firstSeq()) return null;
    let found: Message | null = null;
    await t.journal.read(
      seq,
      (s, bytes) => {
        const env = decodeEnvelope(bytes);
        found = {
          topic,
          seq: s,
          id: env.id,
          headers: env.headers,
          payload: Buffer.from(env.payload),
        };
      },
      seq,
    );
    return found;
  }

  /** Appended but possibly not yet durable, per topic; for lag metrics. */
  nextSeq(topic: string): number {
    return this.topic(topic).journal.nextSeq();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.opening.values()]);
    await Promise.all([...this.topics.values()].map((t) => t.journal.close()));
  }
}
