// The sequencer over its journal: nothing (answer, output, read) leaves before
// the command behind it is durable; consumers get every output once, in
// order, as the same bytes the journal holds; recovery replays the journal and
// proves each output the same; back-pressure pauses intake instead of growing.

import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  type Command,
  CommandKind,
  type CoreOutput,
  cancelAllAfterCommand,
  compile,
  DEFAULT_CONFIG,
  hashHex,
  InvariantError,
  loadSpec,
  OrderStatus,
  placeCommand,
  Reader,
  Reject,
  readCoreOutput,
  readOutputBatch,
  transferCommand,
} from "../../../src/core/mod.ts";
import { startClock } from "../../../src/pipeline/clock.ts";
import {
  type OutputSink,
  openDurableSequencer,
  SequencerBusyError,
} from "../../../src/pipeline/mod.ts";
import { CommandStream } from "../../support/commands.ts";
import { hookedIo } from "../journal/helpers.ts";

const spec = loadSpec();

function tempDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `bourse-seq-${tag}-`));
}

function commands(n: number, seed = 7): Command[] {
  const s = new CommandStream(spec, seed);
  const out = [...s.funding()];
  while (out.length < n) out.push(s.next());
  return out.slice(0, n);
}

class Recorder implements OutputSink {
  readonly name = "recorder";
  readonly seqs: number[] = [];
  readonly decoded: CoreOutput[] = [];
  pending = 0;
  deliver(batch: Uint8Array, outputs: readonly CoreOutput[]): void {
    const view = readOutputBatch(batch);
    assert.equal(view.count, outputs.length);
    for (let i = 0; i < view.count; i++) {
      const o = readCoreOutput(new Reader(view.outputs[i] as Uint8Array));
      assert.deepEqual(o, outputs[i], "batch bytes and objects disagree");
      this.seqs.push(o.output_seq);
      this.decoded.push(o);
    }
    this.pending += view.count;
  }
  backlog(): number {
    return this.pending;
  }
}

test("answers, outputs and reads wait for the fdatasync that covers them", async () => {
  const io = hookedIo();
  let release: () => void = () => undefined;
  const { journal, sequencer } = await openDurableSequencer({
    dir: tempDir("durable"),
    spec,
    sync: "batch",
    io,
  });
  const sink = new Recorder();
  sequencer.addSink(sink);
  io.beforeSync = () =>
    new Promise<void>((r) => {
      release = r;
    });
  io.syncCalls = 0;
  const cmds = commands(50);
  let answered = 0;
  const answers = cmds.map((c) =>
    sequencer.submit(c).then((o) => {
      answered++;
      return o;
    }),
  );
  // Let the sequencer apply everything and the journal reach its fdatasync.
  while (io.syncCalls === 0) await new Promise((r) => setImmediate(r));
  assert.equal(journal.core.output_seq, 50, "applied at once");
  let read_done = false;
  const read = sequencer
    .read(() => journal.core.output_seq)
    .then((v) => {
      read_done = true;
      return v;
    });
  await new Promise((r) => setImmediate(r));
  assert.equal(answered, 0, "no answer before its fdatasync returned");
  assert.equal(sink.seqs.length, 0, "no output before its fdatasync returned");
  assert.equal(read_done, false, "no read of undurable state");
  io.beforeSync = null;
  release();
  const outs = await Promise.all(answers);
  assert.deepEqual(
    outs.map((o) => o.output_seq),
    cmds.map((_, i) => i + 1),
  );
  assert.equal(await read, 50);
  assert.deepEqual(
    sink.seqs,
    outs.map((o) => o.output_seq),
  );
  await sequencer.stop();
  await journal.close();
});

test("recovery replays the journal to the same state; a changed config is refused", async () => {
  const dir = tempDir("recover");
  const first = await openDurableSequencer({
    dir,
    spec,
    sync: "batch",
    snapshot_every_outputs: 300,
  });
  const cmds = commands(1000, 11);
  let last: Promise<CoreOutput> | null = null;
  for (const c of cmds) last = first.sequencer.submit(c);
  await last;
  const hash = hashHex(first.journal.core.stateHash());
  await first.sequencer.stop();
  await first.journal.close();

  const again = await openDurableSequencer({ dir, spec, sync: "batch" });
  assert.equal(again.journal.core.output_seq, 1000);
  assert.equal(hashHex(again.journal.core.stateHash()), hash);
  assert.ok(again.journal.recovery.snapshot_seq >= 300, "recovered from a snapshot");
  assert.equal(
    again.journal.recovery.replayed,
    1000 - again.journal.recovery.snapshot_seq,
    "replayed exactly the journal after the snapshot",
  );
  await again.journal.close();

  // The same journal read with other fees would give other outputs: refused,
  // naming the first output that differs, rather than served.
  const other = compile({
    ...DEFAULT_CONFIG,
    symbols: DEFAULT_CONFIG.symbols.map((s) => ({ ...s, taker_fee_ppm: 7777 })),
  });
  const fresh = tempDir("recover2");
  const a = await openDurableSequencer({ dir: fresh, spec, sync: "batch" });
  for (const c of cmds) last = a.sequencer.submit(c);
  await last;
  await a.sequencer.stop();
  await a.journal.close();
  await assert.rejects(
    openDurableSequencer({ dir: fresh, spec: other, sync: "batch" }),
    (e) => e instanceof InvariantError && /replay of output \d+ gives hash/.test(e.message),
  );
});

