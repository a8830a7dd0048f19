import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteStore } from "../../../src/store/mod.ts";
import { storeContract } from "./contract.ts";
import { SYMBOLS } from "./fixtures.ts";

storeContract("SQLite (file on disk, WAL)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "bourse-store-"));
  const store = openSqliteStore(join(dir, "settlement.db"), { symbols: SYMBOLS });
  return {
    store,
    async dispose() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
