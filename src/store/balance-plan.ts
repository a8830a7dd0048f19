// balance.events -> rows: the output log, the append-only ledger and the
// transfers. A ledger row's seq must follow its account's previous row; gaps
// inside the batch are found here, gaps against the database by the store.

import { CommandKind } from "../core/enums.ts";
import type { BalanceOutput, TransferCmd } from "../core/types.ts";
import { StoreError } from "./errors.ts";
import { balanceEventId, transferEventId } from "./event-id.ts";
import { hashToHex } from "./hex.ts";
import type { Row } from "./writes.ts";

/** The first ledger seq of one account in the batch. */
export interface AccountStart {
  user_id: number;
  asset_id: number;
  seq: number;
}

export interface BalancePlan {
  balanceLog: Row[];
  transfers: Row[];
  ledger: Row[];
  starts: AccountStart[];
}

function transferOf(o: BalanceOutput): TransferCmd | null {
  const c = o.command;
  if (c === null) return null;
  return c.kind === CommandKind.Deposit || c.kind === CommandKind.Withdraw ? c : null;
}

function logRow(o: BalanceOutput, transfer: TransferCmd | null): Row {
  const c = o.command;
  return [
    o.output_seq,
    hashToHex(o.prev_hash),
    hashToHex(o.hash),
    o.cause,
    c?.kind ?? null,
    transfer?.request_id ?? null,
    c !== null && c.kind !== CommandKind.Tick ? c.user_id : null,
    o.engine_symbol_id,
    o.engine_output_seq,
    o.order_id,
    o.reject,
    o.duplicate ? 1 : 0,
    o.events.length,
    c?.ts_ms ?? null,
  ];
}

export function accountKey(user_id: number, asset_id: number): string {
  return `${user_id}:${asset_id}`;
}

export function planBalance(outputs: readonly BalanceOutput[]): BalancePlan {
  const plan: BalancePlan = { balanceLog: [], transfers: [], ledger: [], starts: [] };
  const lastSeq = new Map<string, number>();
  // Same rule as the transfers upsert, applied inside the batch: one row per request_id.
  const transfers = new Map<string, Row>();
  for (const o of outputs) {
    const transfer = transferOf(o);
    plan.balanceLog.push(logRow(o, transfer));
    if (transfer !== null && !o.duplicate) {
      const before = transfers.get(transfer.request_id);
      if (before === undefined || (before[5] !== 0 && o.reject === 0)) {
        transfers.set(transfer.request_id, [
          transfer.request_id,
          transfer.kind,
          transfer.user_id,
          transfer.asset_id,
          transfer.amount_units,
          o.reject,
          transferEventId(transfer),
          transfer.ts_ms,
          o.output_seq,
        ]);
      }
    }
    for (const e of o.events) {
      const key = accountKey(e.user_id, e.asset_id);
      const last = lastSeq.get(key);
      if (last === undefined) {
        plan.starts.push({ user_id: e.user_id, asset_id: e.asset_id, seq: e.seq });
      } else if (e.seq !== last + 1) {
        throw new StoreError(
          "LEDGER_GAP",
          `account ${key}: seq ${e.seq} follows ${last} (balance output ${o.output_seq})`,
        );
      }
      lastSeq.set(key, e.seq);
      plan.ledger.push([
        e.user_id,
        e.asset_id,
        e.seq,
        e.kind,
        e.delta_avail,
        e.delta_frozen,
        e.avail,
        e.frozen,
        e.ref_id,
        e.ref,
        balanceEventId(e, transfer),
        o.output_seq,
      ]);
    }
  }
  plan.transfers = [...transfers.values()];
  return plan;
}

/**
 * Proves each account's first seq in the batch follows its last stored row
 * (or is 1 for a new account). `stored` maps accountKey to the last seq.
 */
export function checkAccountStarts(
  starts: readonly AccountStart[],
  stored: ReadonlyMap<string, number>,
): void {
  for (const s of starts) {
    const last = stored.get(accountKey(s.user_id, s.asset_id)) ?? 0;
    if (s.seq !== last + 1) {
      throw new StoreError(
        "LEDGER_GAP",
        `account ${accountKey(s.user_id, s.asset_id)}: seq ${s.seq} follows stored seq ${last}`,
      );
    }
  }
}
