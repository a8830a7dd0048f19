// The distributed event log: one JetStream stream per topic, holding the one
// subject <prefix>.log.<topic>, file storage, replicated num_replicas times.
// Same contract as the embedded LocalLog (see ../types.ts).

import {
  DiscardPolicy,
  JetStreamApiCodes,
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
  type StreamInfo,
} from "@nats-io/jetstream";
import { nanos } from "@nats-io/transport-node";
import { Topic } from "../topics.ts";
import {
  type EventLog,
  type Message,
  type MessageHandler,
  type PublishOptions,
  type SubscribeOptions,
  type Subscription,
  TransportError,
} from "../types.ts";
import { AckInbox } from "./acks.ts";
import { apiErrorCode, backoff_ms, classify, describe, STREAM_NAME_IN_USE } from "./errors.ts";
import { checkHeaders, fromNats } from "./headers.ts";
import type { NatsLink } from "./link.ts";
import {
  checkPrefix,
  DEFAULT_PREFIX,
  durableName,
  streamDescription,
  type TopicNames,
  topicNames,
} from "./names.ts";
import { TopicPublisher } from "./publisher.ts";
import { type ConsumerTuning, DurableSubscription } from "./subscription.ts";

export interface JetStreamLogOptions {
  /** Subject and stream name prefix: exchanges (and test runs) sharing a server use different ones. Default "bourse". */
  prefix?: string;
  /** Copies of each stream in a cluster. Default 1; production runs 3 on a 3-node cluster. */
  num_replicas?: number;
  /** How long the server remembers message ids to drop republished ones. Default 120000. */
  duplicate_window_ms?: number;
  /** Wait for one publish attempt's acknowledgement. Default 5000. */
  publish_timeout_ms?: number;
  /** A publish fails after retrying this long; must be shorter than the duplicate window. Default 60000. */
  publish_deadline_ms?: number;
  /**
   * Topics written by several producers at once: their publishes are not
   * chained (see publisher.ts). Default: orders and balance.operations, which
   * every gateway writes; every other topic has one producer.
   */
  multi_producer_topics?: readonly string[];
  /** Messages per pull request. Default 256. */
  batch?: number;
  /** Messages delivered to one subscription but not yet handled, at most. Default 1024. */
  max_ack_pending?: number;
  /** Redelivery of an unacknowledged message. Default 30000. */
  ack_wait_ms?: number;
  /** Life of one pull request. Default 5000. */
  pull_expires_ms?: number;
}

interface OpenTopic {
  names: TopicNames;
  publisher: TopicPublisher;
}

export interface ConsumerState {
  /** Last stream seq the server delivered to the consumer. */
  delivered_seq: number;
  /** Every seq up to this one is acknowledged. */
  ack_floor_seq: number;
  /** Delivered and not yet acknowledged: bounded by max_ack_pending. */
  num_ack_pending: number;
  /** Stored and not yet delivered: the consumer's lag. */
  num_pending: number;
}

const MSG_ID = "Nats-Msg-Id";

export class JetStreamLog implements EventLog {
  readonly prefix: string;
  private readonly js: JetStreamClient;
  private readonly jsm: Promise<JetStreamManager>;
  private readonly acks: AckInbox;
  private readonly topics = new Map<string, OpenTopic>();
  private readonly subs = new Set<DurableSubscription>();
  private readonly multi: ReadonlySet<string>;
  private readonly tuning: ConsumerTuning;
  private readonly num_replicas: number;
  private readonly duplicate_window_ms: number;
  private readonly publish_timeout_ms: number;
  private readonly publish_deadline_ms: number;
  private closed = false;

  constructor(
    private readonly link: NatsLink,
    opts: JetStreamLogOptions = {},
  ) {
    this.prefix = checkPrefix(opts.prefix ?? DEFAULT_PREFIX);
    this.num_replicas = opts.num_replicas ?? 1;
    this.duplicate_window_ms = opts.duplicate_window_ms ?? 120_000;
    this.publish_timeout_ms = opts.publish_timeout_ms ?? 5000;
    this.publish_deadline_ms = opts.publish_deadline_ms ?? 60_000;
    if (this.publish_deadline_ms >= this.duplicate_window_ms) {
      throw new RangeError(
        `publish_deadline_ms (${this.publish_deadline_ms}) must be shorter than duplicate_window_ms (${this.duplicate_window_ms}): a later retry could be stored twice`,
      );
    }
    this.multi = new Set(opts.multi_producer_topics ?? [Topic.Orders]);
    this.tuning = {
      batch: opts.batch ?? 256,
      max_ack_pending: opts.max_ack_pending ?? 1024,
      ack_wait_ms: opts.ack_wait_ms ?? 30_000,
      pull_expires_ms: opts.pull_expires_ms ?? 5000,
    };
    this.js = jetstream(link.nc, { timeout: this.publish_timeout_ms });
    this.acks = new AckInbox(link, this.publish_timeout_ms);
    this.jsm = jetstreamManager(link.nc, { checkAPI: false, timeout: this.publish_timeout_ms });
    link.retain();
  }

