// What the sequencer answers a gateway that (re)syncs a symbol: the whole L2
// book at its update id (the symbol's engine output seq), straight from the
// engine's books, and the facts of the symbol's open orders. Read between two
// commands, so the book and the id always agree.

import type { Core, RestingOrder } from "../core/mod.ts";
import { Stp } from "../core/mod.ts";
import type { BookSnapshot, OrderMeta } from "./types.ts";

export function bookSnapshotOf(core: Core, symbol_id: number): BookSnapshot {
  const book = core.me.book(symbol_id);
  if (book === undefined) return { symbol_id, last_update_id: 0, bids: [], asks: [] };
  const flat = (levels: { price_ticks: number; qty_lots: number; orders: number }[]) => {
    const out: number[] = [];
    for (const l of levels) out.push(l.price_ticks, l.qty_lots, l.orders);
    return out;
  };
  return {
    symbol_id,
    last_update_id: book.output_seq,
    bids: flat(book.bids.depth(Number.MAX_SAFE_INTEGER)),
    asks: flat(book.asks.depth(Number.MAX_SAFE_INTEGER)),
  };
}

function metaOf(o: RestingOrder, symbol_id: number): OrderMeta {
  return {
    order_id: o.order_id,
    user_id: o.user_id,
    symbol_id,
    side: o.side,
    order_type: o.order_type,
    tif: o.tif,
    // The book does not keep these two; a resting order's defaults are shown.
    post_only: false,
    stp: Stp.ExpireMaker,
    price_ticks: o.price_ticks,
    stop_price_ticks: 0,
    qty_lots: o.qty_lots,
    quote_units: 0,
    cid: o.cid,
    ts_ms: o.ts_ms,
  };
}

/** Every open order of a symbol, with what its fills' reports need. */
export function openOrderMetas(core: Core, symbol_id: number): OrderMeta[] {
  const book = core.me.book(symbol_id);
  if (book === undefined) return [];
  return book.orders.values().map((o) => metaOf(o, symbol_id));
}

/** The resync answer's bytes (JSON: a snapshot is rare and read once). */
export function encodeBookAnswer(core: Core, symbol_id: number): Uint8Array {
  return Buffer.from(
    JSON.stringify({
      book: bookSnapshotOf(core, symbol_id),
      orders: openOrderMetas(core, symbol_id),
    }),
  );
}

export function decodeBookAnswer(bytes: Uint8Array): { book: BookSnapshot; orders: OrderMeta[] } {
  return JSON.parse(Buffer.from(bytes).toString("utf8")) as {
    book: BookSnapshot;
    orders: OrderMeta[];
  };
}
