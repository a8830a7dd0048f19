// A subscription to one topic through a durable pull consumer. The service's
// own position (from_seq) is the authority: the durable is resumed only when
// it has delivered nothing at or beyond that position and nothing it
// delivered awaits an ack; otherwise it is recreated to start there. Resuming
// it would skip what the service has not seen (a service restored from an
// older snapshot asks for an earlier position than the durable's), or leave
// lost deliveries to come back only after the ack wait, out of order.
//
// Delivery to the handler is strictly in order, once each: a message below the
// expected seq is acknowledged and skipped (redeliveries after a lost ack or a
// reconnect); a message beyond it means some were lost on the way (they went
// to a connection that died and wait for redelivery), so the consumer is
// recreated at the expected seq. Only the first message a freshly created
// consumer delivers may be beyond the expected seq: the stream then holds
// nothing in between.

import {
  AckPolicy,
  type ConsumerConfig,
  type ConsumerInfo,
  type ConsumerMessages,
  DeliverPolicy,
  JetStreamApiCodes,
  type JetStreamClient,
  type JetStreamManager,
  ReplayPolicy,
} from "@nats-io/jetstream";
import { nanos } from "@nats-io/transport-node";
import {
  type Message,
  type MessageHandler,
  type SubscribeOptions,
  type Subscription,
  TransportError,
} from "../types.ts";
import { apiErrorCode, backoff_ms, classify, describe } from "./errors.ts";
import { fromNats } from "./headers.ts";
import type { NatsLink } from "./link.ts";
import { consumerDescription, durableName, type TopicNames } from "./names.ts";

export interface ConsumerTuning {
  /** Messages asked for per pull request. */
  batch: number;
  /** Delivered but unacknowledged messages the server allows: the client's buffer bound. */
  max_ack_pending: number;
  /** Redelivery of an unacknowledged message after this long. */
  ack_wait_ms: number;
  /** Life of one pull request; heartbeats come every half of it. */
  pull_expires_ms: number;
}

const MSG_ID = "Nats-Msg-Id";

/** Why one consumer's delivery loop ended. */
type End = "stopped" | "reattach" | "recreate";

class HandlerFailure {
  constructor(readonly error: unknown) {}
}

