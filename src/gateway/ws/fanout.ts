// The fan-out: who listens to which stream, and the one place bytes leave.
// The hub publishes each event once (as JSON text); events wait here until
// the next flush, which runs once per turn of the event loop (or at most
// every flush_interval_ms), frames each stream's events into one buffer and
// hands that same buffer to every subscriber. Each connection then writes
// what it was handed in one corked write. A connection whose unsent bytes
// pass max_buffer_bytes is closed as a slow consumer (CloseCode.SLOW_CONSUMER):
// it can never hold memory without bound, and nothing here ever waits for a
// client, so a slow reader cannot slow matching.

import type { Socket } from "node:net";
import type { WebSocket } from "ws";
import type { StreamSink } from "../../marketdata/mod.ts";
import { CloseCode } from "./close-codes.ts";
import { textFrames } from "./frames.ts";

export interface FanoutOptions {
  /** Unsent bytes a connection may hold before it is closed as slow. Default 4 MiB. */
  max_buffer_bytes?: number;
  /** Least time between two flushes; 0 flushes on every turn of the event loop. Default 0. */
  flush_interval_ms?: number;
}

/** One WebSocket connection's part in the fan-out. */
export class Conn {
  readonly streams = new Set<string>();
  /** The listen key of a user data stream, and its user (null on market-only connections). */
  listen_key: string | null = null;
  user_id: number | null = null;
  /** Events sent on the user data stream, numbered from 1. */
  user_seq = 0;
  /** On /ws-api/v3: the subscription id user events are wrapped with (null elsewhere). */
  api_subscription: number | null = null;
  closed = false;
  /** Closed because it fell behind (counted by the fan-out). */
  slow = false;
  private readonly out: Buffer[] = [];
  private out_bytes = 0;
  private readonly socket: Socket | null;

  constructor(
    readonly ws: WebSocket,
    readonly address: string,
    /** Combined streams wrap each event as {"stream":...,"data":...}. */
    readonly combined: boolean,
  ) {
    // ws keeps the net.Socket as _socket; writing framed bytes to it directly
    // is what lets one buffer serve every subscriber (ws.send frames per call).
    this.socket = (ws as unknown as { _socket?: Socket })._socket ?? null;
  }

  queue(buf: Buffer): void {
    if (this.closed) return;
    this.out.push(buf);
    this.out_bytes += buf.length;
  }

  /** Write what is queued in one go; false when the connection is (now) closed. */
  flush(max_buffer_bytes: number): boolean {
    if (this.out.length === 0) return !this.closed;
    const s = this.socket;
    if (this.closed || s === null || s.destroyed || this.ws.readyState !== 1) {
      this.out.length = 0;
      this.out_bytes = 0;
      return false;
    }
    if (s.writableLength + this.out_bytes > max_buffer_bytes) {
      this.out.length = 0;
      this.out_bytes = 0;
      this.slow = true;
      this.close(
        CloseCode.SLOW_CONSUMER,
        `slow consumer: more than ${max_buffer_bytes} bytes unsent; reconnect and resync`,
      );
      return false;
    }
    s.cork();
    for (const b of this.out) s.write(b);
    s.uncork();
    this.out.length = 0;
    this.out_bytes = 0;
    return true;
  }

  /** Bytes written to the socket and not yet sent to the client. */
  unsentBytes(): number {
    return (this.socket?.writableLength ?? 0) + this.out_bytes;
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.ws.close(code, reason);
    } catch {
      this.ws.terminate();
    }
    // A client that does not read will not read the close frame either.
    setTimeout(() => this.ws.terminate(), 5000).unref();
  }
}

interface Stream {
  name: string;
  raw: Set<Conn>;
  combined: Set<Conn>;
  pending: string[];
}

export class Fanout implements StreamSink {
  private readonly streams = new Map<string, Stream>();
  private readonly users = new Map<number, Set<Conn>>();
  private readonly pending_streams: Stream[] = [];
  private readonly dirty = new Set<Conn>();
  private scheduled = false;
  private last_flush_ms = 0;
  private readonly max_buffer_bytes: number;
  private readonly flush_interval_ms: number;
  /** Events and frames handed out, for metrics and the fan-out benchmark. */
  readonly counters = { events: 0, frames: 0, slow_closed: 0 };

  constructor(o: FanoutOptions = {}) {
    this.max_buffer_bytes = o.max_buffer_bytes ?? 4 * 1024 * 1024;
    this.flush_interval_ms = o.flush_interval_ms ?? 0;
  }

