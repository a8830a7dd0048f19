// What UBSCore answers the gateway that sent a command: the real outcome,
// after the command is durable (and, for orders and cancels, after the
// matching engine's output for it was settled). JSON on the wire; integers in
// the core's units; names of enums and error codes as strings.

import {
  type CancelCmd,
  type Command,
  CommandKind,
  type CoreOutput,
  type EngineOutput,
  errorById,
  type PlaceCmd,
  Side,
  type Spec,
  statusName,
  type TransferCmd,
  transferEventId,
  transferEventIdOf,
  transferTypeOf,
  type UbsCore,
} from "../core/mod.ts";

export interface ReplyTrade {
  trade_id: number;
  price_ticks: number;
  qty_lots: number;
  quote_units: number;
  /** Fee the order's owner paid: base asset for a buy, quote asset for a sell. */
  fee_units: number;
  fee_asset_id: number;
  is_maker: boolean;
}

export interface TransferReply {
  kind: "transfer";
  /** Error code when refused; null when applied (or when a duplicate of an applied one). */
  code: string | null;
  duplicate: boolean;
  request_id: string;
  user_id: number;
  asset_id: number;
  amount_units: number;
  /** The account after the (first) application; null when refused. */
  avail_units: number | null;
  frozen_units: number | null;
  event_id: string;
}

export interface OrderReply {
  kind: "order" | "cancel";
  /** Error code when refused before reaching the book (or the cancel failed); null otherwise. */
  code: string | null;
  order_id: number;
  symbol_id: number;
  /** Status after the engine handled it (New, PartiallyFilled, Filled, Cancelled, Rejected, Expired). */
  status: string | null;
  /** Why it is Rejected/Expired/Cancelled. */
  reason: string | null;
  filled_lots: number;
  remaining_lots: number;
  filled_quote_units: number;
  trades: ReplyTrade[];
}

export type CommandReply = TransferReply | OrderReply;

export interface BalanceRow {
  asset_id: number;
  avail_units: number;
  frozen_units: number;
}

function codeOf(id: number): string | null {
  return id === 0 ? null : errorById(id).code;
}

/** The answer to a deposit or withdrawal, including for a retried request_id. */
export function transferReply(
  cmd: TransferCmd,
  reject: number,
  duplicate: boolean,
  ubs: UbsCore,
): TransferReply {
  const first = ubs.transferResult(cmd.request_id);
  // A retry answers with the first application's result, not the balance now.
  const event = first !== undefined && first.reject === 0 ? first.event : null;
  const ts = duplicate && first !== undefined ? first.ts_ms : cmd.ts_ms;
  return {
    kind: "transfer",
    code: codeOf(reject),
    duplicate,
    request_id: cmd.request_id,
    user_id: cmd.user_id,
    asset_id: cmd.asset_id,
    amount_units: cmd.amount_units,
    avail_units: reject === 0 && event !== null ? event.avail : null,
    frozen_units: reject === 0 && event !== null ? event.frozen : null,
    event_id: transferEventId(
      transferTypeOf(cmd.kind),
      cmd.user_id,
      cmd.asset_id,
      ts,
      cmd.request_id,
    ),
  };
}

/** An order or cancel refused by UBSCore before reaching the book. */
export function refusedReply(
  cmd: Exclude<Command, TransferCmd>,
  reject: number,
  order_id: number,
): OrderReply {
  return {
    kind: cmd.kind === CommandKind.Place ? "order" : "cancel",
    code: codeOf(reject),
    order_id,
    symbol_id: cmd.kind === CommandKind.Place ? cmd.symbol_id : 0,
    status: null,
    reason: null,
    filled_lots: 0,
    remaining_lots: 0,
    filled_quote_units: 0,
    trades: [],
  };
}

