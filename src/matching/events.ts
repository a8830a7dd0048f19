// Matching-engine lifecycle markers: matches, trades and cancels, sampled per
// order id like every per-order line.

import { type EngineOutput, type MatchInput, OrderStatus, type Spec } from "../core/mod.ts";
import { eventEnabled, logEvent, type ServiceObs } from "../obs/mod.ts";

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
    if (input.kind === 2) {
      if (eo.reject === 0 && eventEnabled(obs.log, "ORDER_CANCELLED", order_id)) {
        logEvent(obs.log, "ORDER_CANCELLED", {
          event_id: String(order_id),
          order_id,
          user_id: input.user_id,
          symbol,
        });
      }
      return;
    }
    if (eo.trades.length === 0 || !eventEnabled(obs.log, "ORDER_MATCHED", order_id)) return;
    logEvent(obs.log, "ORDER_MATCHED", {
      event_id: String(order_id),
      order_id,
      user_id: input.user_id,
      symbol,
      trades: eo.trades.length,
      filled: eo.updates[eo.updates.length - 1]?.status === OrderStatus.Filled,
    });
    for (const t of eo.trades) {
      // Trades are sampled by their taker order, so a followed order shows all its trades.
      logEvent(
        obs.log,
        "TRADE_EXECUTED",
        {
          event_id: String(t.trade_id),
          trade_id: t.trade_id,
          order_id: t.taker_order_id,
          maker_order_id: t.maker_order_id,
          symbol,
          price_ticks: t.price_ticks,
          qty_lots: t.qty_lots,
        },
        { sampleKey: order_id },
      );
    }
  }
}
