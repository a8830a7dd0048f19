// The event log on Apache Kafka: one topic per Bourse topic, named
// "<prefix>.<topic>", with one partition, so every topic is totally ordered
// and its offsets are the log's seqs (seq = offset + 1). Parallelism comes
// from separate topics (per-symbol names in the topic registry), as with the
// other logs. Same contract as LocalLog and JetStreamLog (see ../types.ts).

import { Admin, Producer } from "@platformatic/kafka";
import {
  type EventLog,
  type Message,
  type MessageHandler,
  type PublishOptions,
  type SubscribeOptions,
  type Subscription,
  TransportError,
} from "../types.ts";
import { apiIds, backoff_ms, classify, describe } from "./errors.ts";
import { type ClientOptions, Fetcher } from "./fetcher.ts";
import { IdMemory } from "./memory.ts";
import { checkPrefix, DEFAULT_PREFIX, kafkaTopic } from "./names.ts";
import { TopicPublisher } from "./publisher.ts";
import { fromRecord } from "./records.ts";
import { FetchSubscription } from "./subscription.ts";

export interface KafkaLogOptions {
  /** Bootstrap brokers, "host:port", one or several. */
  brokers: string | readonly string[];
  /** Topic name prefix: exchanges (and test runs) sharing a cluster use different ones. Default "bourse". */
  prefix?: string;
  /** Client id shown by the broker (producers and readers add a suffix). Default "bourse". */
  client_id?: string;
  /** Copies of each topic. Default 1; production: 3 on a 3-broker cluster. */
  replication_factor?: number;
  /** In-sync copies a publish needs. Default: 2 when replicated, else 1. */
  min_insync_replicas?: number;
  /** Recent ids remembered per topic to answer republished ones, at most. Default 50000. */
  dedup_window?: number;
  /**
   * At start, ids are read back from the topic's tail only as far as messages
   * stored this recently (and dedup_window of them at most), as JetStream's
   * duplicate window. Default 120000.
   */
  dedup_window_ms?: number;
  /** A publish fails after retrying this long. Default 60000. */
  publish_deadline_ms?: number;
  /** One request's time limit. Default 5000. */
  request_timeout_ms?: number;
  /** Default 5000. */
  connect_timeout_ms?: number;
  /** Messages per produce request, at most. Default 1024. */
  batch_messages_max?: number;
  /** Bytes per produce request, at most; below the broker's max.message.bytes. Default 900000. */
  batch_bytes_max?: number;
  /** Bytes per fetch. Default 1048576. */
  fetch_bytes?: number;
  /** How long a fetch at the tail waits on the broker. Default 500. */
  fetch_wait_ms?: number;
}

interface OpenTopic {
  kafka_topic: string;
  publisher: TopicPublisher;
}

export class KafkaLog implements EventLog {
  readonly prefix: string;
  readonly brokers: readonly string[];
  private readonly client: ClientOptions;
  private readonly admin: Admin;
  private readonly reader: Fetcher;
  private readonly topics = new Map<string, OpenTopic>();
  private readonly ensuring = new Map<string, Promise<void>>();
  private readonly subs = new Set<FetchSubscription>();
  private readonly o: Required<Omit<KafkaLogOptions, "brokers" | "prefix" | "client_id">>;
  /** Parts (publishers, subscriptions, admin calls) whose last broker request failed. */
  private readonly failing = new Set<string>();
  private parts = 0;
  private closed = false;

  constructor(opts: KafkaLogOptions) {
    this.brokers = typeof opts.brokers === "string" ? splitBrokers(opts.brokers) : opts.brokers;
    if (this.brokers.length === 0) throw new RangeError("Kafka: no broker given");
    this.prefix = checkPrefix(opts.prefix ?? DEFAULT_PREFIX);
    const rf = opts.replication_factor ?? 1;
    this.o = {
      replication_factor: rf,
      min_insync_replicas: opts.min_insync_replicas ?? Math.min(2, rf),
      dedup_window: opts.dedup_window ?? 50_000,
      dedup_window_ms: opts.dedup_window_ms ?? 120_000,
      publish_deadline_ms: opts.publish_deadline_ms ?? 60_000,
      request_timeout_ms: opts.request_timeout_ms ?? 5000,
      connect_timeout_ms: opts.connect_timeout_ms ?? 5000,
      batch_messages_max: opts.batch_messages_max ?? 1024,
      batch_bytes_max: opts.batch_bytes_max ?? 900_000,
      fetch_bytes: opts.fetch_bytes ?? 1_048_576,
      fetch_wait_ms: opts.fetch_wait_ms ?? 500,
    };
    this.client = {
      brokers: this.brokers,
      client_id: opts.client_id ?? "bourse",
      request_timeout_ms: this.o.request_timeout_ms,
      connect_timeout_ms: this.o.connect_timeout_ms,
    };
    this.admin = new Admin({
      clientId: `${this.client.client_id}-admin`,
      bootstrapBrokers: [...this.brokers],
      timeout: this.o.request_timeout_ms,
      connectTimeout: this.o.connect_timeout_ms,
      retries: 0,
    });
    this.reader = new Fetcher(this.client, "reader");
  }

