// Publish acknowledgements for every topic of a log through one reply
// subscription (<inbox>.<token>), instead of a request per publish: the
// client's request path allocates an error with a stack trace for every
// request that succeeds, which cost more than the publish itself. Attempts
// time out from a single timer, oldest first, and an attempt still open when
// the connection is replaced is reported lost at once: its reply can no
// longer come.

import { createInbox, type Msg, type MsgHdrs, type Subscription } from "@nats-io/transport-node";
import type { NatsLink } from "./link.ts";

export type AckOutcome =
  | { kind: "stored"; seq: number; duplicate: boolean }
  /** JetStream answered with an error: err_code as in its API. */
  | { kind: "refused"; status: number; err_code: number; description: string }
  | { kind: "no_responders" }
  | { kind: "timeout" }
  | { kind: "lost" }
  | { kind: "closed" };

interface Open {
  epoch: number;
  expires_at: number;
  done: (o: AckOutcome) => void;
}

interface PubAckJson {
  seq?: number;
  duplicate?: boolean;
  error?: { code?: number; err_code?: number; description?: string };
}

const DEC = new TextDecoder();

export class AckInbox {
  private readonly prefix: string;
  private readonly open = new Map<string, Open>();
  private sub: Subscription | null = null;
  private next = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly off: () => void;

  constructor(
    private readonly link: NatsLink,
    private readonly timeout_ms: number,
  ) {
    this.prefix = createInbox();
    this.off = link.onChange(() => this.changed());
  }

  /** Publishes with a reply token; done is called exactly once. */
  publish(
    subject: string,
    payload: Uint8Array,
    headers: MsgHdrs,
    done: (o: AckOutcome) => void,
  ): void {
    if (this.link.isClosed()) {
      done({ kind: "closed" });
      return;
    }
    if (this.sub === null) {
      this.sub = this.link.nc.subscribe(`${this.prefix}.*`, {
        callback: (err, msg) => {
          if (err === null) this.answer(msg);
        },
      });
    }
    const token = (this.next++).toString(36);
    this.open.set(token, {
      epoch: this.link.epoch,
      expires_at: Date.now() + this.timeout_ms,
      done,
    });
    try {
      this.link.nc.publish(subject, payload, { reply: `${this.prefix}.${token}`, headers });
    } catch {
      this.open.delete(token);
      done({ kind: "closed" });
      return;
    }
    if (this.timer === null) this.arm();
  }

  private answer(msg: Msg): void {
    const token = msg.subject.slice(this.prefix.length + 1);
    const o = this.open.get(token);
    if (o === undefined) return;
    this.open.delete(token);
    o.done(parse(msg));
  }

  private arm(): void {
    const first = this.open.values().next();
    if (first.done) {
      this.timer = null;
      return;
    }
    this.timer = setTimeout(() => this.expire(), Math.max(1, first.value.expires_at - Date.now()));
  }

  /** Attempts are opened in time order with one timeout, so the oldest expire first. */
  private expire(): void {
    const now = Date.now();
    for (const [token, o] of this.open) {
      if (o.expires_at > now) break;
      this.open.delete(token);
      o.done({ kind: "timeout" });
    }
    this.arm();
  }

  private changed(): void {
    const closed = this.link.isClosed();
    const epoch = this.link.epoch;
    for (const [token, o] of this.open) {
      if (!closed && o.epoch === epoch) continue;
      this.open.delete(token);
      o.done(closed ? { kind: "closed" } : { kind: "lost" });
    }
    if (closed) this.close();
  }

  close(): void {
    this.off();
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    for (const [token, o] of this.open) {
      this.open.delete(token);
      o.done({ kind: "closed" });
    }
    if (this.sub !== null && !this.sub.isClosed() && !this.link.isClosed()) this.sub.unsubscribe();
    this.sub = null;
  }
}

function parse(msg: Msg): AckOutcome {
  if (msg.data.length === 0) {
    // A status reply: 503 means no stream listens on the subject (yet).
    return msg.headers?.code === 503
      ? { kind: "no_responders" }
      : {
          kind: "refused",
          status: msg.headers?.code ?? 0,
          err_code: 0,
          description: msg.headers?.description ?? "empty reply",
        };
  }
  let r: PubAckJson;
  try {
    r = JSON.parse(DEC.decode(msg.data)) as PubAckJson;
  } catch {
    return { kind: "refused", status: 0, err_code: 0, description: "unreadable acknowledgement" };
  }
  if (r.error !== undefined) {
    return {
      kind: "refused",
      status: r.error.code ?? 0,
      err_code: r.error.err_code ?? 0,
      description: r.error.description ?? "refused",
    };
  }
  if (typeof r.seq !== "number") {
    return { kind: "refused", status: 0, err_code: 0, description: "acknowledgement without seq" };
  }
  return { kind: "stored", seq: r.seq, duplicate: r.duplicate === true };
}
