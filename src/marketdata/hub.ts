// A gateway's market data: its own L2 books (kept from depth diffs by the
// resync procedure), candles and the 24 h ticker (folded from the trades of
// the outputs it follows), the facts of open orders (for user events), and
// the formatting of every stream event, once per event and only for streams
// somebody listens to. What leaves goes to a StreamSink (the WebSocket
// fan-out), which owns connections, buffers and flushing.

import type { CoreOutput, Spec, SymbolSpec } from "../core/mod.ts";
import { candleOpen, KLINE_INTERVALS, type KlineInterval } from "../core/mod.ts";
import {
  addTrade,
  type Candle,
  newCandle,
  settledTime,
  type Ticker24h,
  tickerOf,
} from "./candles.ts";
import {
  bookTickerJson,
  depthUpdateJson,
  klineJson,
  partialDepthJson,
  tickerJson,
  tradeJson,
} from "./format.ts";
import { L2Book, type L2Book as L2BookType, type L2Level } from "./l2-book.ts";
import { type SymbolStreams, symbolStreams } from "./streams.ts";
import type { BookSnapshot, DepthBatch, OrderMeta } from "./types.ts";
import { UserEvents } from "./user-events.ts";

/** Where formatted events go (the WebSocket fan-out). */
export interface StreamSink {
  /** Somebody listens to this canonical stream now: only then is its event formatted. */
  wants(stream: string): boolean;
  publish(stream: string, json: string): void;
  wantsUser(user_id: number): boolean;
  /** A user event as JSON without its closing brace: the fan-out adds the connection's sequence number. */
  publishUser(user_id: number, open_json: string): void;
}

export const NO_SINK: StreamSink = {
  wants: () => false,
  publish: () => undefined,
  wantsUser: () => false,
  publishUser: () => undefined,
};

export interface MarketHubOptions {
  /** Wall clock for event times (E). */
  now_ms?: () => number;
  /** Least time between two `@ticker` events of a symbol. Default 1000. */
  ticker_every_ms?: number;
  /** A diff did not continue a book (distributed: resync that symbol). */
  on_gap?: (symbol_id: number) => void;
}

const INTERVALS = Object.entries(KLINE_INTERVALS) as [KlineInterval, number][];
const DAY_MS = 86_400_000;

interface SymbolState {
  spec: SymbolSpec;
  streams: SymbolStreams;
  book: L2BookType;
  synced: boolean;
  /** Current candle per interval (index as INTERVALS). */
  candles: (Candle | null)[];
  candle_dirty: boolean[];
  /** Closed one-minute candles of the last day, oldest first (for the 24 h ticker). */
  minutes: Candle[];
  last_qty_lots: number;
  ticker_dirty: boolean;
  ticker_sent_ms: number;
}

