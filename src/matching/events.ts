// Matching-engine lifecycle markers: matches, trades, expiries and cancels
// (done, or refused by the book after UBSCore admitted them). Each is one
// line per order or trade, written field by field into the log's ring (see
// src/obs/logger.ts): no object or string is built per line.

import {
  type EngineOutput,
  errorById,
  Field,
  Marker,
  type MarkerSpec,
  type MatchInput,
  OrderStatus,
  type OrderUpdate,
  Reject,
  type Spec,
} from "../core/mod.ts";
import type { ServiceObs } from "../obs/mod.ts";

/** The part of an engine output the markers read; the combined core's output can supply it. */
export type MatchedView = Pick<EngineOutput, "symbol_id" | "updates" | "trades" | "reject"> & {
  readonly input: Pick<MatchInput, "kind" | "order_id" | "user_id">;
};

export class MatchingEvents {
  constructor(
    private readonly obs: ServiceObs | undefined,
    private readonly spec: Spec,
  ) {}

  output(eo: MatchedView): void {
    const obs = this.obs;
    if (obs === undefined) return;
    if (eo.trades.length > 0) obs.metrics.trades_total.inc(eo.trades.length);
    const input = eo.input;
    const order_id = input.order_id;
    const symbol = this.spec.symbolById[eo.symbol_id]?.name;
    const log = obs.log;
    if (input.kind === 2) {
      const line =
        eo.reject === 0
          ? log.line(Marker.ORDER_CANCELLED, order_id)
          : log.line(Marker.CANCEL_REJECTED, order_id);
      if (line === null) return;
      line
        .idText(Field.event_id, order_id)
        .int(Field.order_id, order_id)
        .int(Field.user_id, input.user_id)
        .str(Field.symbol, symbol);
      if (eo.reject !== 0) line.str(Field.reason, errorById(eo.reject).code);
      line.end();
      return;
    }
    for (const u of eo.updates) {
      if (u.status !== OrderStatus.Expired) continue;
      log
        .line(Marker.ORDER_EXPIRED, u.order_id)
        ?.idText(Field.event_id, u.order_id)
        .int(Field.order_id, u.order_id)
        .int(Field.user_id, u.user_id)
        .str(Field.symbol, symbol)
        .int(Field.filled_lots, u.filled_lots)
        .int(Field.remaining_lots, u.remaining_lots)
        .str(Field.reason, u.reason === 0 ? undefined : errorById(u.reason).code)
        .end();
    }
    if (eo.trades.length === 0) return;
    log
      .line(Marker.ORDER_MATCHED, order_id)
      ?.idText(Field.event_id, order_id)
      .int(Field.order_id, order_id)
      .int(Field.user_id, input.user_id)
      .str(Field.symbol, symbol)
      .int(Field.trades, eo.trades.length)
      .bool(Field.filled, eo.updates[eo.updates.length - 1]?.status === OrderStatus.Filled)
      .end();
    for (const t of eo.trades) {
      // Trades are sampled by their taker order, so a followed order shows all its trades.
      log
        .line(Marker.TRADE_EXECUTED, order_id)
        ?.idText(Field.event_id, t.trade_id)
        .int(Field.trade_id, t.trade_id)
        .int(Field.order_id, t.taker_order_id)
        .int(Field.maker_order_id, t.maker_order_id)
        .int(Field.user_id, t.taker_user_id)
        .int(Field.maker_user_id, t.maker_user_id)
        .str(Field.symbol, symbol)
        .int(Field.price_ticks, t.price_ticks)
        .int(Field.qty_lots, t.qty_lots)
        .end();
    }
  }

  /**
   * What the trading commands do to orders, from any output (a trade that
   * triggers a stop, an amend, an OCO partner's end, a due dead-man's
   * switch): one line per order changed. `symbol_id` is 0 when the output
   * spans symbols.
   */
  orderChanges(symbol_id: number, updates: readonly OrderUpdate[]): void {
    const obs = this.obs;
    if (obs === undefined) return;
    const symbol = this.spec.symbolById[symbol_id]?.name;
    let amended = 0;
    for (const u of updates) {
      let marker: MarkerSpec | null = null;
      if (u.status === OrderStatus.Triggered) marker = Marker.STOP_TRIGGERED;
      else if (u.reason === Reject.ORDER_AMENDED.id && u.order_id !== amended) {
        // Once per amend, though later updates of the output may repeat the reason.
        amended = u.order_id;
        marker = Marker.ORDER_AMENDED;
      } else if (u.status === OrderStatus.Cancelled && u.reason === Reject.OCO_CANCELLED.id) {
        marker = Marker.OCO_CANCELLED;
      } else if (u.status === OrderStatus.Cancelled && u.reason === Reject.AUTO_CANCELLED.id) {
        marker = Marker.AUTO_CANCELLED;
      }
      if (marker === null) continue;
      obs.log
        .line(marker, u.order_id)
        ?.idText(Field.event_id, u.order_id)
        .int(Field.order_id, u.order_id)
        .int(Field.user_id, u.user_id)
        .str(Field.symbol, symbol)
        .int(Field.filled_lots, u.filled_lots)
        .int(Field.remaining_lots, u.remaining_lots)
        .end();
    }
  }
}
