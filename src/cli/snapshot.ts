// `bourse snapshot`: ask the exchange running on a data folder to snapshot
// UBSCore and the matching engine now (besides its periodic snapshots).

import { Command, Option } from "commander";
import { lockOwner } from "../embedded/lock.ts";
import { ENV } from "./common.ts";

export function snapshotCommand(): Command {
  return new Command("snapshot")
    .description("ask the running exchange of a data folder to write snapshots now")
    .addOption(
      new Option("--data-dir <dir>", "the exchange's data folder")
        .default("./data")
        .env(ENV.data_dir),
    )
    .action((o: { dataDir: string }) => {
      const pid = lockOwner(o.dataDir);
      if (pid === null) {
        process.stderr.write(
          `bourse snapshot: no running exchange uses ${o.dataDir}; a stopped exchange needs none (it recovers from its journal)\n`,
        );
        process.exitCode = 1;
        return;
      }
      process.kill(pid, "SIGUSR2");
      process.stdout.write(`${JSON.stringify({ requested: true, pid, data_dir: o.dataDir })}\n`);
    });
}
