// A process that stops the way every `bourse` service process does
// (src/cli/lifecycle.ts), for tests: it logs to <dir>/gateway.log, says
// "ready", then, by <mode>, throws from a timer, leaves a promise rejected, or
// waits for signals.

import { onStopSignals } from "../../src/cli/lifecycle.ts";
import { createServiceObs, resolveObsOptions } from "../../src/obs/mod.ts";

const [dir, mode] = process.argv.slice(2);
if (dir === undefined) throw new Error("usage: lifecycle-child <dir> [throw|reject|wait]");
const obs = createServiceObs("gateway", resolveObsOptions({ log_dir: dir, log_level: "info" }, {}));
await obs.log.open();
onStopSignals({ loggers: [obs.log], stop: () => obs.close() });
setInterval(() => {}, 1000);
process.stdout.write("ready\n");
if (mode === "throw") {
  setTimeout(() => {
    throw new Error("boom in a timer");
  }, 10);
}
if (mode === "reject") void Promise.reject(new Error("a promise nobody awaited"));
