// Request/reply over core NATS: serve() joins a queue group, so the servers of
// one subject share its requests; request() waits for the first answer. Not
// durable: a request in flight when the connection drops times out, and the
// caller decides whether to ask again.

import { errors, type Msg, type Subscription as NatsSub, nuid } from "@nats-io/transport-node";
import {
  type Headers,
  type RequestHandler,
  type Rpc,
  type Subscription,
  TransportError,
} from "../types.ts";
import { classify, describe } from "./errors.ts";
import { checkHeaders, fromNats, toNats } from "./headers.ts";
import type { NatsLink } from "./link.ts";
import { checkPrefix, DEFAULT_PREFIX, rpcSubject } from "./names.ts";

export interface NatsRpcOptions {
  /** Must match the prefix of the processes it talks to. Default "bourse". */
  prefix?: string;
}

/** Set on a reply when the server's handler threw: the requester rejects with its text. */
const ERROR_HEADER = "bourse-rpc-error";
const QUEUE = "bourse";

export class NatsRpc implements Rpc {
  readonly prefix: string;
  private readonly subs = new Set<NatsSub>();
  private closed = false;

  constructor(
    private readonly link: NatsLink,
    opts: NatsRpcOptions = {},
  ) {
    this.prefix = checkPrefix(opts.prefix ?? DEFAULT_PREFIX);
    link.retain();
  }

  serve(subject: string, handler: RequestHandler): Subscription {
    if (this.closed) throw new TransportError("CLOSED", "rpc is closed");
    const sub = this.link.nc.subscribe(rpcSubject(this.prefix, subject), {
      queue: QUEUE,
      callback: (err, msg) => {
        if (err === null) void this.answer(msg, handler);
      },
    });
    this.subs.add(sub);
    const done = sub.closed.then(() => {
      this.subs.delete(sub);
    });
    return {
      done,
      stop: async () => {
        if (!sub.isClosed()) sub.unsubscribe();
        await done;
      },
    };
  }

  private async answer(msg: Msg, handler: RequestHandler): Promise<void> {
    if (msg.reply === undefined || msg.reply === "") return;
    let body: Uint8Array;
    let headers: Headers | undefined;
    try {
      body = await handler(msg.data, fromNats(msg.headers));
    } catch (err) {
      body = new Uint8Array(0);
      headers = { [ERROR_HEADER]: describe(err).replace(/\s+/g, " ").trim() || "error" };
    }
    try {
      msg.respond(body, headers === undefined ? {} : { headers: toNats(headers) });
    } catch {
      // The connection closed while the handler ran: the requester times out.
    }
  }

  async request(
    subject: string,
    payload: Uint8Array,
    options: { timeout_ms: number; headers?: Headers },
  ): Promise<Uint8Array> {
    if (this.closed) throw new TransportError("CLOSED", "rpc is closed");
    checkHeaders(options.headers);
    const wire = rpcSubject(this.prefix, subject);
    let reply: Msg;
    try {
      reply = await this.link.nc.request(wire, payload, {
        timeout: options.timeout_ms,
        ...(options.headers === undefined ? {} : { headers: toNats(options.headers) }),
      });
    } catch (err) {
      throw requestError(subject, options.timeout_ms, err);
    }
    const failed = reply.headers?.get(ERROR_HEADER);
    if (failed !== undefined && failed !== "") {
      throw new TransportError("UNAVAILABLE", `${subject}: the server failed: ${failed}`);
    }
    return reply.data;
  }

  send(subject: string, payload: Uint8Array, headers?: Headers): void {
    if (this.closed || this.link.isClosed()) return;
    checkHeaders(headers);
    try {
      this.link.nc.publish(
        rpcSubject(this.prefix, subject),
        payload,
        headers === undefined ? {} : { headers: toNats(headers) },
      );
    } catch (err) {
      // Like a send to a vanished inbox: dropped once the connection is gone.
      if (classify(err) !== "closed") throw err;
    }
  }

  inbox(handler: (payload: Uint8Array, headers: Headers) => void): {
    subject: string;
    stop(): void;
  } {
    if (this.closed) throw new TransportError("CLOSED", "rpc is closed");
    const subject = `_inbox.${nuid.next()}`;
    const sub = this.link.nc.subscribe(rpcSubject(this.prefix, subject), {
      callback: (err, msg) => {
        if (err === null) handler(msg.data, fromNats(msg.headers));
      },
    });
    this.subs.add(sub);
    return {
      subject,
      stop: () => {
        this.subs.delete(sub);
        if (!sub.isClosed()) sub.unsubscribe();
      },
    };
  }

  /** Stops serving and receiving, then lets go of the connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const sub of this.subs) if (!sub.isClosed()) sub.unsubscribe();
    this.subs.clear();
    await this.link.release();
  }
}

function requestError(subject: string, timeout_ms: number, err: unknown): TransportError {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (e instanceof errors.NoRespondersError) {
      return new TransportError("NO_RESPONDERS", `nobody serves ${subject}`, { cause: err });
    }
    if (e instanceof errors.RequestError && e.isNoResponders()) {
      return new TransportError("NO_RESPONDERS", `nobody serves ${subject}`, { cause: err });
    }
    if (e instanceof errors.TimeoutError) {
      return new TransportError("TIMEOUT", `${subject}: no answer in ${timeout_ms} ms`, {
        cause: err,
      });
    }
  }
  if (classify(err) === "closed")
    return new TransportError("CLOSED", "rpc is closed", { cause: err });
  return new TransportError("UNAVAILABLE", `${subject}: ${describe(err)}`, { cause: err });
}
