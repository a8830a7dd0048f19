// The settlement database's contract: what settlement hands in (the combined
// core's outputs, in chain order) and what the gateway and the market-data
// surfaces read back. Every id, price, quantity and time is a JS number
// holding a safe integer (ticks, lots, units, ms); sums that may outgrow
// 2^53 (a candle's volumes) are bigints. Formatting to decimal strings
// belongs to the gateway.

import type {
  BalanceKind,
  CommandKind,
  CoreOutput,
  KlineInterval,
  OrderStatus,
  OrderType,
  Side,
  Stp,
  TimeInForce,
} from "../core/mod.ts";

/** The one stream settlement consumes: the combined core's outputs. */
export const CORE_STREAM = "core";

/** Where settlement stands in the core's stream; written with the rows it covers. */
export interface StoredPosition {
  stream: string;
  /** output_seq of the last applied output. */
  seq: number;
  /** Its chain hash. */
  hash: bigint;
  /** The settled clock after it (see clock.ts): the time rows of the next output start from. */
  clock_ms: number;
  /** Position in the transport of the message that carried it (distributed mode); 0 when none. */
  source_seq: number;
}

/**
 * Consecutive outputs of the core's chain. Outputs at or below the stored
 * position are skipped; the first new one must follow it.
 */
export interface CoreBatch {
  outputs: readonly CoreOutput[];
  /** The transport position of the message holding the last output; stored with the position. */
  source_seq?: number;
}

export interface ApplyResult {
  /** Rows inserted or updated (the position row not counted). */
  rows: number;
  /** Rows per table, for benchmarks and the docs' accounting. */
  tables: Readonly<Record<string, number>>;
  /** Outputs at or below the stored position, applied before: left untouched. */
  skipped: number;
  /** Trades among the applied outputs. */
  trades: number;
  /** The position after the batch (unchanged when everything was skipped; null for an empty store and batch). */
  position: StoredPosition | null;
}

/** What the store needs to know of a symbol: the asset each side's fee is paid in. */
export interface SymbolAssets {
  readonly id: number;
  readonly base: { readonly id: number };
  readonly quote: { readonly id: number };
}

export interface StoreOptions {
  symbols: readonly SymbolAssets[];
}

export interface SqliteStoreOptions extends StoreOptions {
  /**
   * NORMAL (default) may lose the last commits on power loss, never corrupt:
   * the position rolls back with the rows, so those outputs are handed over again.
   */
  synchronous?: "NORMAL" | "FULL";
  /** Page cache of the connection. Default 256 MiB for the writer: the hot index pages of a large database. */
  cache_mib?: number;
}

export interface PostgresStoreOptions extends StoreOptions {
  /** Schema holding the tables; created by migrate(). Default "public". */
  schema?: string;
  /** Connections in the pool: one writes at a time, the rest serve reads. Default 4. */
  max_connections?: number;
  /**
   * false sets synchronous_commit=off on the store's connections: a server
   * crash may then lose the last commits (never corrupt), which, as with
   * SQLite's NORMAL, means consuming those outputs again from the stored
   * position. Default: the server's setting.
   */
  synchronous_commit?: boolean;
}

export interface OrderRow {
  order_id: number;
  user_id: number;
  symbol_id: number;
  side: Side;
  order_type: OrderType;
  tif: TimeInForce;
  post_only: boolean;
  stp: Stp;
  /** The limit price (the last amend's); 0 for a market order, a StopLoss or a TakeProfit sell. */
  price_ticks: number;
  /** The total quantity (the last amend's). */
  qty_lots: number;
  quote_units: number;
  cid: string;
  /** The trigger of a stop or take-profit order; 0 for other types. */
  stop_price_ticks: number;
  /** The other leg of the order's OCO; 0 when not part of one. */
  oco_order_id: number;
  status: OrderStatus;
  filled_lots: number;
  remaining_lots: number;
  filled_quote_units: number;
  /** Error registry id behind a Rejected/Expired/Cancelled status; 0 otherwise. */
  reason: number;
  created_ts_ms: number;
  updated_ts_ms: number;
  /** The output that changed it last. */
  output_seq: number;
}

/** One trade as one of its two users sees it. */
export interface TradeRow {
  trade_id: number;
  symbol_id: number;
  user_id: number;
  order_id: number;
  counterparty_user_id: number;
  counterparty_order_id: number;
  side: Side;
  is_maker: boolean;
  price_ticks: number;
  qty_lots: number;
  quote_units: number;
  fee_units: number;
  /** The buyer pays in the base asset, the seller in the quote asset. */
  fee_asset_id: number;
  ts_ms: number;
  output_seq: number;
}

/** A trade as the market sees it: no users, the taker's side. */
export interface MarketTradeRow {
  trade_id: number;
  symbol_id: number;
  price_ticks: number;
  qty_lots: number;
  quote_units: number;
  taker_side: Side;
  ts_ms: number;
  output_seq: number;
}