export class MarketHub {
  private readonly symbols: (SymbolState | undefined)[] = [];
  readonly users: UserEvents;
  private clock_ms = 0;
  private outputs_through = 0;
  private depth_through = 0;
  private sink: StreamSink = NO_SINK;
  private readonly now_ms: () => number;
  private readonly ticker_every_ms: number;
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly spec: Spec,
    private readonly opts: MarketHubOptions = {},
  ) {
    this.now_ms = opts.now_ms ?? Date.now;
    this.ticker_every_ms = opts.ticker_every_ms ?? 1000;
    this.users = new UserEvents(spec);
    for (const s of spec.symbols) {
      this.symbols[s.id] = {
        spec: s,
        streams: symbolStreams(s),
        book: new L2Book(s.id),
        synced: false,
        candles: INTERVALS.map(() => null),
        candle_dirty: INTERVALS.map(() => false),
        minutes: [],
        last_qty_lots: 0,
        ticker_dirty: false,
        ticker_sent_ms: 0,
      };
    }
    // Tickers held back by the rate limit go out on the next tick.
    this.timer = setInterval(() => this.tickers(true), this.ticker_every_ms);
    this.timer.unref();
  }

  attach(sink: StreamSink): void {
    this.sink = sink;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private state(symbol_id: number): SymbolState | undefined {
    return this.symbols[symbol_id];
  }

  // ---- depth ----

  /** Set a symbol's book to a snapshot; diffs continue from its update id. */
  loadBook(s: BookSnapshot): void {
    const st = this.state(s.symbol_id);
    if (st === undefined) return;
    st.book.load(s);
    st.synced = true;
  }

  /** Mark a symbol out of sync (its diffs are ignored until loadBook). */
  unsync(symbol_id: number): void {
    const st = this.state(symbol_id);
    if (st !== undefined) st.synced = false;
  }

  synced(symbol_id: number): boolean {
    return this.state(symbol_id)?.synced ?? false;
  }

  bookUpdateId(symbol_id: number): number {
    return this.state(symbol_id)?.book.update_id ?? 0;
  }

  onDepth(batch: DepthBatch): void {
    const E = this.now_ms();
    const sink = this.sink;
    for (const d of batch.diffs) {
      const st = this.state(d.symbol_id);
      if (st === undefined || !st.synced) continue;
      const book = st.book;
      const before_bid = book.bids.level(0);
      const before_ask = book.asks.level(0);
      const r = book.apply(d);
      if (r === "gap") {
        st.synced = false;
        this.opts.on_gap?.(d.symbol_id);
        continue;
      }
      if (r === "stale") continue;
      const s = st.spec;
      const ss = st.streams;
      if (sink.wants(ss.depth)) sink.publish(ss.depth, depthUpdateJson(s, d, E));
      for (const p of ss.partial) {
        if (sink.wants(p.name)) sink.publish(p.name, partialDepthJson(s, book, p.levels));
      }
      if (
        sink.wants(ss.book_ticker) &&
        (!sameLevel(before_bid, book.bids.level(0)) || !sameLevel(before_ask, book.asks.level(0)))
      ) {
        sink.publish(ss.book_ticker, bookTickerJson(s, book));
      }
    }
    if (batch.through_seq > this.depth_through) this.depth_through = batch.through_seq;
  }

  // ---- outputs: trades, candles, user events ----

  onOutputs(outputs: readonly CoreOutput[]): void {
    if (outputs.length === 0) return;
    const E = this.now_ms();
    const sink = this.sink;
    const wantsUser = (u: number) => sink.wantsUser(u);
    const emitUser = (u: number, open: string) => sink.publishUser(u, open);
    for (const out of outputs) {
      const at = settledTime(this.clock_ms, out.input.ts_ms);
      this.clock_ms = at;
      if (out.trades.length > 0) this.trades(out, at, E);
      this.users.apply(out, at, E, wantsUser, emitUser);
    }
    this.outputs_through = (outputs[outputs.length - 1] as CoreOutput).output_seq;
    this.closeCandles(E);
    this.klines(E);
    this.tickers(false);
  }

  private trades(out: CoreOutput, at_ms: number, E: number): void {
    const st = this.state(out.symbol_id);
    if (st === undefined) return;
    const sink = this.sink;
    const want = sink.wants(st.streams.trade);
    for (const t of out.trades) {
      if (want) sink.publish(st.streams.trade, tradeJson(st.spec, t, at_ms, E));
      for (let i = 0; i < INTERVALS.length; i++) {
        const interval_ms = (INTERVALS[i] as [KlineInterval, number])[1];
        const open = candleOpen(at_ms, interval_ms);
        let c = st.candles[i] ?? null;
        if (c !== null && c.open_time_ms !== open) {
          this.closeCandle(st, i, c, E);
          c = null;
        }
        if (c === null) {
          c = newCandle(t, open, interval_ms);
          st.candles[i] = c;
        }
        addTrade(c, t);
        st.candle_dirty[i] = true;
      }
      st.last_qty_lots = t.qty_lots;
      st.ticker_dirty = true;
    }
  }

  private closeCandle(st: SymbolState, i: number, c: Candle, E: number): void {
    const [interval, interval_ms] = INTERVALS[i] as [KlineInterval, number];
    const name = (st.streams.klines[i] as { name: string }).name;
    if (this.sink.wants(name)) this.sink.publish(name, klineJson(st.spec, interval, c, true, E));
    st.candles[i] = null;
    st.candle_dirty[i] = false;
    if (interval_ms === 60_000) {
      st.minutes.push(c);
      const oldest = c.open_time_ms - DAY_MS;
      while ((st.minutes[0]?.open_time_ms ?? oldest) < oldest) st.minutes.shift();
    }
  }

  /** Candles whose interval the settled clock has passed are closed (x = true). */
  private closeCandles(E: number): void {
    for (const st of this.symbols) {
      if (st === undefined) continue;
      for (let i = 0; i < INTERVALS.length; i++) {
        const c = st.candles[i];
        if (c !== null && c !== undefined && this.clock_ms >= c.open_time_ms + c.interval_ms) {
          this.closeCandle(st, i, c, E);
          st.ticker_dirty = true;
        }
      }
    }
  }

  private klines(E: number): void {
    for (const st of this.symbols) {
      if (st === undefined) continue;
      for (let i = 0; i < INTERVALS.length; i++) {
        if (!st.candle_dirty[i]) continue;
        st.candle_dirty[i] = false;
        const c = st.candles[i];
        const k = st.streams.klines[i] as { interval: KlineInterval; name: string };
        if (c !== null && c !== undefined && this.sink.wants(k.name)) {
          this.sink.publish(k.name, klineJson(st.spec, k.interval, c, false, E));
        }
      }
    }
  }

  private tickers(timer: boolean): void {
    const now = this.now_ms();
    for (const st of this.symbols) {
      if (st === undefined || !st.ticker_dirty) continue;
      if (!this.sink.wants(st.streams.ticker)) {
        st.ticker_dirty = false;
        continue;
      }
      if (!timer && now - st.ticker_sent_ms < this.ticker_every_ms) continue;
      const t = this.ticker(st.spec.id, this.clock_ms);
      st.ticker_dirty = false;
      st.ticker_sent_ms = now;
      if (t !== null) {
        this.sink.publish(st.streams.ticker, tickerJson(st.spec, t, st.book, now));
      }
    }
  }

  // ---- reads (REST) ----

  /** The settled clock: the time of the last output followed. */
  clock(): number {
    return this.clock_ms;
  }

  outputsThrough(): number {
    return this.outputs_through;
  }

  depthThrough(): number {
    return this.depth_through;
  }

  /** The L2 book's top levels and the update id they stand at; null while out of sync. */
  depth(
    symbol_id: number,
    limit: number,
  ): { last_update_id: number; bids: L2Level[]; asks: L2Level[] } | null {
    const st = this.state(symbol_id);
    if (st === undefined || !st.synced) return null;
    return {
      last_update_id: st.book.update_id,
      bids: st.book.bids.top(limit),
      asks: st.book.asks.top(limit),
    };
  }

  book(symbol_id: number): L2BookType | null {
    const st = this.state(symbol_id);
    return st === undefined || !st.synced ? null : st.book;
  }

  /** The rolling 24 h window ending at now_ms's minute, from the trades followed; null without trades. */
  ticker(symbol_id: number, now_ms: number): Ticker24h | null {
    const st = this.state(symbol_id);
    if (st === undefined) return null;
    const minute = st.candles[0];
    const all = minute === null || minute === undefined ? st.minutes : [...st.minutes, minute];
    return tickerOf(all, now_ms, st.last_qty_lots);
  }

  /** The current (open) candle of an interval, or null. */
  currentCandle(symbol_id: number, interval: KlineInterval): Candle | null {
    const i = INTERVALS.findIndex(([name]) => name === interval);
    return this.state(symbol_id)?.candles[i] ?? null;
  }

  /** Seed the facts of orders that rested before this hub followed the outputs. */
  seedOrders(metas: Iterable<OrderMeta>): void {
    for (const m of metas) this.users.meta.set(m);
  }
}

function sameLevel(a: L2Level | null, b: L2Level | null): boolean {
  if (a === null || b === null) return a === b;
  return a.price_ticks === b.price_ticks && a.qty_lots === b.qty_lots;
}

/** Best bid and ask of a book with their quantities (0 when a side is empty). */
export function bestOf(book: L2Book): { bid: L2Level | null; ask: L2Level | null } {
  return { bid: book.bids.level(0), ask: book.asks.level(0) };
}
