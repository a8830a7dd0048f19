// The transport contract on the embedded implementations: a file journal per
// topic (group commit) and in-process RPC.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalLog, LocalRpc } from "../../src/transport/mod.ts";
import { transportContract } from "./contract.ts";

transportContract("LocalLog + LocalRpc", async () => {
  const dir = await mkdtemp(join(tmpdir(), "bourse-transport-"));
  return {
    async open() {
      const log = new LocalLog({ dir, sync: "batch" });
      const rpc = new LocalRpc();
      return {
        log,
        rpc,
        async close() {
          await rpc.close();
          await log.close();
        },
      };
    },
    async dispose() {
      await rm(dir, { recursive: true, force: true });
    },
  };
});
