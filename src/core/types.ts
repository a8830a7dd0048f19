// Wire types of the core: what enters UBSCore, what UBSCore sends the matching
// engine, what the engine emits, and what the combined core returns. Every
// amount is an integer with its unit last in the name: _units are an asset's
// minimal units, _ticks are price ticks, _lots are quantity lots. Every
// command's ts_ms is stamped once outside the core (the gateway; the
// sequencer for a Tick); the core's time is the largest ts_ms it has seen,
// and the dead-man's switch and the transfer window run on it.

import type {
  BalanceKind,
  CancelReplaceMode,
  CommandKind,
  OrderStatus,
  OrderType,
  Side,
  Stp,
  TimeInForce,
} from "./enums.ts";

export interface TransferCmd {
  kind: typeof CommandKind.Deposit | typeof CommandKind.Withdraw;
  request_id: string;
  user_id: number;
  asset_id: number;
  amount_units: number;
  /** Set once at the gateway; the core never reads a clock. */
  ts_ms: number;
  /** The gateway's request id ("" when none): journaled and echoed, so every stage names the request. */
  corr: string;
}

/** The fields of a new order: what a Place carries, and the new half of a CancelReplace. */
export interface OrderSpec {
  symbol_id: number;
  side: Side;
  order_type: OrderType;
  tif: TimeInForce;
  post_only: boolean;
  stp: Stp;
  /** Limit price (also of StopLossLimit and TakeProfitLimit); 0 for Market, StopLoss and TakeProfit. */
  price_ticks: number;
  /** The trigger of the four stop types: the last trade price that sets them off; 0 for Limit and Market. */
  stop_price_ticks: number;
  /** Quantity; 0 for a market buy by quote amount. */
  qty_lots: number;
  /** Budget of a market buy by quote amount; 0 otherwise. */
  quote_units: number;
  /** Client order id; "" when none. */
  cid: string;
}

export interface PlaceCmd extends OrderSpec {
  kind: typeof CommandKind.Place;
  user_id: number;
  ts_ms: number;
  corr: string;
}

export interface CancelCmd {
  kind: typeof CommandKind.Cancel;
  user_id: number;
  /** 0 when cancelling by client order id. */
  order_id: number;
  cid: string;
  ts_ms: number;
  corr: string;
}

/**
 * Two orders of one user, symbol and side, linked: a GTC limit leg and a stop
 * leg. The first trade, trigger or end of either leg cancels the other; the
 * pair freezes once, what the costlier leg needs. The limit leg gets the
 * order id, the stop leg the next one.
 */
export interface PlaceOcoCmd {
  kind: typeof CommandKind.PlaceOco;
  user_id: number;
  symbol_id: number;
  side: Side;
  stp: Stp;
  /** Quantity of each leg. */
  qty_lots: number;
  /** Limit leg: its price, whether it may only make, its client order id ("" when none). */
  price_ticks: number;
  post_only: boolean;
  cid: string;
  /** Stop leg: StopLoss, StopLossLimit, TakeProfit or TakeProfitLimit. */
  stop_type: OrderType;
  stop_price_ticks: number;
  /** The stop leg's limit price (the *Limit types); 0 for StopLoss and TakeProfit. */
  stop_limit_price_ticks: number;
  /** The stop leg's time in force: GTC, IOC or FOK for the *Limit types, IOC or FOK otherwise. */
  stop_tif: TimeInForce;
  stop_cid: string;
  ts_ms: number;
  corr: string;
}

/**
 * Change an open order's quantity and/or price. Lowering the quantity keeps
 * the order's place in its queue; a new price or a higher quantity sends it
 * to the back (a new price may trade at once).
 */
export interface AmendCmd {
  kind: typeof CommandKind.Amend;
  user_id: number;
  /** The order's symbol, whose ticks and lots the new values are in; another symbol's order is UNKNOWN_ORDER. */
  symbol_id: number;
  /** 0 when naming the order by client order id. */
  order_id: number;
  cid: string;
  /** The new limit price; 0 keeps the price. */
  price_ticks: number;
  /** The new total quantity (filled included); 0 keeps the quantity. */
  qty_lots: number;
  ts_ms: number;
  corr: string;
}

/** Cancel one order and place another, atomically, in one symbol. */
export interface CancelReplaceCmd {
  kind: typeof CommandKind.CancelReplace;
  user_id: number;
  /** The order to cancel: by id, or (order_id 0) by client order id. */
  order_id: number;
  cid: string;
  mode: CancelReplaceMode;
  /**
   * The order to place; the order to cancel must be in its symbol (one in
   * another symbol is UNKNOWN_ORDER to the cancel half).
   */
  order: OrderSpec;
  ts_ms: number;
  corr: string;
}