/** The outcome of an order or cancel, from the engine output that handled it. */
export function engineReply(eo: EngineOutput, spec: Spec): OrderReply {
  const input = eo.input;
  const order_id = input.order_id;
  let update = null;
  for (let i = eo.updates.length - 1; i >= 0; i--) {
    const u = eo.updates[i];
    if (u !== undefined && u.order_id === order_id) {
      update = u;
      break;
    }
  }
  const s = spec.symbolById[eo.symbol_id];
  const trades = [];
  for (const t of eo.trades) {
    if (t.taker_order_id !== order_id) continue;
    const buys = t.taker_side === Side.Buy;
    trades.push({
      trade_id: t.trade_id,
      price_ticks: t.price_ticks,
      qty_lots: t.qty_lots,
      quote_units: t.quote_units,
      fee_units: buys ? t.buyer_fee_units : t.seller_fee_units,
      fee_asset_id: (buys ? s?.base.id : s?.quote.id) ?? 0,
      is_maker: false,
    });
  }
  return {
    kind: input.kind === 1 ? "order" : "cancel",
    code: codeOf(eo.reject),
    order_id,
    symbol_id: eo.symbol_id,
    status: update === null ? null : (statusName[update.status] ?? null),
    reason: update === null ? null : codeOf(update.reason),
    filled_lots: update?.filled_lots ?? 0,
    remaining_lots: update?.remaining_lots ?? 0,
    filled_quote_units: update?.filled_quote_units ?? 0,
    trades,
  };
}

/**
 * The answer to an order or cancel from the core's output for it: a refusal
 * before the book, or the order's status and its own fills as taker.
 */
export function orderReplyOf(out: CoreOutput, spec: Spec): OrderReply {
  const cmd = out.input as PlaceCmd | CancelCmd;
  return orderReplyFor(
    out,
    out.order_id,
    spec,
    cmd.kind === CommandKind.Place ? "order" : "cancel",
  );
}

/**
 * What became of one order the output names (an OCO's leg, a cancel-replace's
 * new or cancelled order, an amended order): its last update in the output,
 * and its own fills as taker; the output's refusal when it has no update.
 */
export function orderReplyFor(
  out: CoreOutput,
  order_id: number,
  spec: Spec,
  kind: OrderReply["kind"],
  reject: number = out.reject,
): OrderReply {
  let update = null;
  for (let i = out.updates.length - 1; i >= 0; i--) {
    const u = out.updates[i];
    if (u !== undefined && u.order_id === order_id) {
      update = u;
      break;
    }
  }
  if (update === null && reject !== 0) {
    return { ...refusedReply(out.input as PlaceCmd, reject, order_id), kind };
  }
  const s = spec.symbolById[out.symbol_id];
  const trades: ReplyTrade[] = [];
  for (const t of out.trades) {
    if (t.taker_order_id !== order_id) continue;
    const buys = t.taker_side === Side.Buy;
    trades.push({
      trade_id: t.trade_id,
      price_ticks: t.price_ticks,
      qty_lots: t.qty_lots,
      quote_units: t.quote_units,
      fee_units: buys ? t.buyer_fee_units : t.seller_fee_units,
      fee_asset_id: (buys ? s?.base.id : s?.quote.id) ?? 0,
      is_maker: false,
    });
  }
  return {
    kind,
    code: codeOf(reject),
    order_id,
    symbol_id: out.symbol_id,
    status: update === null ? null : (statusName[update.status] ?? null),
    reason: update === null ? null : codeOf(update.reason),
    filled_lots: update?.filled_lots ?? 0,
    remaining_lots: update?.remaining_lots ?? 0,
    filled_quote_units: update?.filled_quote_units ?? 0,
    trades,
  };
}

/**
 * The answer to a deposit or withdrawal from the core's output. A retried
 * request id names the first application's outcome; its balance after comes
 * from `first` (the core's record of it), or is null when unknown here.
 */
export function transferReplyOf(
  out: CoreOutput,
  first: { avail: number; frozen: number; ts_ms: number } | null,
): TransferReply {
  const cmd = out.input as TransferCmd;
  const event = out.events[0];
  const applied = out.reject === 0;
  let avail: number | null = null;
  let frozen: number | null = null;
  if (applied && !out.duplicate && event !== undefined) {
    avail = event.avail;
    frozen = event.frozen;
  } else if (applied && out.duplicate && first !== null) {
    avail = first.avail;
    frozen = first.frozen;
  }
  const ts = out.duplicate && first !== null ? first.ts_ms : cmd.ts_ms;
  return {
    kind: "transfer",
    code: codeOf(out.reject),
    duplicate: out.duplicate,
    request_id: cmd.request_id,
    user_id: cmd.user_id,
    asset_id: cmd.asset_id,
    amount_units: cmd.amount_units,
    avail_units: avail,
    frozen_units: frozen,
    event_id: transferEventIdOf(ts === cmd.ts_ms ? cmd : { ...cmd, ts_ms: ts }),
  };
}
