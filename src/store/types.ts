// The settlement database's contract: what the settlement service hands in
// (verified, ordered batches of both streams) and what the gateway reads back.
// Every integer (ids, ticks, lots, units, ms) is a JS number; formatting to
// decimal strings belongs to the gateway.

import type {
  BalanceKind,
  CommandKind,
  OrderStatus,
  OrderType,
  Side,
  Stp,
  TimeInForce,
} from "../core/enums.ts";
import type { BalanceOutput, EngineOutput } from "../core/types.ts";

/** Where a consumer stands in one stream: the last applied output and its chain hash. */
export interface StoredPosition {
  stream: string;
  seq: number;
  hash: bigint;
}

/**
 * Outputs of both streams, each stream in chain order (engine outputs may
 * interleave symbols). `positions` names, for every stream present, its last
 * output: the store checks that and writes them with the rows.
 */
export interface SettlementBatch {
  engine: EngineOutput[];
  balance: BalanceOutput[];
  positions: StoredPosition[];
}

export interface ApplyResult {
  /** Rows inserted, updated or deleted (consumer positions not counted). */
  rows: number;
  /** Outputs at or below the stored position, already applied before: left untouched. */
  skipped: number;
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
   * positions roll back with the rows, so those outputs are consumed again.
   */
  synchronous?: "NORMAL" | "FULL";
  /** Page cache of the writing connection. Default 256 MiB: the hot index pages of a large database. */
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
   * positions. Default: the server's setting.
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
  price_ticks: number;
  qty_lots: number;
  quote_units: number;
  cid: string;
  status: OrderStatus;
  filled_lots: number;
  remaining_lots: number;
  filled_quote_units: number;
  /** Error registry id behind a Rejected/Expired/Cancelled status; 0 otherwise. */
  reason: number;
  created_ts_ms: number;
  updated_ts_ms: number;
}

/** One state change of one order, as the engine reported it. */
export interface OrderHistoryRow {
  symbol_id: number;
  output_seq: number;
  /** Position of the update inside its engine output. */
  idx: number;
  order_id: number;
  user_id: number;
  status: OrderStatus;
  filled_lots: number;
  remaining_lots: number;
  filled_quote_units: number;
  reason: number;
  /** The last trade of this output the order took part in; null when none. */
  trade_id: number | null;
  ts_ms: number;
  event_id: string;
}

/** One side of a trade, as the user on that side sees it. */
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
  event_id: string;
  /** The balance.events output that carried it. */
  output_seq: number;
  /** The command's time, or the time of the engine input that caused it; null if not stored yet. */
  ts_ms: number | null;
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

export interface UserQuery {
  user_id: number;
  symbol_id?: number;
  limit: number;
}

export interface MarketTradesQuery {
  symbol_id: number;
  limit: number;
  before_trade_id?: number;
}

export interface SettlementStore {
  /** Creates or upgrades the tables; safe to call on every start. */
  migrate(): Promise<void>;
  loadPositions(): Promise<Map<string, StoredPosition>>;
  /** Rows and positions in one transaction: all of the batch or none of it. */
  apply(batch: SettlementBatch): Promise<ApplyResult>;
  /** Open orders (New, PartiallyFilled), newest first. */
  activeOrders(q: UserQuery): Promise<OrderRow[]>;
  /** Orders of every status, newest first. */
  orderHistory(q: UserQuery): Promise<OrderRow[]>;
  /** Every state change of one order, oldest first. */
  orderEvents(q: { order_id: number }): Promise<OrderHistoryRow[]>;
  /** The user's side of each trade, newest first. */
  userTrades(q: UserQuery): Promise<TradeRow[]>;
  /** One order by id, whoever owns it; null when the database has none. */
  order(order_id: number): Promise<OrderRow | null>;
  /** One row per trade, newest first; with before_trade_id, only older trades (paging back). */
  marketTrades(q: MarketTradesQuery): Promise<MarketTradeRow[]>;
  /** With asset_id: that account by seq, newest first; without: all the user's accounts, newest output first. */
  ledger(q: { user_id: number; asset_id?: number; limit: number }): Promise<LedgerRow[]>;
  transfer(request_id: string): Promise<TransferRow | null>;
  close(): Promise<void>;
}
