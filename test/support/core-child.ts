// A durable core in its own process, for crash tests: the embedded exchange's
// sequencer over its journal, fed commands as JSON lines on stdin, reporting
// on stdout which ones are durable (acknowledged). The parent kills it with
// SIGKILL at random.

import { createInterface } from "node:readline";
import { type Command, type CoreOutput, hashHex, loadSpec } from "../../src/core/mod.ts";
import { openDurableSequencer } from "../../src/pipeline/mod.ts";
import { assertConservation } from "./invariants.ts";

const dir = process.argv[2];
const snapshotEvery = Number(process.argv[3] ?? 0);
if (dir === undefined) throw new Error("usage: core-child <dir> [snapshot_every]");

const spec = loadSpec();
const { journal, sequencer } = await openDurableSequencer({
  dir,
  spec,
  sync: "batch",
  snapshot_every_outputs: snapshotEvery,
  snapshots_kept: 2,
});
const say = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);
say({ ready: true, seq: journal.core.output_seq, recovery: journal.recovery });
journal.onDurable((seq) => say({ acked: seq }));

let last: Promise<CoreOutput | null> = Promise.resolve(null);
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  const msg = JSON.parse(line) as { cmd?: Command; check?: boolean };
  if (msg.cmd !== undefined) {
    last = sequencer.submit(msg.cmd);
  } else if (msg.check) {
    await last;
    let conservation = "ok";
    try {
      assertConservation(journal.core.ubs, "child");
    } catch (err) {
      conservation = (err as Error).message;
    }
    say({
      seq: journal.core.output_seq,
      state_hash: hashHex(journal.core.stateHash()),
      conservation,
    });
  }
}
await sequencer.stop();
await journal.close();
