// engine.outputs -> rows. Order state is folded in memory across the whole
// batch so that each order is written once per batch with its last state
// (later updates win), while order_history keeps every single change.

import { isTerminal, OrderStatus, Side } from "../core/enums.ts";
import type { EngineOutput, OrderIn, OrderUpdate, Trade } from "../core/types.ts";
import { StoreError } from "./errors.ts";
import { orderEventId } from "./event-id.ts";
import { hashToHex } from "./hex.ts";
import type { SymbolAssets } from "./types.ts";
import type { Row } from "./writes.ts";

export interface EnginePlan {
  engineLog: Row[];
  orderInserts: Row[];
  orderUpdates: Row[];
  history: Row[];
  activeInserts: Row[];
  activeDeletes: Row[];
  trades: Row[];
}

interface OrderState {
  /** The order's input when it entered the book in this batch; null when it did so before. */
  created: OrderIn | null;
  status: OrderStatus;
  filled_lots: number;
  remaining_lots: number;
  filled_quote_units: number;
  reason: number;
  updated_ts_ms: number;
  output_seq: number;
}

/** The taker's update; an order the engine refused may come with none. */
function withTakerUpdate(o: EngineOutput, input: OrderIn): OrderUpdate[] {
  if (o.updates.some((u) => u.order_id === input.order_id)) return o.updates;
  if (o.reject === 0) {
    throw new StoreError(
      "BATCH_INVALID",
      `engine output ${o.symbol_id}/${o.output_seq} accepted order ${input.order_id} without an update for it`,
    );
  }
  const rejected: OrderUpdate = {
    order_id: input.order_id,
    user_id: input.user_id,
    status: OrderStatus.Rejected,
    filled_lots: 0,
    remaining_lots: input.qty_lots,
    filled_quote_units: 0,
    reason: o.reject,
  };
  return [...o.updates, rejected];
}

function tradeRows(o: EngineOutput, t: Trade, assets: SymbolAssets): [Row, Row] {
  const takerBuys = t.taker_side === Side.Buy;
  const makerSide = takerBuys ? Side.Sell : Side.Buy;
  const ts = o.input.ts_ms;
  const fee = (side: Side): [number, number] =>
    side === Side.Buy ? [t.buyer_fee_units, assets.base.id] : [t.seller_fee_units, assets.quote.id];
  const row = (
    side: Side,
    user: number,
    order: number,
    cpUser: number,
    cpOrder: number,
    maker: 0 | 1,
  ): Row => [
    o.symbol_id,
    t.trade_id,
    side,
    user,
    order,
    cpUser,
    cpOrder,
    maker,
    t.price_ticks,
    t.qty_lots,
    t.quote_units,
    ...fee(side),
    ts,
    o.output_seq,
  ];
  return [
    row(t.taker_side, t.taker_user_id, t.taker_order_id, t.maker_user_id, t.maker_order_id, 0),
    row(makerSide, t.maker_user_id, t.maker_order_id, t.taker_user_id, t.taker_order_id, 1),
  ];
}

function logRow(o: EngineOutput): Row {
  return [
    o.symbol_id,
    o.output_seq,
    hashToHex(o.prev_hash),
    hashToHex(o.hash),
    o.input.kind,
    o.input.order_id,
    o.input.user_id,
    o.input.ubs_seq,
    o.reject,
    o.updates.length,
    o.trades.length,
    o.deltas.length,
    o.completions.length,
    o.best_bid_ticks,
    o.best_ask_ticks,
    o.input.ts_ms,
  ];
}

export function planEngine(
  outputs: readonly EngineOutput[],
  symbols: ReadonlyMap<number, SymbolAssets>,
): EnginePlan {
  const plan: EnginePlan = {
    engineLog: [],
    orderInserts: [],
    orderUpdates: [],
    history: [],
    activeInserts: [],
    activeDeletes: [],
    trades: [],
  };
  const orders = new Map<number, OrderState>();
  for (const o of outputs) {
    const assets = symbols.get(o.symbol_id);
    if (assets === undefined) {
      throw new StoreError("BATCH_INVALID", `engine output for unknown symbol ${o.symbol_id}`);
    }
    const ts = o.input.ts_ms;
    plan.engineLog.push(logRow(o));

    let updates = o.updates;
    if (o.input.kind === 1) {
      const input = o.input;
      if (orders.has(input.order_id)) {
        throw new StoreError("BATCH_INVALID", `order ${input.order_id} entered the book twice`);
      }
      orders.set(input.order_id, {
        created: input,
        status: OrderStatus.New,
        filled_lots: 0,
        remaining_lots: input.qty_lots,
        filled_quote_units: 0,
        reason: 0,
        updated_ts_ms: ts,
        output_seq: o.output_seq,
      });
      updates = withTakerUpdate(o, input);
    }

    const lastTrade = new Map<number, number>();
    for (const t of o.trades) {
      lastTrade.set(t.maker_order_id, t.trade_id);
      lastTrade.set(t.taker_order_id, t.trade_id);
      plan.trades.push(...tradeRows(o, t, assets));
    }

    updates.forEach((u, idx) => {
      plan.history.push([
        o.symbol_id,
        o.output_seq,
        idx,
        u.order_id,
        u.user_id,
        u.status,
        u.filled_lots,
        u.remaining_lots,
        u.filled_quote_units,
        u.reason,
        lastTrade.get(u.order_id) ?? null,
        ts,
        orderEventId(u.order_id),
      ]);
      const state = orders.get(u.order_id);
      const next = {
        status: u.status,
        filled_lots: u.filled_lots,
        remaining_lots: u.remaining_lots,
        filled_quote_units: u.filled_quote_units,
        reason: u.reason,
        updated_ts_ms: ts,
        output_seq: o.output_seq,
      };
      if (state === undefined) orders.set(u.order_id, { created: null, ...next });
      else Object.assign(state, next);
    });
  }

  for (const [order_id, s] of orders) {
    const stateCols: Row = [
      s.status,
      s.filled_lots,
      s.remaining_lots,
      s.filled_quote_units,
      s.reason,
      s.updated_ts_ms,
      s.output_seq,
    ];
    const c = s.created;
    if (c !== null) {
      plan.orderInserts.push([
        order_id,
        c.user_id,
        c.symbol_id,
        c.side,
        c.order_type,
        c.tif,
        c.post_only ? 1 : 0,
        c.stp,
        c.price_ticks,
        c.qty_lots,
        c.quote_units,
        c.cid,
        c.ts_ms,
        ...stateCols,
      ]);
      if (!isTerminal(s.status))
        plan.activeInserts.push([order_id, c.user_id, c.symbol_id, c.ts_ms]);
    } else {
      plan.orderUpdates.push([...stateCols, order_id]);
      if (isTerminal(s.status)) plan.activeDeletes.push([order_id]);
    }
  }
  return plan;
}
