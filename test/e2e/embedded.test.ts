// The seed scenario against `bourse start` (embedded mode) in a temporary folder.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { createKey, type Running, startExchange } from "../support/exchange-process.ts";
import { type LedgerRow, seedScenario } from "../support/seed-scenario.ts";

const dir = mkdtempSync(join(tmpdir(), "bourse-e2e-"));
let ex: Running | null = null;

seedScenario({
  name: "embedded",
  async start() {
    ex = await startExchange(dir);
    return ex.url;
  },
  async stop() {
    const code = (await ex?.stop()) ?? null;
    ex = null;
    return [code];
  },
  createKey: (who) => createKey(dir, who),
  async ledger(user_id) {
    const db = new Database(join(dir, "settlement.db"), { readonly: true, fileMustExist: true });
    try {
      return db
        .prepare("SELECT * FROM balance_ledger WHERE user_id = ? ORDER BY asset_id, seq")
        .all(user_id) as LedgerRow[];
    } finally {
      db.close();
    }
  },
  async dispose() {
    rmSync(dir, { recursive: true, force: true });
  },
});
