// A durable core in its own process, for crash tests: reads commands as JSON
// lines on stdin, journals and applies them, and reports on stdout which ones
// are durable (acknowledged). The parent kills it with SIGKILL at random.

import { createInterface } from "node:readline";
import { openCore } from "../../src/bench/durable.ts";
import { type Command, hashHex, loadSpec } from "../../src/core/mod.ts";
import { assertConservation } from "./invariants.ts";

const dir = process.argv[2];
const snapshotEvery = Number(process.argv[3] ?? 0);
if (dir === undefined) throw new Error("usage: core-child <dir> [snapshot_every]");

const spec = loadSpec();
const dm = await openCore(spec, dir, "batch", {
  snapshot_every_inputs: snapshotEvery,
  snapshots_kept: 2,
});
const say = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);
say({ ready: true, seq: dm.appliedSeq(), recovery: dm.recovery });
dm.onDurable((seq) => say({ acked: seq }));

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  const msg = JSON.parse(line) as { cmd?: Command; check?: boolean };
  if (msg.cmd !== undefined) {
    dm.submit(msg.cmd);
  } else if (msg.check) {
    await dm.durable(dm.appliedSeq()).catch(() => undefined);
    let conservation = "ok";
    try {
      assertConservation(dm.machine.ubs, "child");
    } catch (err) {
      conservation = (err as Error).message;
    }
    say({ seq: dm.appliedSeq(), state_hash: hashHex(dm.machine.stateHash()), conservation });
  }
}
await dm.close();
