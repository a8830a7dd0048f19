// The ids that follow one business event through every service's logs, and
// that the rows written here carry so that a trace can end at the database.

import { BalanceKind, CommandKind } from "../core/enums.ts";
import type { BalanceEvent, TransferCmd } from "../core/types.ts";
import { StoreError } from "./errors.ts";

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
 * Deposits and withdrawals carry the transfer's id; freezes and releases the
 * order's (their ref_id is the order id); trade and fee rows the trade's.
 */
export function balanceEventId(event: BalanceEvent, transfer: TransferCmd | null): string {
  switch (event.kind) {
    case BalanceKind.Deposit:
    case BalanceKind.Withdraw:
      if (transfer === null) {
        throw new StoreError(
          "BATCH_INVALID",
          `balance event of kind ${event.kind} for user ${event.user_id} without its transfer command`,
        );
      }
      return transferEventId(transfer);
    case BalanceKind.Freeze:
    case BalanceKind.Release:
      return orderEventId(event.ref_id);
    default:
      return tradeEventId(event.ref_id);
  }
}
