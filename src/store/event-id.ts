// The ids that follow one business event through every service's logs, and
// that the rows written here carry so that a trace can end at the database.

// The formats themselves live in the core's registry (src/core/event-ids.ts).

import {
  type BalanceEvent,
  BalanceKind,
  orderEventId,
  type TransferCmd,
  tradeEventId,
  transferEventIdOf,
} from "../core/mod.ts";
import { StoreError } from "./errors.ts";

export { orderEventId, tradeEventId, transferEventIdOf as transferEventId };

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
      return transferEventIdOf(transfer);
    case BalanceKind.Freeze:
    case BalanceKind.Release:
      return orderEventId(event.ref_id);
    default:
      return tradeEventId(event.ref_id);
  }
}
