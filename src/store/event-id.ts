// The ids that follow one business event through every service's logs, and
// that the rows written here lead back to, so that a trace can end at the
// database.

// The formats themselves live in the core's registry (src/core/event-ids.ts).

import { BalanceKind, orderEventId, tradeEventId, transferEventIdOf } from "../core/mod.ts";

export { orderEventId, tradeEventId, transferEventIdOf as transferEventId };

/**
 * A ledger row's business event: deposits and withdrawals carry their
 * transfer's (kept on the transfers row: it names the gateway's time);
 * freezes and releases the order's (their ref_id is the order id); trade
 * and fee rows the trade's.
 */
export function ledgerEventId(
  kind: BalanceKind,
  ref_id: number,
  transfer_event_id: string | null,
): string {
  switch (kind) {
    case BalanceKind.Deposit:
    case BalanceKind.Withdraw:
      return transfer_event_id ?? "";
    case BalanceKind.Freeze:
    case BalanceKind.Release:
      return orderEventId(ref_id);
    default:
      return tradeEventId(ref_id);
  }
}
