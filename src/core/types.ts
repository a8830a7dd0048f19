// Wire types of the core: what enters UBSCore, what UBSCore sends the matching
// engine, what the engine emits, and what the combined core returns. Every
// amount is an integer with its unit last in the name: _units are an asset's
// minimal units, _ticks are price ticks, _lots are quantity lots.

import type {
  BalanceKind,
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

export interface PlaceCmd {
  kind: typeof CommandKind.Place;
  user_id: number;
  symbol_id: number;
  side: Side;
  order_type: OrderType;
  tif: TimeInForce;
  post_only: boolean;
  stp: Stp;
  /** Limit price; 0 for market orders. */
  price_ticks: number;
  /** Quantity; 0 for a market buy by quote amount. */
  qty_lots: number;
  /** Budget of a market buy by quote amount; 0 otherwise. */
  quote_units: number;
  /** Client order id; "" when none. */
  cid: string;
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

export type Command = TransferCmd | PlaceCmd | CancelCmd;

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
  /** Limit price, or for market orders the collar (worst) price UBSCore set. */
  price_ticks: number;
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
  ts_ms: number;
}

export type MatchInput = OrderIn | CancelIn;

export interface OrderUpdate {
  order_id: number;
  user_id: number;
  status: OrderStatus;
  filled_lots: number;
  remaining_lots: number;
  filled_quote_units: number;
  /** Error registry id explaining a Rejected/Expired/Cancelled status; 0 otherwise. */
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
  /** The symbol the command concerned (a cancel's: its order's, once found); 0 for transfers. */
  symbol_id: number;
  /** The order id assigned to an accepted order, or the target of a cancel. */
  order_id: number;
  /** Error registry id; 0 when accepted. */
  reject: number;
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
