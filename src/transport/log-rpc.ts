// Request/reply carried by an event log that has none of its own (Kafka): two
// topics, `rpc.requests` and `rpc.replies`. A server follows the requests
// topic from its tail and publishes each answer to the replies topic; a
// requester follows the replies topic from its tail and takes the answers
// addressed to its own inbox. The gateway's reads of the sequencer's live
// state (balances, depth, a transfer's first outcome, a market book to
// resync from) go through here unchanged, as they go through NATS
// request/reply on JetStream.
//
// Nothing here is durable in effect: requests published while no server
// follows the topic are never answered (the requester times out, as over
// NATS), and a server skips requests whose requester has given up.

import { randomBytes } from "node:crypto";
import { Topic } from "./topics.ts";
import {
  type EventLog,
  Header,
  type Headers,
  type Message,
  type RequestHandler,
  type Rpc,
  type Subscription,
  TransportError,
} from "./types.ts";

/** Headers of the RPC messages; they travel beside the caller's own headers. */
const H = {
  subject: "bourse-rpc-subject",
  /** Epoch ms after which the requester no longer waits: the server skips the request. */
  deadline: "bourse-rpc-deadline",
  error: "bourse-rpc-error",
} as const;

interface Pending {
  resolve: (payload: Uint8Array) => void;
  reject: (err: unknown) => void;
  timer: NodeJS.Timeout;
}

export interface LogRpcOptions {
  /** Labels this process's subscriptions. */
  name?: string;
}

export class LogRpc implements Rpc {
  /** Unique per process: message ids and inbox subjects never meet another's. */
  private readonly instance = randomBytes(6).toString("hex");
  private readonly handlers = new Map<string, RequestHandler>();
  private readonly inboxes = new Map<string, (payload: Uint8Array, headers: Headers) => void>();
  private readonly pending = new Map<string, Pending>();
  private readonly own_inbox: string;
  private serving: Promise<Subscription> | null = null;
  private replies: Promise<Subscription> | null = null;
  private ensured: Promise<void> | null = null;
  private n = 0;
  private closed = false;

  constructor(
    private readonly log: EventLog,
    private readonly opts: LogRpcOptions = {},
  ) {
    this.own_inbox = `_inbox.${this.instance}`;
  }

  private ensure(): Promise<void> {
    this.ensured ??= this.log.ensureTopics([Topic.RpcRequests, Topic.RpcReplies]).catch((err) => {
      this.ensured = null;
      throw err;
    });
    return this.ensured;
  }

  /** One subscription from the tail of a topic, started once and shared. */
  private async tail(topic: string, role: string, on: (m: Message) => void): Promise<Subscription> {
    await this.ensure();
    const last = await this.log.last(topic);
    const sub = this.log.subscribe(
      topic,
      {
        from_seq: (last?.seq ?? 0) + 1,
        name: `${this.opts.name ?? "rpc"}.${role}.${this.instance}`,
        transient: true,
      },
      on,
    );
    sub.done.catch(() => undefined);
    return sub;
  }

  serve(subject: string, handler: RequestHandler): Subscription {
    if (this.closed) throw new TransportError("CLOSED", "rpc is closed");
    if (this.handlers.has(subject)) throw new RangeError(`${subject} is already served here`);
    this.handlers.set(subject, handler);
    this.serving ??= this.tail(Topic.RpcRequests, "serve", (m) => this.answer(m));
    let resolve_done: () => void = () => undefined;
    const done = new Promise<void>((r) => {
      resolve_done = r;
    });
    this.serving.then(
      (sub) => sub.done.then(resolve_done, resolve_done),
      () => resolve_done(),
    );
    return {
      done,
      stop: async () => {
        if (this.handlers.get(subject) === handler) this.handlers.delete(subject);
        resolve_done();
      },
    };
  }

  private answer(m: Message): void {
    const subject = m.headers[H.subject];
    const to = m.headers[Header.ReplyTo];
    const corr = m.headers[Header.Correlation];
    if (subject === undefined || to === undefined || corr === undefined) return;
    const handler = this.handlers.get(subject);
    if (handler === undefined) return;
    if (Number(m.headers[H.deadline] ?? Infinity) < Date.now()) return;
    const reply = (payload: Uint8Array, headers: Headers) =>
      this.publishReply(`rp:${this.instance}:${m.seq}`, to, payload, {
        ...headers,
        [Header.Correlation]: corr,
      });
    // The answer reads the state as it is when the request arrives; the reply
    // is not waited for, so one slow publish does not hold up the next request.
    Promise.resolve()
      .then(() => handler(m.payload, requestHeaders(m.headers)))
      .then(
        (out) => reply(out, {}),
        (err: unknown) =>
          reply(new Uint8Array(0), {
            [H.error]: oneLine(err instanceof Error ? err.message : String(err)),
          }),
      );
  }

