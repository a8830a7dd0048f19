// Settlement lifecycle markers, written once the rows of a batch committed:
// deposits and withdrawals (always), orders (when the order's first row is
// written) and trades (sampled with their taker order).

import {
  type BalanceOutput,
  CommandKind,
  type EngineOutput,
  isTransferCmd,
  type Spec,
} from "../core/mod.ts";
import { eventEnabled, logEvent, type ServiceObs } from "../obs/mod.ts";

function transferEventId(o: BalanceOutput): string | null {
  const c = o.command;
  if (c === null || (c.kind !== CommandKind.Deposit && c.kind !== CommandKind.Withdraw))
    return null;
  return `${c.kind === CommandKind.Deposit ? "deposit" : "withdraw"}_${c.user_id}_${c.asset_id}_${c.ts_ms}`;
}

export class SettlementEvents {
  constructor(
    private readonly obs: ServiceObs | undefined,
    private readonly spec: Spec,
  ) {}

  /** A balance output was accepted into a batch. */
  consumed(o: BalanceOutput): void {
    const obs = this.obs;
    const c = o.command;
    const event_id = transferEventId(o);
    if (obs === undefined || c === null || event_id === null || !isTransferCmd(c)) return;
    const family = c.kind === CommandKind.Deposit ? "DEPOSIT" : "WITHDRAW";
    logEvent(obs.log, `${family}_CONSUMED`, {
      event_id,
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
    for (const o of balance) {
      const c = o.command;
      const event_id = transferEventId(o);
      if (c === null || event_id === null || !isTransferCmd(c)) continue;
      const family = c.kind === CommandKind.Deposit ? "DEPOSIT" : "WITHDRAW";
      const persisted = o.reject === 0 && !o.duplicate;
      logEvent(obs.log, `${family}_PERSISTED`, {
        event_id,
        user_id: c.user_id,
        request_id: c.request_id,
        table: persisted ? "balance_ledger" : "none",
        outcome: o.duplicate ? "duplicate" : o.reject === 0 ? "applied" : "rejected",
      });
    }
    for (const eo of engine) {
      const input = eo.input;
      if (input.kind === 1 && eventEnabled(obs.log, "ORDER_PERSISTED", input.order_id)) {
        logEvent(obs.log, "ORDER_PERSISTED", {
          event_id: String(input.order_id),
          order_id: input.order_id,
          user_id: input.user_id,
          symbol: this.spec.symbolById[eo.symbol_id]?.name,
        });
      }
      for (const t of eo.trades) {
        logEvent(
          obs.log,
          "TRADE_PERSISTED",
          {
            event_id: String(t.trade_id),
            trade_id: t.trade_id,
            order_id: t.taker_order_id,
            maker_order_id: t.maker_order_id,
          },
          { sampleKey: t.taker_order_id },
        );
      }
    }
  }
}
