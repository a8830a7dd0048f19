// The steps of apply() both stores share, around their own transaction:
// check the batch alone, drop what the stored position already covers, plan
// the rest, and prove the ledger continues. Pure except for the ledger-tail
// cache, which a store updates only after its commit.

import type { CoreOutput } from "../core/mod.ts";
import { checkLinks, firstUnapplied, sameHash } from "./chain.ts";
import type { LedgerTails } from "./ledger-tails.ts";
import { type AccountSpan, checkAccounts, planOutputs, rowCounts, type WritePlan } from "./plan.ts";
import { PositionRow } from "./rows.ts";
import {
  type ApplyResult,
  CORE_STREAM,
  type CoreBatch,
  type StoredPosition,
  type SymbolAssets,
} from "./types.ts";

/** What a transaction has to write, or nothing when the stored position covers the batch. */
export interface Step {
  plan: WritePlan | null;
  position: StoredPosition | null;
  skipped: number;
}

/** Checks that need no database; call before opening the transaction. */
export function checkBatch(batch: CoreBatch): void {
  checkLinks(batch.outputs);
}

export function stepOf(
  batch: CoreBatch,
  stored: StoredPosition | null,
  symbols: ReadonlyMap<number, SymbolAssets>,
): Step {
  const outputs = batch.outputs;
  const i = firstUnapplied(outputs, stored);
  if (i === outputs.length) return { plan: null, position: stored, skipped: i };
  const todo = i === 0 ? outputs : outputs.slice(i);
  const plan = planOutputs(todo, stored?.clock_ms ?? 0, symbols);
  const last = todo[todo.length - 1] as CoreOutput;
  return {
    plan,
    skipped: i,
    position: {
      stream: CORE_STREAM,
      seq: last.output_seq,
      hash: last.hash,
      clock_ms: plan.clock_ms,
      source_seq: batch.source_seq ?? 0,
    },
  };
}

export function positionRows(p: StoredPosition): PositionRow {
  return new PositionRow(p);
}

/** Accounts whose stored last seq the cache does not know. */
export function unknownTails(plan: WritePlan, tails: LedgerTails): AccountSpan[] {
  return plan.accounts.filter((a) => tails.get(a.user_id, a.asset_id) === undefined);
}

/** After the unknown tails were learned from the database: LEDGER_GAP unless each account continues. */
export function checkTails(plan: WritePlan, tails: LedgerTails): void {
  checkAccounts(plan.accounts, (a) => tails.get(a.user_id, a.asset_id) ?? 0);
}

export function resultOf(step: Step): ApplyResult {
  if (step.plan === null) {
    return { rows: 0, tables: {}, skipped: step.skipped, trades: 0, position: step.position };
  }
  const { rows, tables } = rowCounts(step.plan);
  return {
    rows,
    tables,
    skipped: step.skipped,
    trades: step.plan.trade_count,
    position: step.position,
  };
}

/** Whether the stored position is the one this writer left: if not, its caches are stale. */
export function samePosition(a: StoredPosition | null, b: StoredPosition | null): boolean {
  if (a === null || b === null) return a === b;
  return a.seq === b.seq && sameHash(a.hash, b.hash);
}
