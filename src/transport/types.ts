// The two things services need from a transport, whatever it is (a local file
// log in embedded mode, NATS JetStream when distributed): a durable, replayable
// event log of topics, and a request/reply channel for answers and queries.

/** Message headers: event ids, W3C trace context, reply addresses. */
export type Headers = Record<string, string>;

export const Header = {
  /** The business event id: the same in every service (deposit_..., order id, trade id). */
  EventId: "bourse-event-id",
  /** Where the producer wants the outcome sent (an RPC inbox subject). */
  ReplyTo: "bourse-reply-to",
  /** Correlates a reply with its request at the reply address. */
  Correlation: "bourse-corr",
  TraceParent: "traceparent",
  TraceState: "tracestate",
} as const;

export interface Message {
  topic: string;
  /** Position in the topic: 1-based, increasing; the consumer's resume point. */
  seq: number;
  /** Producer-assigned, stable across retries: a republished id is stored once. */
  id: string;
  headers: Headers;
  payload: Uint8Array;
}

export interface PublishOptions {
  id: string;
  headers?: Headers;
}

export interface SubscribeOptions {
  /** Deliver from this topic seq (the consumer's own stored position + 1). */
  from_seq: number;
  /** Durable consumer name, unique per consuming service and topic. */
  name: string;
  /**
   * A consumer that keeps no position worth keeping (a gateway following the
   * outputs from the tail): transports may forget it soon after it stops.
   */
  transient?: boolean;
}

export interface Subscription {
  /** Settles when the subscription ends; rejects on a transport or handler failure. */
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

export type MessageHandler = (m: Message) => void | Promise<void>;

export interface EventLog {
  /** Create (or check) topics before use. */
  ensureTopics(topics: readonly string[]): Promise<void>;
  /**
   * Append; resolves with the message's seq once the log holds it durably. A
   * message whose id was already published resolves with the first seq.
   */
  publish(topic: string, payload: Uint8Array, options: PublishOptions): Promise<number>;
  /**
   * Deliver messages in order from options.from_seq, then follow the tail; a
   * handler's promise is awaited before the next (back-pressure).
   */
  subscribe(topic: string, options: SubscribeOptions, handler: MessageHandler): Subscription;
  /** The last message of a topic, or null when empty. */
  last(topic: string): Promise<Message | null>;
  close(): Promise<void>;
}

export type RequestHandler = (
  payload: Uint8Array,
  headers: Headers,
) => Uint8Array | Promise<Uint8Array>;

export interface Rpc {
  /** Answer requests sent to a subject. Several servers of one subject share the load. */
  serve(subject: string, handler: RequestHandler): Subscription;
  /** Send a request and wait for one answer; rejects on timeout or when nobody serves it. */
  request(
    subject: string,
    payload: Uint8Array,
    options: { timeout_ms: number; headers?: Headers },
  ): Promise<Uint8Array>;
  /** One-way send (for replies to an inbox). */
  send(subject: string, payload: Uint8Array, headers?: Headers): void;
  /** A private subject on which this process receives sends. */
  inbox(handler: (payload: Uint8Array, headers: Headers) => void): {
    subject: string;
    stop(): void;
  };
  close(): Promise<void>;
}

export class TransportError extends Error {
  constructor(
    readonly code: "TIMEOUT" | "NO_RESPONDERS" | "CLOSED" | "UNAVAILABLE" | "CORRUPT",
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "TransportError";
  }
}