  // ---- StreamSink (the hub's side) ----

  wants(stream: string): boolean {
    const s = this.streams.get(stream);
    return s !== undefined && s.raw.size + s.combined.size > 0;
  }

  publish(stream: string, json: string): void {
    const s = this.streams.get(stream);
    if (s === undefined) return;
    if (s.pending.length === 0) this.pending_streams.push(s);
    s.pending.push(json);
    this.counters.events++;
    this.schedule();
  }

  wantsUser(user_id: number): boolean {
    return this.users.has(user_id);
  }

  publishUser(user_id: number, open_json: string): void {
    const conns = this.users.get(user_id);
    if (conns === undefined) return;
    for (const c of conns) {
      const event = `${open_json},"seq":${++c.user_seq}}`;
      const payload =
        c.api_subscription !== null
          ? `{"subscriptionId":${c.api_subscription},"event":${event}}`
          : c.combined
            ? `{"stream":"${c.listen_key}","data":${event}}`
            : event;
      c.queue(textFrames([payload]));
      this.dirty.add(c);
    }
    this.counters.events++;
    this.schedule();
  }

  // ---- subscriptions (the WebSocket routes' side) ----

  subscribe(c: Conn, stream: string): void {
    let s = this.streams.get(stream);
    if (s === undefined) {
      s = { name: stream, raw: new Set(), combined: new Set(), pending: [] };
      this.streams.set(stream, s);
    }
    (c.combined ? s.combined : s.raw).add(c);
    c.streams.add(stream);
  }

  unsubscribe(c: Conn, stream: string): void {
    const s = this.streams.get(stream);
    c.streams.delete(stream);
    if (s === undefined) return;
    s.raw.delete(c);
    s.combined.delete(c);
    if (s.raw.size + s.combined.size === 0 && s.pending.length === 0) this.streams.delete(stream);
  }

  /** Follow a user's events: by listen key, or (listen_key null) a WebSocket API subscription. */
  subscribeUser(c: Conn, listen_key: string | null, user_id: number): void {
    c.listen_key = listen_key;
    c.user_id = user_id;
    let set = this.users.get(user_id);
    if (set === undefined) {
      set = new Set();
      this.users.set(user_id, set);
    }
    set.add(c);
  }

  /** Stop following the connection's user (a WebSocket API unsubscribe). */
  unsubscribeUser(c: Conn): void {
    if (c.user_id !== null) {
      const set = this.users.get(c.user_id);
      set?.delete(c);
      if (set?.size === 0) this.users.delete(c.user_id);
    }
    c.user_id = null;
    c.listen_key = null;
    c.api_subscription = null;
  }

  /** The connection is gone: forget it everywhere. */
  remove(c: Conn): void {
    for (const s of [...c.streams]) this.unsubscribe(c, s);
    this.unsubscribeUser(c);
    this.dirty.delete(c);
  }

  /** Connections of a listen key (to close them when it expires). */
  connsOfKey(listen_key: string, user_id: number): Conn[] {
    return [...(this.users.get(user_id) ?? [])].filter((c) => c.listen_key === listen_key);
  }

  // ---- flushing ----

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const wait = this.last_flush_ms + this.flush_interval_ms - Date.now();
    if (this.flush_interval_ms > 0 && wait > 0) setTimeout(() => this.flush(), wait);
    else setImmediate(() => this.flush());
  }

  /** Frame each stream's waiting events once and write every connection's share. */
  flush(): void {
    this.scheduled = false;
    this.last_flush_ms = Date.now();
    for (const s of this.pending_streams) {
      const events = s.pending;
      s.pending = [];
      if (s.raw.size > 0) {
        const buf = textFrames(events);
        for (const c of s.raw) {
          c.queue(buf);
          this.dirty.add(c);
        }
        this.counters.frames += events.length * s.raw.size;
      }
      if (s.combined.size > 0) {
        const wrapped = events.map((e) => `{"stream":"${s.name}","data":${e}}`);
        const buf = textFrames(wrapped);
        for (const c of s.combined) {
          c.queue(buf);
          this.dirty.add(c);
        }
        this.counters.frames += events.length * s.combined.size;
      }
      if (s.raw.size + s.combined.size === 0) this.streams.delete(s.name);
    }
    this.pending_streams.length = 0;
    for (const c of this.dirty) {
      if (!c.flush(this.max_buffer_bytes) && c.slow) this.counters.slow_closed++;
    }
    this.dirty.clear();
  }
}