/** Cancel every open order (waiting stops included) of a user, in one symbol or all. */
export interface CancelAllCmd {
  kind: typeof CommandKind.CancelAll;
  user_id: number;
  /** 0 for every symbol. */
  symbol_id: number;
  ts_ms: number;
  corr: string;
}

/**
 * The dead-man's switch: arm (or re-arm) a timer that cancels all of the
 * user's orders once the core's time reaches the core's time of this command
 * plus timeout_ms; 0 disarms it.
 */
export interface CancelAllAfterCmd {
  kind: typeof CommandKind.CancelAllAfter;
  user_id: number;
  timeout_ms: number;
  ts_ms: number;
  corr: string;
}

/**
 * Only time: the sequencer journals one periodically while any timer is
 * armed, so timers fire although no user sends anything.
 */
export interface TickCmd {
  kind: typeof CommandKind.Tick;
  ts_ms: number;
  /** The sequencer's name for the tick ("" when none). */
  corr: string;
}

export type Command =
  | TransferCmd
  | PlaceCmd
  | CancelCmd
  | PlaceOcoCmd
  | AmendCmd
  | CancelReplaceCmd
  | CancelAllCmd
  | CancelAllAfterCmd
  | TickCmd;

/** validated_orders: an order UBSCore accepted and froze funds for. */
export interface OrderIn {
  kind: 1;
  /** UBSCore's input sequence number of the command that produced this. */
  ubs_seq: number;
  order_id: number;
  user_id: number;
  symbol_id: number;
  side: Side;
  order_type: OrderType;
  tif: TimeInForce;
  post_only: boolean;
  stp: Stp;
  /**
   * Limit price; for market orders the collar (worst) price UBSCore set; for
   * a StopLoss or TakeProfit buy the cap it froze for (a sell's is 0: it is
   * priced when it triggers).
   */
  price_ticks: number;
  /** Trigger of a stop type; 0 otherwise. */
  stop_price_ticks: number;
  qty_lots: number;
  quote_units: number;
  /** What UBSCore froze; the engine releases exactly what is left of it. */
  frozen_units: number;
  cid: string;
  ts_ms: number;
}

/** validated_orders: a cancel UBSCore checked against the order's owner. */
export interface CancelIn {
  kind: 2;
  ubs_seq: number;
  order_id: number;
  user_id: number;
  symbol_id: number;
  /** The reason the cancelled order carries: USER_CANCELLED, or AUTO_CANCELLED for a timer. */
  reason: number;
  ts_ms: number;
}

/** validated_orders: an OCO pair UBSCore accepted and froze funds for (once). */
export interface OcoIn {
  kind: 3;
  ubs_seq: number;
  /** The limit leg's id; the stop leg's is stop_order_id (order_id + 1). */
  order_id: number;
  stop_order_id: number;
  user_id: number;
  symbol_id: number;
  side: Side;
  stp: Stp;
  qty_lots: number;
  price_ticks: number;
  post_only: boolean;
  cid: string;
  stop_type: OrderType;
  stop_price_ticks: number;
  /** The stop leg's limit price, or for a StopLoss/TakeProfit buy its cap (0 for such a sell). */
  stop_limit_price_ticks: number;
  stop_tif: TimeInForce;
  stop_cid: string;
  /** What UBSCore froze for the pair: the larger of the two legs' needs. */
  frozen_units: number;
  ts_ms: number;
}

/** validated_orders: an amend UBSCore checked against the order's owner. */
export interface AmendIn {
  kind: 4;
  ubs_seq: number;
  order_id: number;
  user_id: number;
  symbol_id: number;
  price_ticks: number;
  qty_lots: number;
  /**
   * The owner's available balance in the asset the order freezes: the engine
   * refuses an amend that needs more. Exact in the combined core, where
   * nothing moves balances between UBSCore's check and the engine.
   */
  avail_units: number;
  ts_ms: number;
}

export type MatchInput = OrderIn | CancelIn | OcoIn | AmendIn;

export interface OrderUpdate {
  order_id: number;
  user_id: number;
  status: OrderStatus;
  filled_lots: number;
  remaining_lots: number;
  filled_quote_units: number;
  /**
   * Error registry id explaining a Rejected/Expired/Cancelled status
   * (OCO_CANCELLED, AUTO_CANCELLED, STOP_WOULD_TRIGGER among them), or
   * ORDER_AMENDED on the update an amend makes; 0 otherwise.
   */
  reason: number;
}

