// The sequencer in its own process's shape: gateways publish command batches
// to the input topic, the sequencer applies them in the topic's order and
// publishes output batches, and each gateway takes its answers from the
// output topic. Here over the local file log and in-process request/reply;
// the same composition runs over JetStream in the end-to-end tests.

import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  type Command,
  GENESIS_HASH,
  hashHex,
  loadSpec,
  Reader,
  readCoreOutput,
  readOutputBatch,
} from "../../../src/core/mod.ts";
import { LogIntake, lastOutput, SequencerService } from "../../../src/pipeline/mod.ts";
import { LocalLog, LocalRpc, Topic } from "../../../src/transport/mod.ts";
import { CommandStream } from "../../support/commands.ts";

const spec = loadSpec();

function commands(n: number, seed: number): Command[] {
  const s = new CommandStream(spec, seed);
  const out = [...s.funding()];
  while (out.length < n) out.push(s.next());
  return out.slice(0, n);
}

/** Every output the topic holds, checking the chain as settlement would. */
async function chain(log: LocalLog): Promise<{ seqs: number[]; corrs: string[] }> {
  const seqs: number[] = [];
  const corrs: string[] = [];
  const last = await log.last(Topic.Outputs);
  if (last === null) return { seqs, corrs };
  let prev = GENESIS_HASH;
  let resolve: () => void = () => undefined;
  const done = new Promise<void>((r) => {
    resolve = r;
  });
  const sub = log.subscribe(Topic.Outputs, { from_seq: 1, name: "check" }, (m) => {
    for (const sealed of readOutputBatch(m.payload).outputs) {
      const o = readCoreOutput(new Reader(sealed));
      assert.equal(o.prev_hash, prev, `chain broken at ${o.output_seq}`);
      prev = o.hash;
      seqs.push(o.output_seq);
      corrs.push(o.input.corr);
    }
    if (m.seq === last.seq) resolve();
  });
  await done;
  await sub.stop();
  return { seqs, corrs };
}

test("two gateways, one sequencer: one order, answers to the right gateway, a restart republishes nothing", async () => {
  const root = mkdtempSync(join(tmpdir(), "bourse-dist-"));
  const log = new LocalLog({ dir: join(root, "log"), sync: "batch" });
  const rpc = new LocalRpc();
  // The commands carry times of their own; the clock stays before them so
  // that no dead-man's switch they arm comes due during the test.
  const opts = {
    spec,
    log,
    rpc,
    dir: join(root, "sequencer"),
    snapshot_every_outputs: 150,
    now_ms: () => 0,
  };
  let seq = await SequencerService.start(opts);
  const gateways = [new LogIntake({ spec, log, rpc }), new LogIntake({ spec, log, rpc })];
  for (const g of gateways) await g.start();

  const cmds = commands(400, 5);
  const outs = await Promise.all(
    cmds.map((c, i) => (gateways[i % 2] as LogIntake).submit({ ...c, corr: `r${i}` })),
  );
  // Every answer is the output of the very command that gateway sent.
  outs.forEach((o, i) => {
    assert.equal(o.input.corr, `r${i}`);
    assert.deepEqual({ ...o.input, corr: "" }, { ...cmds[i], corr: "" });
  });
  assert.deepEqual(
    outs.map((o) => o.output_seq).sort((a, b) => a - b),
    cmds.map((_, i) => i + 1),
  );
  const first = cmds[0];
  const user = first !== undefined && "user_id" in first ? first.user_id : 1;
  const live = await gateways[0]?.balances(user);
  assert.deepEqual(
    live?.map((b) => [b.avail_units, b.frozen_units]),
    spec.assets.map((a) => {
      const b = seq.sequencer.core.ubs.balance(user, a.id);
      return [b.avail, b.frozen];
    }),
  );
  const hash = hashHex(seq.sequencer.core.stateHash());
  const before = await lastOutput(log);
  await seq.stop();

  // Restart: state from the snapshot plus the input topic, nothing published twice.
  seq = await SequencerService.start(opts);
  assert.ok(seq.recovered.snapshot_seq >= 150);
  assert.equal(seq.sequencer.core.output_seq, 400);
  assert.equal(hashHex(seq.sequencer.core.stateHash()), hash);
  assert.deepEqual(await lastOutput(log), before);
  const more = commands(450, 5).slice(400);
  const outs2 = await Promise.all(
    more.map((c, i) => (gateways[1] as LogIntake).submit({ ...c, corr: `s${i}` })),
  );
  assert.deepEqual(
    outs2.map((o) => o.output_seq),
    more.map((_, i) => 401 + i),
  );
  const all = await chain(log);
  assert.deepEqual(
    all.seqs,
    Array.from({ length: 450 }, (_, i) => i + 1),
  );
  for (const g of gateways) await g.stop();
  await seq.stop();
  await rpc.close();
  await log.close();
});
