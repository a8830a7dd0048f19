// The bourse command line. Each command lives in its own module; this file only
// assembles them.

import { Command } from "commander";
import { benchCommand } from "./bench.ts";
import { keysCommand } from "./keys.ts";
import { gatewayCommand, matchingCommand, settlementCommand, ubscoreCommand } from "./services.ts";
import { snapshotCommand } from "./snapshot.ts";
import { startCommand } from "./start.ts";
import { traceCommand } from "./trace.ts";

const program = new Command()
  .name("bourse")
  .description("Bourse spot-exchange backend")
  .showHelpAfterError()
  .enablePositionalOptions();

program.addCommand(startCommand());
program.addCommand(gatewayCommand());
program.addCommand(ubscoreCommand());
program.addCommand(matchingCommand());
program.addCommand(settlementCommand());
program.addCommand(keysCommand());
program.addCommand(snapshotCommand());
program.addCommand(traceCommand());
program.addCommand(benchCommand());

await program.parseAsync(process.argv);