test("a sink that falls behind pauses intake; commands wait, then go on in order", async () => {
  const { journal, sequencer } = await openDurableSequencer({
    dir: tempDir("backpressure"),
    spec,
    sync: "none",
  });
  const events: string[] = [];
  const slow = new Recorder();
  sequencer.addSink(slow);
  // A small limit, so a few commands engage it.
  (sequencer as unknown as { backlog_max: number }).backlog_max = 20;
  const cmds = commands(200, 3);
  const answers = cmds.map((c) => sequencer.submit(c));
  await answers[20];
  while (sequencer.pausedBy() === null) await new Promise((r) => setImmediate(r));
  events.push(`paused by ${sequencer.pausedBy()}`);
  const applied = journal.core.output_seq;
  await new Promise((r) => setImmediate(r));
  assert.equal(journal.core.output_seq, applied, "nothing applied while paused");
  slow.pending = 0;
  sequencer.checkBackpressure();
  const outs = await Promise.all(answers);
  assert.deepEqual(events, ["paused by recorder"]);
  assert.deepEqual(
    outs.map((o) => o.output_seq),
    cmds.map((_, i) => i + 1),
  );
  await sequencer.stop();
  await journal.close();
});

test("a stopped sequencer refuses commands and applies none of them", async () => {
  const { journal, sequencer } = await openDurableSequencer({
    dir: tempDir("stop"),
    spec,
    sync: "batch",
  });
  await sequencer.submit(commands(1)[0] as Command);
  await sequencer.stop();
  await assert.rejects(
    sequencer.submit(commands(2)[1] as Command),
    (e) => e instanceof SequencerBusyError && e.code === "STOPPED",
  );
  assert.equal(journal.core.output_seq, 1);
  await journal.close();
});

test("an armed dead-man's switch fires on a journaled Tick once its deadline passed", async () => {
  const dir = tempDir("clock");
  const { journal, sequencer } = await openDurableSequencer({ dir, spec, sync: "none" });
  let t = 1_700_000_000_000;
  const clock = startClock(
    journal.core,
    (tick) => sequencer.submit(tick),
    () => t,
  );
  try {
    const fund = transferCommand(
      spec,
      CommandKind.Deposit,
      { request_id: "f", user_id: 5, asset: "USDT", amount: "1000" },
      t,
    );
    await sequencer.submit(fund);
    const order = await sequencer.submit(
      placeCommand(
        spec,
        {
          user_id: 5,
          symbol: "BTC_USDT",
          side: "Buy",
          order_type: "Limit",
          price: "100",
          quantity: "1",
        },
        t,
      ),
    );
    await sequencer.submit(cancelAllAfterCommand(5, 1000, t));
    // Resolves with the output that cancels the order, whichever command carries it.
    const fired = new Promise<CoreOutput>((resolve) =>
      sequencer.addSink({
        name: "watch",
        deliver: (_b, outs) => {
          for (const o of outs)
            if (o.updates.some((u) => u.order_id === order.order_id)) resolve(o);
        },
        backlog: () => 0,
      }),
    );
    t += 1000;
    const out = await fired;
    assert.equal(out.input.kind, CommandKind.Tick);
    assert.equal(out.input.ts_ms, t);
    assert.deepEqual(
      out.updates.map((u) => [u.order_id, u.status, u.reason]),
      [[order.order_id, OrderStatus.Cancelled, Reject.AUTO_CANCELLED.id]],
    );
    assert.equal(journal.core.ubs.balance(5, spec.assetByName.get("USDT")?.id ?? 0).frozen, 0);
    assert.equal(journal.core.armedTimers(), 0);
  } finally {
    clock.stop();
    await sequencer.stop();
    await journal.close();
  }
});
