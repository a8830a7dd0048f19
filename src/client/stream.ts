// Streams for the typed client: a combined-stream connection with SUBSCRIBE
// and UNSUBSCRIBE (MarketStream), and a local order book that follows a
// symbol's diff stream by the documented resync procedure (LocalOrderBook):
// buffer the stream, fetch the REST snapshot, drop events it already holds,
// apply the rest, and start over on a gap or a lost connection. Runs in
// browsers on the global WebSocket and in Node 20 on the `ws` package (loaded
// only there, so bundles for browsers do not carry it).

/** The part of the WebSocket API both the browser's and the `ws` package's offer. */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketFactory = (url: string) => WebSocketLike;

let nodeFactory: Promise<WebSocketFactory> | null = null;

/** The global WebSocket where there is one (browsers, Node 22+), else the `ws` package. */
export function defaultWebSocket(): Promise<WebSocketFactory> {
  const g = (globalThis as { WebSocket?: new (url: string) => WebSocketLike }).WebSocket;
  if (g !== undefined) return Promise.resolve((url) => new g(url));
  const name = "ws";
  nodeFactory ??= import(name).then((m: { WebSocket: new (url: string) => WebSocketLike }) => {
    return (url: string) => new m.WebSocket(url);
  });
  return nodeFactory;
}

function wsBase(baseUrl: string): string {
  const u = new URL(baseUrl);
  u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
  return u.origin;
}

export interface MarketStreamOptions {
  /** The gateway's origin, e.g. "http://127.0.0.1:3001". */
  baseUrl: string;
  webSocket?: WebSocketFactory;
}

type Handler = (data: unknown) => void;

/** One combined-stream connection: events arrive per stream name; subscriptions change live. */
export class MarketStream {
  private readonly handlers = new Map<string, Set<Handler>>();
  private readonly waiting = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void }
  >();
  private next_id = 1;
  /** Called when the connection closes (code and reason as the server gave them). */
  onclose: ((code: number, reason: string) => void) | null = null;

  private constructor(private readonly ws: WebSocketLike) {
    ws.onmessage = (ev) => this.onMessage(String(ev.data));
    ws.onclose = (ev) => {
      for (const w of this.waiting.values()) w.reject(new Error(`stream closed: ${ev.code}`));
      this.waiting.clear();
      this.onclose?.(ev.code, ev.reason);
    };
  }

  /** Open a combined stream on `streams` (names as Binance spells them, e.g. "btcusdt@trade"). */
  static async open(
    o: MarketStreamOptions,
    streams: readonly string[] = [],
  ): Promise<MarketStream> {
    const make = o.webSocket ?? (await defaultWebSocket());
    const ws = make(`${wsBase(o.baseUrl)}/stream?streams=${streams.join("/")}`);
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error("stream connection failed"));
      ws.onclose = (ev) => reject(new Error(`stream refused: ${ev.code} ${ev.reason}`));
    });
    ws.onerror = null;
    return new MarketStream(ws);
  }

  /** Call `h` with each event's data on `stream`. */
  on(stream: string, h: Handler): () => void {
    let set = this.handlers.get(stream);
    if (set === undefined) {
      set = new Set();
      this.handlers.set(stream, set);
    }
    set.add(h);
    return () => set.delete(h);
  }

  subscribe(streams: readonly string[]): Promise<void> {
    return this.call("SUBSCRIBE", streams).then(() => undefined);
  }

  unsubscribe(streams: readonly string[]): Promise<void> {
    return this.call("UNSUBSCRIBE", streams).then(() => undefined);
  }

  list(): Promise<string[]> {
    return this.call("LIST_SUBSCRIPTIONS", undefined) as Promise<string[]>;
  }

  close(): void {
    this.ws.close(1000, "done");
  }

  private call(method: string, params: readonly string[] | undefined): Promise<unknown> {
    const id = this.next_id++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.ws.send(JSON.stringify(params === undefined ? { method, id } : { method, params, id }));
    });
  }

  private onMessage(text: string): void {
    const m = JSON.parse(text) as {
      stream?: string;
      data?: unknown;
      id?: number;
      result?: unknown;
      error?: { code: number; msg: string };
    };
    if (typeof m.stream === "string") {
      for (const h of this.handlers.get(m.stream) ?? []) h(m.data);
      return;
    }
    if (typeof m.id === "number") {
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      if (m.error !== undefined) w?.reject(new Error(`${m.error.code}: ${m.error.msg}`));
      else w?.resolve(m.result);
    }
  }
}

