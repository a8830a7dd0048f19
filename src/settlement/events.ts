// Settlement lifecycle markers, written once the rows of a batch committed:
// deposits and withdrawals, orders (when the order's first row is written)
// and trades; and the lag from output to commit, as a gauge and as a marker
// when it crosses the threshold. Order and trade lines are written field by
// field into the log's ring (see src/obs/logger.ts).

import {
  type BalanceOutput,
  CommandKind,
  DEPOSIT_MARKERS,
  type EngineOutput,
  Field,
  isTransferCmd,
  Marker,
  type Spec,
  type TransferCmd,
  type TransferMarkers,
  transferEventIdOf,
  WITHDRAW_MARKERS,
} from "../core/mod.ts";
import { logEvent, type ServiceObs, settlementLagWatch, type ThresholdWatch } from "../obs/mod.ts";

function transferOf(o: BalanceOutput): TransferCmd | null {
  const c = o.command;
  return c !== null && isTransferCmd(c) ? c : null;
}

function markersOf(c: TransferCmd): TransferMarkers {
  return c.kind === CommandKind.Deposit ? DEPOSIT_MARKERS : WITHDRAW_MARKERS;
}

export class SettlementEvents {
  private readonly lag: ThresholdWatch | undefined;

  constructor(
    private readonly obs: ServiceObs | undefined,
    private readonly spec: Spec,
  ) {
    this.lag = obs === undefined ? undefined : settlementLagWatch(obs.log);
  }

  /** A balance output was accepted into a batch. */
  consumed(o: BalanceOutput): void {
    const obs = this.obs;
    const c = transferOf(o);
    if (obs === undefined || c === null) return;
    logEvent(obs.log, markersOf(c).CONSUMED, {
      event_id: transferEventIdOf(c),
      user_id: c.user_id,
      asset: this.spec.assetById[c.asset_id]?.name,
      request_id: c.request_id,
    });
  }

  committed(
    engine: readonly EngineOutput[],
    balance: readonly BalanceOutput[],
    lag_ms: number,
  ): void {
    const obs = this.obs;
    if (obs === undefined) return;
    obs.metrics.settlement_lag_seconds.set(lag_ms / 1000);
    this.lag?.observe(lag_ms);
    for (const o of balance) {
      const c = transferOf(o);
      if (c === null) continue;
      const persisted = o.reject === 0 && !o.duplicate;
      logEvent(obs.log, markersOf(c).PERSISTED, {
        event_id: transferEventIdOf(c),
        user_id: c.user_id,
        request_id: c.request_id,
        table: persisted ? "balance_ledger" : "none",
        outcome: o.duplicate ? "duplicate" : o.reject === 0 ? "applied" : "rejected",
      });
    }
    const log = obs.log;
    for (const eo of engine) {
      const input = eo.input;
      if (input.kind === 1) {
        log
          .line(Marker.ORDER_PERSISTED, input.order_id)
          ?.idText(Field.event_id, input.order_id)
          .int(Field.order_id, input.order_id)
          .int(Field.user_id, input.user_id)
          .str(Field.symbol, this.spec.symbolById[eo.symbol_id]?.name)
          .str(Field.table, "orders")
          .end();
      }
      for (const t of eo.trades) {
        log
          .line(Marker.TRADE_PERSISTED, t.taker_order_id)
          ?.idText(Field.event_id, t.trade_id)
          .int(Field.trade_id, t.trade_id)
          .int(Field.order_id, t.taker_order_id)
          .int(Field.maker_order_id, t.maker_order_id)
          .str(Field.table, "trades")
          .end();
      }
    }
  }
}
