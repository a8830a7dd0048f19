// `bourse start`: the whole exchange in one process (embedded mode). The
// options are declared here; the exchange itself is loaded when it runs.

import { Command, Option } from "commander";
import {
  addGatewayOptions,
  addObsOptions,
  configOption,
  ENV,
  type GatewayFlags,
  int,
  snapshotEveryOption,
  syncOption,
} from "./common.ts";

export interface StartOptions extends GatewayFlags {
  dataDir: string;
  port: number;
  host: string;
  config?: string;
  sync: "batch" | "none";
  snapshotEvery: number;
  adminPort?: number;
  [obs: string]: unknown;
}

export function startCommand(): Command {
  const cmd = new Command("start")
    .description(
      "run the whole exchange in one process: gateway, UBSCore, matching engine and settlement over a local event log, settling into SQLite",
    )
    .addOption(
      new Option("--data-dir <dir>", "data folder (journals, event log, database, keys)")
        .default("./data")
        .env(ENV.data_dir),
    )
    .addOption(
      new Option("--port <n>", "HTTP port of the gateway")
        .argParser(int)
        .default(3001)
        .env(ENV.port),
    )
    .addOption(
      new Option("--host <addr>", "address to listen on").default("127.0.0.1").env(ENV.host),
    )
    .addOption(configOption())
    .addOption(syncOption())
    .addOption(
      snapshotEveryOption("inputs between automatic snapshots of UBSCore and the matching engine"),
    )
    .addOption(
      new Option(
        "--admin-port <n>",
        "also serve /metrics, /livez and /readyz on 127.0.0.1:<n> (0 picks a free one); none when omitted",
      )
        .argParser(int)
        .env(ENV.admin_port),
    );
  addGatewayOptions(cmd, "on");
  addObsOptions(cmd);
  return cmd.action(async (o: StartOptions) => {
    const { runEmbedded } = await import("./run-embedded.ts");
    await runEmbedded(o);
  });
}
