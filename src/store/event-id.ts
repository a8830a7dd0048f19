// The ids that follow one business event through every service's logs, and
// that the rows written here lead back to, so that a trace can end at the
// database.

import { BalanceKind, CommandKind, type TransferCmd } from "../core/mod.ts";

export function transferEventId(cmd: TransferCmd): string {
  const type = cmd.kind === CommandKind.Deposit ? "deposit" : "withdraw";
  return `${type}_${cmd.user_id}_${cmd.asset_id}_${cmd.ts_ms}`;
}

export function orderEventId(order_id: number): string {
  return String(order_id);
}

export function tradeEventId(trade_id: number): string {
  return String(trade_id);
}

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