  /** The broker answered the last request of every part of this log (for readiness probes). */
  get ready(): boolean {
    return this.failing.size === 0 && !this.closed;
  }

  private health(part: string): (ok: boolean) => void {
    return (ok) => {
      if (ok) this.failing.delete(part);
      else this.failing.add(part);
    };
  }

  /** Resolves once a broker answers a metadata request; rejects after connect_timeout_ms. */
  async check(): Promise<void> {
    await this.retrying(
      `reach Kafka at ${this.brokers.join(",")}`,
      () => this.admin.metadata({ topics: [] }),
      this.o.connect_timeout_ms,
    );
  }

  async ensureTopics(topics: readonly string[]): Promise<void> {
    if (this.closed) throw closedError();
    await Promise.all(topics.map((t) => this.ensure(t)));
  }

  private ensure(topic: string): Promise<void> {
    if (this.topics.has(topic)) return Promise.resolve();
    let p = this.ensuring.get(topic);
    if (p === undefined) {
      p = this.open(topic).finally(() => this.ensuring.delete(topic));
      this.ensuring.set(topic, p);
    }
    return p;
  }

  private async open(topic: string): Promise<void> {
    const kafka_topic = kafkaTopic(this.prefix, topic);
    await this.retrying(`ensure topic ${kafka_topic}`, () => this.create(kafka_topic));
    const memory = new IdMemory(this.o.dedup_window);
    const scanned_to = await this.retrying(`read the tail of ${kafka_topic}`, () =>
      this.remember(topic, kafka_topic, memory),
    );
    const publisher = new TopicPublisher(
      {
        topic,
        kafka_topic,
        memory,
        reader: this.reader,
        newProducer: () => this.newProducer(topic),
        health: this.health(`publish ${topic}`),
      },
      {
        deadline_ms: this.o.publish_deadline_ms,
        batch_messages_max: this.o.batch_messages_max,
        batch_bytes_max: this.o.batch_bytes_max,
        fetch_bytes: this.o.fetch_bytes,
      },
      scanned_to,
    );
    if (this.closed) {
      await publisher.close();
      throw closedError();
    }
    this.topics.set(topic, { kafka_topic, publisher });
  }

  /** Creates the topic, or checks that an existing one has one partition. */
  private async create(kafka_topic: string): Promise<void> {
    try {
      await this.admin.createTopics({
        topics: [kafka_topic],
        partitions: 1,
        replicas: this.o.replication_factor,
        configs: [
          // The log is the services' source of truth: nothing expires.
          { name: "retention.ms", value: "-1" },
          { name: "retention.bytes", value: "-1" },
          { name: "cleanup.policy", value: "delete" },
          { name: "min.insync.replicas", value: String(this.o.min_insync_replicas) },
          { name: "unclean.leader.election.enable", value: "false" },
        ],
      });
      return;
    } catch (err) {
      if (!apiIds(err).includes("TOPIC_ALREADY_EXISTS")) throw err;
    }
    const m = await this.admin.metadata({ topics: [kafka_topic], forceUpdate: true });
    const n = m.topics.get(kafka_topic)?.partitionsCount ?? 0;
    if (n !== 1) {
      throw new TransportError(
        "UNAVAILABLE",
        `Kafka topic ${kafka_topic} has ${n} partitions; a Bourse topic needs exactly 1 (total order, seq = offset + 1)`,
      );
    }
  }

