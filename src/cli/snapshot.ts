// `bourse snapshot` and `bourse status`: ask the exchange running on a data
// folder, through its control socket, to snapshot now or to say how it is.
// Nothing listening is a clear error; no process is ever signalled.

import { Command, Option } from "commander";
import { ENV, int } from "./common.ts";

function dataDirOption(): Option {
  return new Option("--data-dir <dir>", "the running exchange's data folder")
    .default("./data")
    .env(ENV.data_dir);
}

function timeoutOption(default_ms: number): Option {
  return new Option("--timeout-ms <n>", "how long to wait for the answer")
    .argParser(int)
    .default(default_ms)
    .env(ENV.control_timeout_ms);
}

async function askOrFail(
  command: string,
  o: { dataDir: string; timeoutMs: number },
  op: "snapshot" | "status",
): Promise<void> {
  const { ask, ControlError } = await import("../control/mod.ts");
  try {
    const answer = await ask(o.dataDir, op as "status", { timeout_ms: o.timeoutMs });
    process.stdout.write(`${JSON.stringify(answer)}\n`);
  } catch (err) {
    if (!(err instanceof ControlError)) throw err;
    process.stderr.write(`bourse ${command}: ${err.message}\n`);
    process.exitCode = 1;
  }
}

export function snapshotCommand(): Command {
  return new Command("snapshot")
    .description(
      "ask the exchange running on a data folder (bourse start, or bourse ubscore) to write a snapshot now; prints its seq and path",
    )
    .addOption(dataDirOption())
    .addOption(timeoutOption(120_000))
    .action((o: { dataDir: string; timeoutMs: number }) => askOrFail("snapshot", o, "snapshot"));
}

export function statusCommand(): Command {
  return new Command("status")
    .description("say whether an exchange runs on a data folder, and how it is (JSON)")
    .addOption(dataDirOption())
    .addOption(timeoutOption(5_000))
    .action((o: { dataDir: string; timeoutMs: number }) => askOrFail("status", o, "status"));
}
