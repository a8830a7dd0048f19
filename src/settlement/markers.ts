// Settlement's lifecycle markers, written by whoever writes the rows (the
// worker thread in embedded mode, the settlement process when distributed):
// DEPOSIT_/WITHDRAW_CONSUMED when an output is read, and once its rows
// committed DEPOSIT_/WITHDRAW_PERSISTED (always), ORDER_PERSISTED for an
// accepted order and TRADE_PERSISTED for each trade (both sampled like every
// per-order line). Sampling is decided before a line's fields are built, so
// a thinned-out marker costs no allocation.

import {
  CommandKind,
  type CoreOutput,
  DEPOSIT_MARKERS,
  Marker,
  Reject,
  type Spec,
  type TransferCmd,
  type TransferMarkers,
  transferEventIdOf,
  WITHDRAW_MARKERS,
} from "../core/mod.ts";
import { eventEnabled, logEvent, type ServiceLogger } from "../obs/mod.ts";

/** What markers need to name symbols and assets; plain data, so a worker can receive it. */
export type Catalog = Pick<Spec, "symbols" | "assets">;

function family(c: TransferCmd): TransferMarkers {
  return c.kind === CommandKind.Deposit ? DEPOSIT_MARKERS : WITHDRAW_MARKERS;
}

function isTransfer(o: CoreOutput): boolean {
  return o.input.kind === CommandKind.Deposit || o.input.kind === CommandKind.Withdraw;
}

/** Where a transfer's outcome was written: its ledger row, only its transfers row, or nowhere (a retry). */
function transferTable(o: CoreOutput): string {
  if (o.duplicate || o.reject === Reject.DUPLICATE_REQUEST_ID.id) return "none";
  return o.reject === 0 ? "balance_ledger" : "transfers";
}

export class SettlementMarkers {
  private readonly symbols = new Map<number, string>();
  private readonly assets = new Map<number, string>();

  constructor(
    private readonly log: ServiceLogger,
    catalog: Catalog,
  ) {
    for (const s of catalog.symbols) this.symbols.set(s.id, s.name);
    for (const a of catalog.assets) this.assets.set(a.id, a.name);
  }

  /** Outputs read from the stream, before their transaction. */
  consumed(outputs: readonly CoreOutput[]): void {
    if (!this.log.enabled) return;
    for (const o of outputs) {
      if (!isTransfer(o)) continue;
      const c = o.input as TransferCmd;
      logEvent(this.log, family(c).CONSUMED, {
        event_id: transferEventIdOf(c),
        user_id: c.user_id,
        asset: this.assets.get(c.asset_id),
        request_id: c.request_id,
      });
    }
  }

  /** Outputs whose rows committed. */
  persisted(outputs: readonly CoreOutput[]): void {
    const log = this.log;
    if (!log.enabled) return;
    for (const o of outputs) {
      const kind = o.input.kind;
      if (kind === CommandKind.Deposit || kind === CommandKind.Withdraw) {
        const c = o.input as TransferCmd;
        logEvent(log, family(c).PERSISTED, {
          event_id: transferEventIdOf(c),
          user_id: c.user_id,
          request_id: c.request_id,
          table: transferTable(o),
          outcome: o.duplicate ? "duplicate" : o.reject === 0 ? "applied" : "rejected",
        });
        continue;
      }
      if (
        kind === CommandKind.Place &&
        o.order_id !== 0 &&
        eventEnabled(log, Marker.ORDER_PERSISTED, o.order_id)
      ) {
        logEvent(log, Marker.ORDER_PERSISTED, {
          event_id: String(o.order_id),
          order_id: o.order_id,
          user_id: o.input.user_id,
          symbol: this.symbols.get(o.input.symbol_id),
        });
      }
      for (const t of o.trades) {
        if (!eventEnabled(log, Marker.TRADE_PERSISTED, t.taker_order_id)) continue;
        logEvent(
          log,
          Marker.TRADE_PERSISTED,
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
