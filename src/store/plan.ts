// One batch -> the ordered writes of one transaction. Both databases execute
// the same plan; only the statement shapes differ.

import type { BalanceOutput, EngineOutput } from "../core/types.ts";
import { type AccountStart, planBalance } from "./balance-plan.ts";
import { planEngine } from "./engine-plan.ts";
import { StoreError } from "./errors.ts";
import { hashToHex } from "./hex.ts";
import type { StoredPosition, SymbolAssets } from "./types.ts";
import {
  ACTIVE_DELETE,
  ACTIVE_INSERT,
  BALANCE_LOG,
  ENGINE_LOG,
  HISTORY_INSERT,
  LEDGER_INSERT,
  ORDER_INSERT,
  ORDER_UPDATE,
  POSITION_UPSERT,
  type Row,
  TRADE_INSERT,
  TRANSFER_INSERT,
  type WriteSpec,
} from "./writes.ts";

export interface Step {
  spec: WriteSpec;
  rows: Row[];
}

/** The order in which a batch's tables are written. */
export const WRITE_ORDER: readonly WriteSpec[] = [
  ENGINE_LOG,
  ORDER_INSERT,
  ORDER_UPDATE,
  HISTORY_INSERT,
  ACTIVE_INSERT,
  ACTIVE_DELETE,
  TRADE_INSERT,
  BALANCE_LOG,
  TRANSFER_INSERT,
];

export interface WritePlan {
  /** Everything but the ledger and the positions, one step per WRITE_ORDER entry (maybe empty). */
  steps: Step[];
  /** Written after the ledger's continuity is checked against the database. */
  ledger: Step;
  starts: AccountStart[];
  positions: Step;
  /** Rows the plan writes, positions excluded. */
  rows: number;
}

function checkIntegers(step: Step): void {
  for (const row of step.rows) {
    for (const v of row) {
      if (typeof v === "number" && !Number.isSafeInteger(v)) {
        throw new StoreError(
          "BATCH_INVALID",
          `${step.spec.table}: ${v} is not a safe integer (row ${JSON.stringify(row)})`,
        );
      }
    }
  }
}

export function planBatch(
  engine: readonly EngineOutput[],
  balance: readonly BalanceOutput[],
  positions: readonly StoredPosition[],
  symbols: ReadonlyMap<number, SymbolAssets>,
): WritePlan {
  const e = planEngine(engine, symbols);
  const b = planBalance(balance);
  const steps: Step[] = [
    { spec: ENGINE_LOG, rows: e.engineLog },
    { spec: ORDER_INSERT, rows: e.orderInserts },
    { spec: ORDER_UPDATE, rows: e.orderUpdates },
    { spec: HISTORY_INSERT, rows: e.history },
    { spec: ACTIVE_INSERT, rows: e.activeInserts },
    { spec: ACTIVE_DELETE, rows: e.activeDeletes },
    { spec: TRADE_INSERT, rows: e.trades },
    { spec: BALANCE_LOG, rows: b.balanceLog },
    { spec: TRANSFER_INSERT, rows: b.transfers },
  ];
  const ledger: Step = { spec: LEDGER_INSERT, rows: b.ledger };
  for (const s of steps) checkIntegers(s);
  checkIntegers(ledger);
  let rows = ledger.rows.length;
  for (const s of steps) rows += s.rows.length;
  return {
    steps,
    ledger,
    starts: b.starts,
    positions: {
      spec: POSITION_UPSERT,
      rows: positions.map((p) => [p.stream, p.seq, hashToHex(p.hash)]),
    },
    rows,
  };
}
