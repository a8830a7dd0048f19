// The shapes market data travels in between the sequencer, where depth
// diffs are recorded, and the gateways, which keep L2 books and fan out.
// Integers only (ticks, lots, seqs); decimal strings are made at the edge.

/** One symbol's book changes over a run of its engine outputs (Binance's U..u). */
export interface DepthDiff {
  symbol_id: number;
  /** U: the first engine output seq this diff covers (the previous diff's u + 1). */
  first_update_id: number;
  /** u: the symbol's last engine output seq covered. */
  last_update_id: number;
  /** Changed bid levels, flat: price_ticks, qty_lots, orders, ... (qty 0 = removed). */
  bids: number[];
  asks: number[];
}

/** The diffs of one released output batch: every symbol its outputs touched. */
export interface DepthBatch {
  /** The last core output seq of the batch. */
  through_seq: number;
  diffs: DepthDiff[];
}

/** A whole L2 book at one update id, best first on each side. */
export interface BookSnapshot {
  symbol_id: number;
  last_update_id: number;
  /** Flat like DepthDiff's: price_ticks, qty_lots, orders, ... */
  bids: number[];
  asks: number[];
}

/** What the user stream needs of a resting order that its outputs do not repeat. */
export interface OrderMeta {
  order_id: number;
  user_id: number;
  symbol_id: number;
  side: number;
  order_type: number;
  tif: number;
  post_only: boolean;
  stp: number;
  price_ticks: number;
  /** The trigger of a stop order; 0 for other orders (and where unknown). */
  stop_price_ticks: number;
  qty_lots: number;
  quote_units: number;
  cid: string;
  ts_ms: number;
}