  private publishReply(id: string, to: string, payload: Uint8Array, headers: Headers): void {
    if (this.closed) return;
    this.ensure()
      .then(() =>
        this.log.publish(Topic.RpcReplies, payload, {
          id,
          headers: { ...headers, [Header.ReplyTo]: to },
        }),
      )
      .catch(() => undefined);
  }

  private follow(): Promise<Subscription> {
    this.replies ??= this.tail(Topic.RpcReplies, "replies", (m) => this.onReply(m)).catch((err) => {
      // Asked again by the next request: the broker may be back by then.
      this.replies = null;
      throw err;
    });
    return this.replies;
  }

  private onReply(m: Message): void {
    const to = m.headers[Header.ReplyTo];
    if (to === undefined) return;
    if (to === this.own_inbox) {
      const corr = m.headers[Header.Correlation];
      const p = corr === undefined ? undefined : this.pending.get(corr);
      if (p === undefined || corr === undefined) return;
      this.pending.delete(corr);
      clearTimeout(p.timer);
      const error = m.headers[H.error];
      if (error !== undefined) p.reject(new TransportError("UNAVAILABLE", error));
      else p.resolve(m.payload.slice());
      return;
    }
    const handler = this.inboxes.get(to);
    if (handler === undefined) return;
    // The address is this channel's; every other header is the sender's.
    const { [Header.ReplyTo]: _to, ...headers } = m.headers;
    handler(m.payload.slice(), headers);
  }

  async request(
    subject: string,
    payload: Uint8Array,
    options: { timeout_ms: number; headers?: Headers },
  ): Promise<Uint8Array> {
    if (this.closed) throw new TransportError("CLOSED", "rpc is closed");
    const deadline_ms = Date.now() + options.timeout_ms;
    // Following the replies before the request leaves: its answer cannot be missed.
    await this.follow();
    const corr = String(++this.n);
    const answered = new Promise<Uint8Array>((resolve, reject) => {
      const left_ms = Math.max(1, deadline_ms - Date.now());
      const timer = setTimeout(() => {
        this.pending.delete(corr);
        reject(new TransportError("TIMEOUT", `${subject}: no answer in ${options.timeout_ms} ms`));
      }, left_ms);
      this.pending.set(corr, { resolve, reject, timer });
    });
    this.log
      .publish(Topic.RpcRequests, payload, {
        id: `rq:${this.instance}:${corr}`,
        headers: {
          ...(options.headers ?? {}),
          [H.subject]: subject,
          [H.deadline]: String(deadline_ms),
          [Header.ReplyTo]: this.own_inbox,
          [Header.Correlation]: corr,
        },
      })
      .catch((err: unknown) => {
        const p = this.pending.get(corr);
        if (p === undefined) return;
        this.pending.delete(corr);
        clearTimeout(p.timer);
        p.reject(new TransportError("UNAVAILABLE", `${subject}: request not sent`, { cause: err }));
      });
    return answered;
  }

  /**
   * Resolves once this process follows the replies topic: an inbox receives
   * what is sent to it from then on (a request waits for it by itself).
   */
  async following(): Promise<void> {
    await this.follow();
  }

  send(subject: string, payload: Uint8Array, headers?: Headers): void {
    this.publishReply(`sd:${this.instance}:${++this.n}`, subject, payload, headers ?? {});
  }

  inbox(handler: (payload: Uint8Array, headers: Headers) => void): {
    subject: string;
    stop(): void;
  } {
    const subject = `_inbox.${this.instance}.${++this.n}`;
    this.inboxes.set(subject, handler);
    void this.follow().catch(() => undefined);
    return { subject, stop: () => this.inboxes.delete(subject) };
  }

  /** Stops both subscriptions; requests still waiting are refused. The log stays open. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.handlers.clear();
    this.inboxes.clear();
    for (const [corr, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new TransportError("CLOSED", "rpc is closed"));
      this.pending.delete(corr);
    }
    for (const s of [this.serving, this.replies]) {
      const sub = await s?.catch(() => null);
      await sub?.stop().catch(() => undefined);
    }
  }
}

/** The caller's headers, without the ones this channel adds. */
function requestHeaders(h: Headers): Headers {
  const out: Headers = {};
  for (const [k, v] of Object.entries(h)) {
    if (k === H.subject || k === H.deadline || k === H.error) continue;
    if (k === Header.ReplyTo || k === Header.Correlation) continue;
    out[k] = v;
  }
  return out;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim() || "error";
}
