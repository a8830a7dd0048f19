// Depth diffs are born next to the books: only the sequencer sees which price
// levels a command changed. This recorder runs there. After each command
// (`onApplied`, on the sequencer's hot path) it copies the new totals of the
// levels the book sides marked as changed into one flat, reused array,
// together with the symbol's engine output seq (SymbolBook.output_seq: gap
// free per symbol, so it is Binance's update id). When a batch of outputs is
// released (`take`), the records up to its last output are folded into one
// diff per symbol: U = the previous diff's u + 1, u = the symbol's last output
// seq in the batch, and each changed level once with its final total
// (0 = the level is gone). Nothing is allocated per level on the hot path.
// One command may apply to a book several times (triggered stops, an OCO, a
// cancel-replace) and to several books (cancel-all over every symbol, a
// dead-man's switch come due), so a record spans a range of the symbol's seqs
// and every book is checked, not only the output's own symbol.

import type { Core, CoreOutput, SymbolBook } from "../core/mod.ts";
import { InvariantError } from "../core/mod.ts";
import type { DepthBatch, DepthDiff } from "./types.ts";

/** Record header: core output seq, symbol id, first and last symbol output seq, number of levels. */
const HEAD = 5;
/** Per level: side (0 bid, 1 ask), price_ticks, qty_lots, orders. */
const LEVEL = 4;

export class DepthRecorder {
  private log = new Float64Array(1 << 16);
  private len = 0;
  private pos = 0;
  /** Per symbol: the engine output seq last recorded, and the u of the last diff taken. */
  private readonly seen: number[] = [];
  private readonly last_u: number[] = [];
  private readonly books: (SymbolBook | undefined)[];

  constructor(readonly core: Core) {
    this.books = core.me.books;
    for (const b of this.books) {
      if (b === undefined) continue;
      b.bids.track_changes = true;
      b.asks.track_changes = true;
      b.bids.clearChanged();
      b.asks.clearChanged();
      this.seen[b.spec.id] = b.output_seq;
      this.last_u[b.spec.id] = b.output_seq;
    }
  }

  /** The u of the last diff taken for a symbol (its engine output seq when nothing was taken yet). */
  lastUpdateId(symbol_id: number): number {
    return this.last_u[symbol_id] ?? 0;
  }

  /** Stop marking changes in the books (the recorder is being dropped). */
  detach(): void {
    for (const b of this.books) {
      if (b === undefined) continue;
      b.bids.track_changes = false;
      b.asks.track_changes = false;
      b.bids.clearChanged();
      b.asks.clearChanged();
    }
  }

  /** After each command: copy the changed levels' totals. Cheap; no allocation unless the log grows. */
  onApplied(out: CoreOutput): void {
    // Any command may change any book: a dead-man's switch that came due
    // cancels across symbols before the command itself is applied.
    const books = this.books;
    for (let i = 0; i < books.length; i++) {
      const book = books[i];
      if (book !== undefined && book.output_seq !== this.seen[i]) this.record(out, book);
    }
  }

  private record(out: CoreOutput, book: SymbolBook): void {
    const symbol_id = book.spec.id;
    const first = (this.seen[symbol_id] ?? 0) + 1;
    this.seen[symbol_id] = book.output_seq;
    const bids = book.bids.changed;
    const asks = book.asks.changed;
    const n = bids.length + asks.length;
    this.reserve(HEAD + n * LEVEL);
    const log = this.log;
    let p = this.len;
    log[p++] = out.output_seq;
    log[p++] = symbol_id;
    log[p++] = first;
    log[p++] = book.output_seq;
    log[p++] = n;
    for (let i = 0; i < bids.length; i++) {
      const l = bids[i] as (typeof bids)[number];
      log[p++] = 0;
      log[p++] = l.price_ticks;
      log[p++] = l.count === 0 ? 0 : l.total_lots;
      log[p++] = l.count;
    }
    for (let i = 0; i < asks.length; i++) {
      const l = asks[i] as (typeof asks)[number];
      log[p++] = 1;
      log[p++] = l.price_ticks;
      log[p++] = l.count === 0 ? 0 : l.total_lots;
      log[p++] = l.count;
    }
    this.len = p;
    if (n > 0) {
      book.bids.clearChanged();
      book.asks.clearChanged();
    }
  }

  private reserve(n: number): void {
    if (this.len + n <= this.log.length) return;
    // Consumed records make room first; grow only when the unconsumed ones need it.
    const live = this.len - this.pos;
    let size = this.log.length;
    while (live + n > size) size *= 2;
    if (size === this.log.length) {
      this.log.copyWithin(0, this.pos, this.len);
    } else {
      const next = new Float64Array(size);
      next.set(this.log.subarray(this.pos, this.len));
      this.log = next;
    }
    this.len = live;
    this.pos = 0;
  }

  /** Fold the records of outputs up to `through_seq` (a released batch's last) into one diff per symbol. */
  take(through_seq: number): DepthBatch {
    const log = this.log;
    const by_symbol = new Map<number, Fold>();
    let p = this.pos;
    while (p < this.len && (log[p] as number) <= through_seq) {
      const symbol_id = log[p + 1] as number;
      const first_seq = log[p + 2] as number;
      const last_seq = log[p + 3] as number;
      const n = log[p + 4] as number;
      p += HEAD;
      let f = by_symbol.get(symbol_id);
      if (f === undefined) {
        f = new Fold(symbol_id, (this.last_u[symbol_id] ?? 0) + 1);
        by_symbol.set(symbol_id, f);
      }
      const expected = f.u === 0 ? f.first : f.u + 1;
      if (first_seq !== expected || last_seq < first_seq) {
        throw new InvariantError(
          `depth recorder: symbol ${symbol_id} outputs ${first_seq}..${last_seq} do not follow ${expected - 1}`,
        );
      }
      f.u = last_seq;
      for (let i = 0; i < n; i++, p += LEVEL) {
        f.level(log[p] as number, log[p + 1] as number, log[p + 2] as number, log[p + 3] as number);
      }
    }
    this.pos = p;
    if (this.pos === this.len) {
      this.pos = 0;
      this.len = 0;
    }
    const diffs: DepthDiff[] = [];
    for (const f of by_symbol.values()) {
      this.last_u[f.symbol_id] = f.u;
      diffs.push(f.diff());
    }
    return { through_seq, diffs };
  }
}

/** One symbol's changes within a batch: each level once, with its last total. */
class Fold {
  u = 0;
  private readonly sides: [Map<number, number>, Map<number, number>] = [new Map(), new Map()];
  private readonly flat: [number[], number[]] = [[], []];

  constructor(
    readonly symbol_id: number,
    readonly first: number,
  ) {}

  level(side: number, price_ticks: number, qty_lots: number, orders: number): void {
    const index = this.sides[side] as Map<number, number>;
    const flat = this.flat[side] as number[];
    const at = index.get(price_ticks);
    if (at === undefined) {
      index.set(price_ticks, flat.length);
      flat.push(price_ticks, qty_lots, orders);
    } else {
      flat[at + 1] = qty_lots;
      flat[at + 2] = orders;
    }
  }

  diff(): DepthDiff {
    return {
      symbol_id: this.symbol_id,
      first_update_id: this.first,
      last_update_id: this.u,
      bids: this.flat[0],
      asks: this.flat[1],
    };
  }
}
