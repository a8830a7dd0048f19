// One combined-stream connection for the whole page (tickers, the selected
// symbol's trades and candles), reconnecting after a drop and subscribing
// again to what the page still listens to. The order book keeps its own
// connection: LocalOrderBook runs the depth resync procedure on it.

import { signal } from "@preact/signals";
import { MarketStream } from "../../client/mod.ts";
import { BASE_URL } from "./session.ts";

type Handler = (data: unknown) => void;

const RECONNECT_MS = 1000;

export class Feed {
  readonly connected = signal(false);
  private ms: MarketStream | null = null;
  private bound = new Set<string>();
  private readonly subs = new Map<string, Set<Handler>>();
  private started = false;

  start(): void {
    if (this.started) return;
    this.started = true;
    void this.connect();
  }

  /** Call `h` with each event on `stream`; the returned function stops it. */
  on(stream: string, h: Handler): () => void {
    let set = this.subs.get(stream);
    if (set === undefined) {
      set = new Set();
      this.subs.set(stream, set);
      const ms = this.ms;
      if (ms !== null) {
        this.bind(ms, stream);
        ms.subscribe([stream]).catch(() => undefined);
      }
    }
    set.add(h);
    return () => {
      set.delete(h);
      if (set.size > 0) return;
      this.subs.delete(stream);
      this.ms?.unsubscribe([stream]).catch(() => undefined);
    };
  }

  private async connect(): Promise<void> {
    let ms: MarketStream;
    const asked = [...this.subs.keys()];
    try {
      ms = await MarketStream.open({ baseUrl: BASE_URL }, asked);
    } catch {
      setTimeout(() => void this.connect(), RECONNECT_MS);
      return;
    }
    this.ms = ms;
    this.bound = new Set();
    for (const stream of this.subs.keys()) this.bind(ms, stream);
    // Streams asked for while the connection opened; those dropped meanwhile are dropped too.
    const more = [...this.subs.keys()].filter((s) => !asked.includes(s));
    const less = asked.filter((s) => !this.subs.has(s));
    if (more.length > 0) ms.subscribe(more).catch(() => undefined);
    if (less.length > 0) ms.unsubscribe(less).catch(() => undefined);
    this.connected.value = true;
    ms.onclose = () => {
      this.ms = null;
      this.connected.value = false;
      setTimeout(() => void this.connect(), RECONNECT_MS);
    };
  }

  private bind(ms: MarketStream, stream: string): void {
    if (this.bound.has(stream)) return;
    this.bound.add(stream);
    ms.on(stream, (data) => {
      for (const h of this.subs.get(stream) ?? []) h(data);
    });
  }
}

export const feed = new Feed();
