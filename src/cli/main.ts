// The bourse command line. Each command lives in its own module; this file only
// assembles them.

import { Command } from "commander";
import { benchCommand } from "./bench.ts";

const program = new Command()
  .name("bourse")
  .description("Bourse spot-exchange backend")
  .showHelpAfterError()
  .enablePositionalOptions();

program.addCommand(benchCommand());

await program.parseAsync(process.argv);