export interface LedgerRow {
  user_id: number;
  asset_id: number;
  seq: number;
  kind: BalanceKind;
  delta_avail: number;
  delta_frozen: number;
  /** Balances after this row. */
  avail: number;
  frozen: number;
  ref_id: number;
  ref: string;
  /** The business event: the transfer's event id, else the order's or the trade's id. */
  event_id: string;
  /** The core output that carried it. */
  output_seq: number;
  ts_ms: number;
}

export interface TransferRow {
  request_id: string;
  kind: typeof CommandKind.Deposit | typeof CommandKind.Withdraw;
  user_id: number;
  asset_id: number;
  amount_units: number;
  /** Error registry id; 0 when applied. */
  reject: number;
  event_id: string;
  ts_ms: number;
  output_seq: number;
}

/** One candle of one symbol, built from its trades: exact integers. */
/** What a candle holds, whichever table or fold it comes from. */
export interface CandleFigures {
  open_ticks: number;
  high_ticks: number;
  low_ticks: number;
  close_ticks: number;
  volume_lots: bigint;
  quote_units: bigint;
  taker_buy_volume_lots: bigint;
  taker_buy_quote_units: bigint;
  trade_count: number;
  first_trade_id: number;
  last_trade_id: number;
}

export interface KlineRow extends CandleFigures {
  symbol_id: number;
  interval: KlineInterval;
  open_time_ms: number;
  /** The candle's last millisecond: open_time_ms + interval - 1. */
  close_time_ms: number;
}

/** A rolling 24 h window of one symbol, from its 1 h and 1 m candles. */
export interface TickerRow {
  symbol_id: number;
  /** The window: [open_time_ms, close_time_ms], minute-aligned. */
  open_time_ms: number;
  close_time_ms: number;
  open_ticks: number;
  high_ticks: number;
  low_ticks: number;
  last_ticks: number;
  volume_lots: bigint;
  quote_units: bigint;
  trade_count: number;
  first_trade_id: number;
  last_trade_id: number;
}

/**
 * A page of a history. Rows come in id order (order_id, trade_id), which is
 * also the order of their settled times. With `from_id`, ascending from that
 * id (inclusive); else with `start_time`, ascending from the first row at or
 * after it; else newest first, from `end_time` (inclusive) or the newest row.
 * `start_time` and `end_time` bound every page.
 */
export interface Page {
  limit: number;
  from_id?: number;
  start_time?: number;
  end_time?: number;
}

export interface UserQuery extends Page {
  user_id: number;
  symbol_id?: number;
}

export type OrderLookup = { order_id: number } | { user_id: number; cid: string };

export interface KlineQuery {
  symbol_id: number;
  interval: KlineInterval;
  /** Candles whose open time is in [start_time, end_time]. */
  start_time?: number;
  end_time?: number;
  /** Ascending from start_time when given; otherwise the newest `limit`, still ascending. */
  limit: number;
}

export interface SettlementReads {
  /** One order by id, or the newest order of a user with that client order id. */
  order(q: OrderLookup): Promise<OrderRow | null>;
  /** Open orders (New, PartiallyFilled), newest first; paging fields other than limit are ignored. */
  activeOrders(q: UserQuery): Promise<OrderRow[]>;
  /** Orders of every status, paged (see Page). */
  orderHistory(q: UserQuery): Promise<OrderRow[]>;
  /** The trades of one order, from its owner's side, oldest first (from_id: trade ids at or above it). */
  orderTrades(q: { order_id: number; limit: number; from_id?: number }): Promise<TradeRow[]>;
  /** The user's side of each trade, paged; a self-trade shows both sides. */
  userTrades(q: UserQuery): Promise<TradeRow[]>;
  /** One row per trade, paged. */
  marketTrades(q: Page & { symbol_id: number }): Promise<MarketTradeRow[]>;
  klines(q: KlineQuery): Promise<KlineRow[]>;
  /** The 24 h before now_ms (minute-aligned); null when the symbol had no trade in it. */
  ticker24h(q: { symbol_id: number; now_ms: number }): Promise<TickerRow | null>;
  /** With asset_id: that account by seq, newest first; without: all the user's accounts, newest output first. */
  ledger(q: { user_id: number; asset_id?: number; limit: number }): Promise<LedgerRow[]>;
  transfer(request_id: string): Promise<TransferRow | null>;
  /** The committed position (what read-your-writes waits on). */
  position(): Promise<StoredPosition | null>;
}

export interface SettlementStore extends SettlementReads {
  /** Creates the tables, or refuses a database of another schema generation; safe on every start. */
  migrate(): Promise<void>;
  /** Rows and position in one transaction: all of the batch or none of it. */
  apply(batch: CoreBatch): Promise<ApplyResult>;
  close(): Promise<void>;
}

/** A read-only view of a store (the gateway's own connection). */
export interface SettlementReader extends SettlementReads {
  close(): Promise<void>;
}