/** A diff depth event as the stream sends it. */
export interface DepthUpdate {
  e: "depthUpdate";
  E: number;
  s: string;
  U: number;
  u: number;
  b: [string, string][];
  a: [string, string][];
}

interface DepthSnapshot {
  last_update_id: number;
  bids: { price: string; quantity: string }[];
  asks: { price: string; quantity: string }[];
}

export interface LocalOrderBookOptions {
  baseUrl: string;
  /** As Bourse names it (BTC_USDT) or as Binance does (btcusdt). */
  symbol: string;
  webSocket?: WebSocketFactory;
  /** Levels asked of REST per side (at most 1000). Default 1000. */
  snapshot_levels?: number;
  /** Wait before reconnecting after the connection closed. Default 250. */
  reconnect_ms?: number;
  fetch?: typeof fetch;
}

/** Decimal strings of one symbol share their scale: compare by length, then by text. */
function cmpDecimal(a: string, b: string): number {
  const ai = a.indexOf(".");
  const bi = b.indexOf(".");
  const al = ai < 0 ? a.length : ai;
  const bl = bi < 0 ? b.length : bi;
  if (al !== bl) return al - bl;
  return a < b ? -1 : a > b ? 1 : 0;
}

function isZero(q: string): boolean {
  return /^0*(\.0*)?$/.test(q);
}

/**
 * A symbol's order book kept locally from the diff stream. `ready` resolves
 * once the first snapshot is applied; after a gap or a lost connection the
 * book resyncs by itself (`resyncs` counts how often).
 */
export class LocalOrderBook {
  readonly bids = new Map<string, string>();
  readonly asks = new Map<string, string>();
  update_id = 0;
  resyncs = 0;
  /** Called after each applied event (or snapshot). */
  onupdate: (() => void) | null = null;
  private ws: WebSocketLike | null = null;
  private buffer: DepthUpdate[] | null = [];
  private stopped = false;
  private synced = false;
  private readonly stream: string;
  private resolveReady: () => void = () => undefined;
  readonly ready: Promise<void>;

  constructor(private readonly o: LocalOrderBookOptions) {
    this.stream = `${o.symbol.replace("_", "").toLowerCase()}@depth`;
    this.ready = new Promise((r) => {
      this.resolveReady = r;
    });
  }

  start(): Promise<void> {
    void this.connect();
    return this.ready;
  }

  stop(): void {
    this.stopped = true;
    this.ws?.close(1000, "done");
  }

  /** Close the connection as if it dropped: the book reconnects and resyncs. */
  drop(): void {
    this.ws?.close(4999, "client drop");
  }

  /** Levels best first, as [price, quantity]. */
  top(n: number): { bids: [string, string][]; asks: [string, string][] } {
    const sort = (m: Map<string, string>, desc: boolean) =>
      [...m.entries()].sort((x, y) => (desc ? -1 : 1) * cmpDecimal(x[0], y[0])).slice(0, n);
    return { bids: sort(this.bids, true), asks: sort(this.asks, false) };
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const make = this.o.webSocket ?? (await defaultWebSocket());
    this.synced = false;
    this.buffer = [];
    const ws = make(`${wsBase(this.o.baseUrl)}/ws/${this.stream}`);
    this.ws = ws;
    ws.onmessage = (ev) => this.onEvent(JSON.parse(String(ev.data)) as DepthUpdate);
    ws.onerror = () => undefined;
    ws.onclose = () => {
      if (this.ws !== ws || this.stopped) return;
      setTimeout(() => void this.connect(), this.o.reconnect_ms ?? 250);
    };
    ws.onopen = () => void this.snapshot(ws);
  }