  private streamConfig(names: TopicNames): Partial<StreamConfig> & { name: string } {
    return {
      name: names.stream,
      description: streamDescription(names.topic),
      subjects: [names.subject],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      num_replicas: this.num_replicas,
      duplicate_window: nanos(this.duplicate_window_ms),
      // The log is the services' source of truth: single messages are never removed.
      deny_delete: true,
      allow_direct: false,
    };
  }

  async ensureTopics(topics: readonly string[]): Promise<void> {
    if (this.closed) throw new TransportError("CLOSED", "event log is closed");
    await Promise.all(topics.map((t) => this.ensure(t)));
  }

  private async ensure(topic: string): Promise<void> {
    if (this.topics.has(topic)) return;
    const names = topicNames(this.prefix, topic);
    const last_seq = await this.retrying(`ensure topic ${topic}`, () => this.ensureStream(names));
    if (!this.topics.has(topic)) {
      const publisher = new TopicPublisher(
        this.acks,
        this.link,
        topic,
        names.subject,
        {
          deadline_ms: this.publish_deadline_ms,
          ordered: !this.multi.has(topic),
        },
        last_seq,
      );
      this.topics.set(topic, { names, publisher });
    }
  }

  /** Creates or checks the topic's stream; resolves with its last seq. */
  private async ensureStream(names: TopicNames): Promise<number> {
    const jsm = await this.jsm;
    let info: StreamInfo | null = null;
    try {
      info = await jsm.streams.info(names.stream);
    } catch (err) {
      if (apiErrorCode(err) !== JetStreamApiCodes.StreamNotFound) throw err;
    }
    if (info === null) {
      try {
        return (await jsm.streams.add(this.streamConfig(names))).state.last_seq;
      } catch (err) {
        // Another process created it first, maybe with other settings: check it.
        if (apiErrorCode(err) !== STREAM_NAME_IN_USE) throw err;
        info = await jsm.streams.info(names.stream);
      }
    }
    const c = info.config;
    if (c.subjects.length !== 1 || c.subjects[0] !== names.subject) {
      throw new TransportError(
        "UNAVAILABLE",
        `stream ${names.stream} holds ${JSON.stringify(c.subjects)}, not ${names.subject} (topic ${names.topic}): another topic or application owns that name`,
      );
    }
    if (c.storage !== StorageType.File) {
      throw new TransportError("UNAVAILABLE", `stream ${names.stream} is not on file storage`);
    }
    if (
      c.num_replicas !== this.num_replicas ||
      c.duplicate_window !== nanos(this.duplicate_window_ms)
    ) {
      await jsm.streams.update(names.stream, {
        num_replicas: this.num_replicas,
        duplicate_window: nanos(this.duplicate_window_ms),
      });
    }
    return info.state.last_seq;
  }

  /** Runs a management call, retrying while the server is away or busy, up to the publish deadline. */
  private async retrying<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.publish_deadline_ms;
    for (let attempt = 0; ; attempt++) {
      if (!this.link.ready) await this.link.whenReady(deadline);
      try {
        return await fn();
      } catch (err) {
        if (err instanceof TransportError) throw err;
        const kind = classify(err);
        if (kind === "closed") throw new TransportError("CLOSED", `${what}: connection closed`);
        if (kind !== "transient" || Date.now() >= deadline) {
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
    if (this.closed) return Promise.reject(new TransportError("CLOSED", "event log is closed"));
    try {
      checkHeaders(options.headers);
      if (options.id === "") throw new RangeError("publish: empty message id");
      return this.topic(topic).publisher.publish(payload, options.id, options.headers);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  subscribe(topic: string, options: SubscribeOptions, handler: MessageHandler): Subscription {
    if (this.closed) throw new TransportError("CLOSED", "event log is closed");
    const t = this.topic(topic);
    const sub = new DurableSubscription(
      this.js,
      this.jsm,
      this.link,
      t.names,
      options,
      this.tuning,
      handler,
    );
    this.subs.add(sub);
    const forget = () => this.subs.delete(sub);
    sub.done.then(forget, forget);
    return sub;
  }

  async last(topic: string): Promise<Message | null> {
    const { names } = this.topic(topic);
    // A get through the stream leader, not a direct get: a replica may lag,
    // and callers use this to decide what still needs publishing.
    const m = await this.retrying(`last of ${topic}`, async () =>
      (await this.jsm).streams.getMessage(names.stream, { last_by_subj: names.subject }),
    );
    if (m === null) return null;
    return {
      topic,
      seq: m.seq,
      id: m.header.get(MSG_ID),
      headers: fromNats(m.header),
      payload: m.data,
    };
  }

  /** The server's view of a durable consumer, for lag metrics; null if it does not exist. */
  async consumerState(topic: string, name: string): Promise<ConsumerState | null> {
    const { names } = this.topic(topic);
    try {
      const ci = await (await this.jsm).consumers.info(names.stream, durableName(name));
      return {
        delivered_seq: ci.delivered.stream_seq,
        ack_floor_seq: ci.ack_floor.stream_seq,
        num_ack_pending: ci.num_ack_pending,
        num_pending: ci.num_pending,
      };
    } catch (err) {
      if (apiErrorCode(err) === JetStreamApiCodes.ConsumerNotFound) return null;
      throw err;
    }
  }

  /** Stops every subscription (after the message in hand), then lets go of the connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.subs].map((s) => s.stop()));
    this.acks.close();
    await this.link.release();
  }
}