  /** Reads the tail's recent ids into memory; resolves with the offset read up to. */
  private async remember(topic: string, kafka_topic: string, memory: IdMemory): Promise<bigint> {
    const { start, end } = await this.reader.ends(kafka_topic);
    let from = end - BigInt(memory.window);
    const recent = await this.reader.offsetAt(kafka_topic, Date.now() - this.o.dedup_window_ms);
    if (from < recent) from = recent;
    if (from < start) from = start;
    while (from < end) {
      const f = await this.reader.fetch(kafka_topic, from, this.o.fetch_bytes, 0);
      if (f.records.length === 0) break;
      for (const { offset, record } of f.records) {
        if (offset >= end) break;
        memory.remember(fromRecord(topic, offset, record).id, Number(offset) + 1);
        from = offset + 1n;
      }
    }
    return end;
  }

  private newProducer(topic: string): Producer {
    return new Producer({
      clientId: `${this.client.client_id}-${topic}`.replace(/[^A-Za-z0-9._-]/g, "_"),
      bootstrapBrokers: [...this.brokers],
      idempotent: true,
      timeout: this.o.request_timeout_ms,
      connectTimeout: this.o.connect_timeout_ms,
      requestTimeout: this.o.request_timeout_ms,
      // Quick retries inside the client (a moved leader); longer ones are the publisher's.
      retries: 2,
      retryDelay: 50,
    });
  }

  /** Runs a call, retrying while the broker is away or busy, up to a deadline. */
  private async retrying<T>(
    what: string,
    fn: () => Promise<T>,
    limit_ms = this.o.publish_deadline_ms,
  ): Promise<T> {
    const deadline = Date.now() + limit_ms;
    for (let attempt = 0; ; attempt++) {
      if (this.closed) throw closedError();
      try {
        const r = await fn();
        this.failing.delete("admin");
        return r;
      } catch (err) {
        if (err instanceof TransportError) throw err;
        const kind = classify(err);
        if (kind === "closed") throw closedError();
        this.failing.add("admin");
        if (kind === "fatal" || Date.now() >= deadline) {
          throw new TransportError("UNAVAILABLE", `${what}: ${describe(err)}`, { cause: err });
        }
      }
      await new Promise((resolve) => setTimeout(resolve, backoff_ms(attempt)));
    }
  }

  private topic(name: string): OpenTopic {
    const t = this.topics.get(name);
    if (t === undefined) throw new TransportError("UNAVAILABLE", `topic ${name} was not ensured`);
    return t;
  }

  publish(topic: string, payload: Uint8Array, options: PublishOptions): Promise<number> {
    if (this.closed) return Promise.reject(closedError());
    try {
      if (options.id === "") throw new RangeError("publish: empty message id");
      return this.topic(topic).publisher.publish(options.id, options.headers, payload);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  subscribe(topic: string, options: SubscribeOptions, handler: MessageHandler): Subscription {
    if (this.closed) throw closedError();
    const t = this.topic(topic);
    const part = `subscription ${options.name} #${++this.parts}`;
    const sub = new FetchSubscription(
      new Fetcher(this.client, `sub-${options.name}`),
      topic,
      t.kafka_topic,
      options,
      { fetch_bytes: this.o.fetch_bytes, fetch_wait_ms: this.o.fetch_wait_ms },
      this.health(part),
      handler,
    );
    this.subs.add(sub);
    const forget = () => {
      this.subs.delete(sub);
      this.failing.delete(part);
    };
    sub.done.then(forget, forget);
    return sub;
  }

  async last(topic: string): Promise<Message | null> {
    const { kafka_topic } = this.topic(topic);
    return this.retrying(`last of ${kafka_topic}`, async () => {
      const { start, end } = await this.reader.ends(kafka_topic);
      if (end <= start) return null;
      const f = await this.reader.fetch(kafka_topic, end - 1n, this.o.fetch_bytes, 0);
      const r = f.records.find((x) => x.offset === end - 1n);
      if (r === undefined) {
        throw new TransportError("CORRUPT", `${kafka_topic}: no message at offset ${end - 1n}`);
      }
      return fromRecord(topic, r.offset, r.record);
    });
  }

  /** Stops every subscription (after the message in hand), fails what is unpublished, lets go of the clients. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.subs].map((s) => s.stop()));
    await Promise.allSettled([...this.ensuring.values()]);
    await Promise.all([...this.topics.values()].map((t) => t.publisher.close()));
    await Promise.all([this.reader.close(), this.admin.close().catch(() => {})]);
  }
}

/** "a:9092, b:9092" → ["a:9092", "b:9092"]. */
export function splitBrokers(text: string): string[] {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

function closedError(): TransportError {
  return new TransportError("CLOSED", "event log is closed");
}