export interface Trade {
  trade_id: number;
  symbol_id: number;
  price_ticks: number;
  qty_lots: number;
  quote_units: number;
  maker_order_id: number;
  taker_order_id: number;
  maker_user_id: number;
  taker_user_id: number;
  taker_side: Side;
  /** Paid by the buyer in the base asset. */
  buyer_fee_units: number;
  /** Paid by the seller in the quote asset. */
  seller_fee_units: number;
}

/** A change the engine asks UBSCore to make; UBSCore stamps it into a BalanceEvent. */
export interface BalanceDelta {
  user_id: number;
  asset_id: number;
  kind: BalanceKind;
  delta_avail: number;
  delta_frozen: number;
  /** order_id for freeze/release, trade_id for trade and fee kinds. */
  ref_id: number;
}

export interface Completion {
  order_id: number;
  user_id: number;
  status: OrderStatus;
  reason: number;
}

/** engine.outputs: one per matching input, hash-chained per symbol. */
export interface EngineOutput {
  symbol_id: number;
  output_seq: number;
  prev_hash: bigint;
  hash: bigint;
  input: MatchInput;
  /** Makers touched, in match order, then the taker (or the cancelled order) last. */
  updates: OrderUpdate[];
  trades: Trade[];
  deltas: BalanceDelta[];
  completions: Completion[];
  /** Top of book after this input; 0 when that side is empty. */
  best_bid_ticks: number;
  best_ask_ticks: number;
  /** Error registry id when the engine refused the input itself (cancel of an unknown order). */
  reject: number;
}

/** balance.events: a stamped balance change, one ledger row. */
export interface BalanceEvent {
  user_id: number;
  asset_id: number;
  /** Per (user, asset) sequence, from 1, without gaps. */
  seq: number;
  kind: BalanceKind;
  delta_avail: number;
  delta_frozen: number;
  avail: number;
  frozen: number;
  ref_id: number;
  /** The transfer's request_id for deposits and withdrawals; "" otherwise. */
  ref: string;
}

/** The combined core's answer to one command, hash-chained. */
export interface CoreOutput {
  output_seq: number;
  prev_hash: bigint;
  hash: bigint;
  input: Command;
  /**
   * The symbol the command concerned (a cancel's or amend's: its order's,
   * once found; a cancel-all's when it named one); 0 for transfers, ticks and
   * commands over every symbol.
   */
  symbol_id: number;
  /**
   * The order id assigned to an accepted order (an OCO's limit leg, a
   * cancel-replace's new order), or the target of a cancel or amend.
   */
  order_id: number;
  /** Error registry id; 0 when accepted (for a cancel-replace: the new order's refusal). */
  reject: number;
  /**
   * The second order a command names: an OCO's stop leg (order_id + 1), or
   * the order a cancel-replace cancels (or meant to); 0 for other commands.
   */
  other_order_id: number;
  /**
   * A cancel-replace's cancel half: 0 when it cancelled, its refusal code
   * otherwise (NOT_ATTEMPTED when StopOnFailure left the order untouched
   * because the new order would be refused); 0 for other commands.
   */
  other_reject: number;
  /** True when a transfer's request_id was seen before: nothing changed. */
  duplicate: boolean;
  updates: OrderUpdate[];
  trades: Trade[];
  events: BalanceEvent[];
  completions: Completion[];
}

/** What caused a BalanceOutput: a command, or the engine output UBSCore applied. */
export const Cause = { Command: 1, EngineOutput: 2 } as const;
export type Cause = (typeof Cause)[keyof typeof Cause];

/**
 * balance.events: UBSCore's answer to one of its inputs, hash-chained. For a
 * command it carries the echo, the outcome and the balance events it caused; for
 * an applied engine output it names that output (symbol, output_seq) and carries
 * the stamped balance events of its deltas.
 */
export interface BalanceOutput {
  output_seq: number;
  prev_hash: bigint;
  hash: bigint;
  cause: Cause;
  /** The command echo when cause is Command; null otherwise. */
  command: Command | null;
  /** The engine output applied when cause is EngineOutput; 0 otherwise. */
  engine_symbol_id: number;
  engine_output_seq: number;
  order_id: number;
  reject: number;
  duplicate: boolean;
  events: BalanceEvent[];
}

/** Deposit or withdrawal (a guard: TypeScript cannot narrow TransferCmd's two-valued kind by itself). */
export function isTransferCmd(c: Command): c is TransferCmd {
  return c.kind === 1 || c.kind === 2;
}
