// The bourse command line. Each command lives in its own module; this file only
// assembles them, and turns a command that fails into one line on stderr and
// exit status 1 (BOURSE_DEBUG=1 adds the stack).

import { Command } from "commander";
import { benchCommand } from "./bench.ts";
import { keysCommand } from "./keys.ts";
import { reportFailure } from "./lifecycle.ts";
import { gatewayCommand, matchingCommand, settlementCommand, ubscoreCommand } from "./services.ts";
import { snapshotCommand, statusCommand } from "./snapshot.ts";
import { startCommand } from "./start.ts";
import { traceCommand } from "./trace.ts";

export function buildProgram(): Command {
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
  program.addCommand(statusCommand());
  program.addCommand(traceCommand());
  program.addCommand(benchCommand());
  return program;
}

export async function main(argv: readonly string[]): Promise<void> {
  try {
    await buildProgram().parseAsync([...argv]);
  } catch (err) {
    reportFailure(argv[2] ?? "", err);
    // Whatever a failed start left running must not keep the process alive.
    process.exit(1);
  }
}