export class DurableSubscription implements Subscription {
  readonly done: Promise<void>;
  private readonly durable: string;
  private expected: number;
  private stopping = false;
  private must_recreate = false;
  private messages: ConsumerMessages | null = null;
  private wake: (() => void) | null = null;

  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: Promise<JetStreamManager>,
    private readonly link: NatsLink,
    private readonly names: TopicNames,
    private readonly options: SubscribeOptions,
    private readonly tuning: ConsumerTuning,
    handler: MessageHandler,
  ) {
    this.durable = durableName(options.name);
    this.expected = Math.max(1, options.from_seq);
    this.done = this.run(handler);
  }

  /** Stops after the message being handled, if any; resolves (or rejects) like done. */
  stop(): Promise<void> {
    this.stopping = true;
    this.messages?.stop();
    this.signal();
    return this.done;
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private async run(handler: MessageHandler): Promise<void> {
    // A reconnect ends the current pull loop: its requests died with the old
    // connection, and the durable's state decides how to go on.
    const off = this.link.onChange(() => {
      if (this.link.ready) this.messages?.stop();
      this.signal();
    });
    try {
      await Promise.resolve();
      let failures = 0;
      while (!this.stopping && !this.link.isClosed()) {
        if (!this.link.ready) {
          await this.pause(Number.POSITIVE_INFINITY);
          continue;
        }
        let end: End;
        const before = this.expected;
        try {
          const { info, fresh } = await this.attach();
          end = await this.deliver(info, fresh, handler);
        } catch (err) {
          if (err instanceof HandlerFailure) throw err.error;
          if (err instanceof TransportError) throw err;
          const kind = classify(err);
          if (kind === "closed") return;
          if (kind === "fatal") {
            throw new TransportError(
              "UNAVAILABLE",
              `consumer ${this.durable} on ${this.names.stream}: ${describe(err)}`,
              { cause: err },
            );
          }
          await this.pause(backoff_ms(failures++));
          continue;
        }
        if (end === "recreate") this.must_recreate = true;
        // A pull loop that ended without handing anything over must not spin.
        if (this.expected === before && end !== "stopped") await this.pause(backoff_ms(failures++));
        else failures = 0;
      }
    } finally {
      off();
      this.messages?.stop();
      this.messages = null;
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = ms === Number.POSITIVE_INFINITY ? undefined : setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
      if (this.stopping || this.link.isClosed()) this.signal();
    });
  }

  private config(): ConsumerConfig {
    return {
      durable_name: this.durable,
      description: consumerDescription(this.options.name),
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: this.expected,
      filter_subject: this.names.subject,
      max_ack_pending: this.tuning.max_ack_pending,
      // A transient follower's consumer goes once it has been idle a minute.
      ...(this.options.transient === true ? { inactive_threshold: nanos(60_000) } : {}),
      ack_wait: nanos(this.tuning.ack_wait_ms),
      max_deliver: -1,
      replay_policy: ReplayPolicy.Instant,
    } as ConsumerConfig;
  }

  /** Resumes the durable when that skips nothing, else creates it afresh at the expected seq. */
  private async attach(): Promise<{ info: ConsumerInfo; fresh: boolean }> {
    const jsm = await this.jsm;
    const { stream } = this.names;
    let info: ConsumerInfo | null = null;
    try {
      info = await jsm.consumers.info(stream, this.durable);
    } catch (err) {
      if (apiErrorCode(err) !== JetStreamApiCodes.ConsumerNotFound) throw err;
    }
    if (info !== null) {
      const c = info.config;
      if (c.description !== consumerDescription(this.options.name)) {
        throw new TransportError(
          "UNAVAILABLE",
          `durable consumer ${this.durable} on ${stream} is not ${JSON.stringify(this.options.name)}'s (${c.description ?? "no description"}): rename one of them`,
        );
      }
      const fits =
        !this.must_recreate &&
        c.ack_policy === AckPolicy.Explicit &&
        c.deliver_subject === undefined &&
        c.filter_subject === this.names.subject &&
        c.max_ack_pending === this.tuning.max_ack_pending &&
        c.ack_wait === nanos(this.tuning.ack_wait_ms) &&
        info.num_ack_pending === 0 &&
        info.delivered.stream_seq < this.expected;
      if (fits) return { info, fresh: false };
      try {
        await jsm.consumers.delete(stream, this.durable);
      } catch (err) {
        if (apiErrorCode(err) !== JetStreamApiCodes.ConsumerNotFound) throw err;
      }
    }
    const created = await jsm.consumers.add(stream, this.config());
    this.must_recreate = false;
    return { info: created, fresh: true };
  }

  private async deliver(info: ConsumerInfo, fresh: boolean, handler: MessageHandler): Promise<End> {
    const consumer = this.js.consumers.getConsumerFromInfo(info);
    const messages = await consumer.consume({
      max_messages: this.tuning.batch,
      expires: this.tuning.pull_expires_ms,
    });
    this.messages = messages;
    let end: End = "reattach";
    void (async () => {
      for await (const s of messages.status()) {
        if (
          s.type === "consumer_deleted" ||
          s.type === "consumer_not_found" ||
          s.type === "stream_not_found"
        ) {
          end = "recreate";
          messages.stop();
        }
      }
    })();
    if (this.stopping) messages.stop();
    let may_jump = fresh;
    try {
      for await (const m of messages) {
        const seq = m.seq;
        if (seq < this.expected) {
          m.ack();
          continue;
        }
        if (seq > this.expected && !may_jump) return "recreate";
        may_jump = false;
        const message: Message = {
          topic: this.names.topic,
          seq,
          id: m.headers?.get(MSG_ID) ?? "",
          headers: fromNats(m.headers),
          payload: m.data,
        };
        try {
          await handler(message);
        } catch (err) {
          throw new HandlerFailure(err);
        }
        m.ack();
        this.expected = seq + 1;
        if (this.stopping) return "stopped";
      }
    } finally {
      messages.stop();
      if (this.messages === messages) this.messages = null;
    }
    return this.stopping ? "stopped" : end;
  }
}