  private async snapshot(ws: WebSocketLike): Promise<void> {
    const f = this.o.fetch ?? fetch;
    const base = new URL(this.o.baseUrl).origin;
    const symbol = encodeURIComponent(this.o.symbol);
    for (;;) {
      if (this.ws !== ws || this.stopped) return;
      const r = await f(
        `${base}/api/v1/market/depth?symbol=${symbol}&limit=${this.o.snapshot_levels ?? 1000}`,
      );
      if (!r.ok) {
        await new Promise((res) => setTimeout(res, 100));
        continue;
      }
      const d = ((await r.json()) as { data: DepthSnapshot }).data;
      const first = this.buffer?.[0];
      // A snapshot older than the first buffered event cannot be continued: fetch again.
      if (first !== undefined && d.last_update_id < first.U - 1) continue;
      if (this.ws !== ws) return;
      this.load(d);
      return;
    }
  }

  private load(d: DepthSnapshot): void {
    this.bids.clear();
    this.asks.clear();
    for (const l of d.bids) this.bids.set(l.price, l.quantity);
    for (const l of d.asks) this.asks.set(l.price, l.quantity);
    this.update_id = d.last_update_id;
    const held = this.buffer ?? [];
    this.buffer = null;
    this.synced = true;
    for (const e of held) if (!this.apply(e)) return;
    this.onupdate?.();
    this.resolveReady();
  }

  private onEvent(e: DepthUpdate): void {
    if (this.buffer !== null) {
      this.buffer.push(e);
      return;
    }
    if (this.synced && this.apply(e)) this.onupdate?.();
  }

  /** Apply one event by the procedure; false when it showed a gap (and a resync started). */
  private apply(e: DepthUpdate): boolean {
    if (e.u <= this.update_id) return true;
    if (e.U > this.update_id + 1) {
      this.resyncs++;
      this.synced = false;
      this.ws?.close(4998, "gap");
      return false;
    }
    for (const [p, q] of e.b) {
      if (isZero(q)) this.bids.delete(p);
      else this.bids.set(p, q);
    }
    for (const [p, q] of e.a) {
      if (isZero(q)) this.asks.delete(p);
      else this.asks.set(p, q);
    }
    this.update_id = e.u;
    return true;
  }
}

/** A user data stream event: executionReport, balanceUpdate or outboundAccountPosition, with its numbers. */
export interface UserEvent {
  e: string;
  /** Events on this connection, from 1. */
  seq: number;
  /** The core output the event came from. */
  output_seq: number;
  [field: string]: unknown;
}

export interface UserStreamOptions {
  baseUrl: string;
  /** From POST /api/v1/user/listen_key. */
  listenKey: string;
  webSocket?: WebSocketFactory;
}

/**
 * A user's data stream. Events arrive in output order; `ongap` is called if a
 * sequence number is ever skipped (resync from REST: see docs/market-data.md).
 */
export class UserStream {
  onevent: ((e: UserEvent) => void) | null = null;
  ongap: ((expected: number, got: number) => void) | null = null;
  onclose: ((code: number, reason: string) => void) | null = null;
  private last_seq = 0;

  private constructor(private readonly ws: WebSocketLike) {
    ws.onmessage = (ev) => {
      const e = JSON.parse(String(ev.data)) as UserEvent;
      if (typeof e.seq === "number") {
        if (e.seq !== this.last_seq + 1) this.ongap?.(this.last_seq + 1, e.seq);
        this.last_seq = e.seq;
      }
      this.onevent?.(e);
    };
    ws.onclose = (ev) => this.onclose?.(ev.code, ev.reason);
  }

  static async open(o: UserStreamOptions): Promise<UserStream> {
    const make = o.webSocket ?? (await defaultWebSocket());
    const ws = make(`${wsBase(o.baseUrl)}/ws/${o.listenKey}`);
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error("user stream connection failed"));
      ws.onclose = (ev) => reject(new Error(`user stream refused: ${ev.code} ${ev.reason}`));
    });
    ws.onerror = null;
    return new UserStream(ws);
  }

  close(): void {
    this.ws.close(1000, "done");
  }
}
