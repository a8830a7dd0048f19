// Request/reply inside one process: the embedded mode's counterpart of NATS
// request/reply. Calls are asynchronous (never re-entrant) like a network hop.

import {
  type Headers,
  type RequestHandler,
  type Rpc,
  type Subscription,
  TransportError,
} from "../types.ts";

export class LocalRpc implements Rpc {
  private readonly servers = new Map<string, RequestHandler[]>();
  private readonly inboxes = new Map<string, (payload: Uint8Array, headers: Headers) => void>();
  private turn = 0;
  private n = 0;
  private closed = false;

  serve(subject: string, handler: RequestHandler): Subscription {
    const list = this.servers.get(subject) ?? [];
    list.push(handler);
    this.servers.set(subject, list);
    let stopped = false;
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      const l = this.servers.get(subject) ?? [];
      const i = l.indexOf(handler);
      if (i >= 0) l.splice(i, 1);
    };
    return { done: Promise.resolve(), stop };
  }

  async request(
    subject: string,
    payload: Uint8Array,
    options: { timeout_ms: number; headers?: Headers },
  ): Promise<Uint8Array> {
    if (this.closed) throw new TransportError("CLOSED", "rpc is closed");
    const list = this.servers.get(subject);
    if (list === undefined || list.length === 0) {
      throw new TransportError("NO_RESPONDERS", `nobody serves ${subject}`);
    }
    const handler = list[this.turn++ % list.length] as RequestHandler;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new TransportError("TIMEOUT", `${subject}: no answer in ${options.timeout_ms} ms`),
          ),
        options.timeout_ms,
      );
    });
    try {
      await Promise.resolve();
      return await Promise.race([
        Promise.resolve(handler(payload, options.headers ?? {})),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  send(subject: string, payload: Uint8Array, headers: Headers = {}): void {
    const inbox = this.inboxes.get(subject);
    // Like a network send to a vanished inbox: dropped (the requester timed out or left).
    if (inbox !== undefined) queueMicrotask(() => inbox(payload, headers));
  }

  inbox(handler: (payload: Uint8Array, headers: Headers) => void): {
    subject: string;
    stop(): void;
  } {
    const subject = `_inbox.${++this.n}`;
    this.inboxes.set(subject, handler);
    return { subject, stop: () => this.inboxes.delete(subject) };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.servers.clear();
    this.inboxes.clear();
  }
}
