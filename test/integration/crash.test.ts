// Crash recovery under SIGKILL: the durable core runs as a real child process
// under a stream of commands and is killed at random points, at least 20 times.
// After each restart: every acknowledged command is still there, nothing was
// applied twice, conservation holds, and the final state equals that of an
// uninterrupted replay of exactly the commands the journal holds.

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { test } from "node:test";
import { type Command, Core, hashHex, loadSpec } from "../../src/core/mod.ts";
import { CommandStream } from "../support/commands.ts";
import { Rng } from "../support/random.ts";

const KILLS = Number(process.env.BOURSE_CRASH_KILLS ?? 20);
const SEED = Number(process.env.BOURSE_SEED ?? 42);

interface Child {
  proc: ChildProcess;
  ready: Promise<{ seq: number; recovery: { snapshot_seq: number; replayed: number } }>;
  acked: () => number;
  /** Resolves once at least `seq` commands are acknowledged as durable. */
  ackedAtLeast: (seq: number) => Promise<void>;
  next: () => Promise<Record<string, unknown>>;
  exited: Promise<void>;
}

function start(dir: string): Child {
  const proc = spawn(
    process.execPath,
    ["--import", "tsx", "test/support/core-child.ts", dir, "700"],
    {
      stdio: ["pipe", "pipe", "inherit"],
    },
  );
  // Writes racing the SIGKILL fail with EPIPE; those commands were never journaled.
  proc.stdin?.on("error", () => undefined);
  let acked = 0;
  const ackWaiters: { seq: number; resolve: () => void }[] = [];
  const waiting: ((m: Record<string, unknown>) => void)[] = [];
  const queued: Record<string, unknown>[] = [];
  let resolveReady: (v: {
    seq: number;
    recovery: { snapshot_seq: number; replayed: number };
  }) => void;
  const ready = new Promise<{ seq: number; recovery: { snapshot_seq: number; replayed: number } }>(
    (r) => {
      resolveReady = r;
    },
  );
  const rl = createInterface({ input: proc.stdout as NodeJS.ReadableStream });
  rl.on("line", (line) => {
    const m = JSON.parse(line) as Record<string, unknown>;
    if (m.ready) resolveReady(m as never);
    else if (typeof m.acked === "number") {
      acked = Math.max(acked, m.acked);
      for (let i = ackWaiters.length - 1; i >= 0; i--) {
        const w = ackWaiters[i] as { seq: number; resolve: () => void };
        if (acked >= w.seq) {
          ackWaiters.splice(i, 1);
          w.resolve();
        }
      }
    } else {
      const w = waiting.shift();
      if (w) w(m);
      else queued.push(m);
    }
  });
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  return {
    proc,
    ready,
    acked: () => acked,
    ackedAtLeast: (seq) =>
      acked >= seq
        ? Promise.resolve()
        : new Promise((resolve) => ackWaiters.push({ seq, resolve })),
    next: () =>
      new Promise((r) => {
        const m = queued.shift();
        if (m) r(m);
        else waiting.push(r);
      }),
    exited,
  };
}

function send(child: Child, msg: unknown): void {
  child.proc.stdin?.write(`${JSON.stringify(msg)}\n`);
}

test(`the durable core survives ${KILLS} SIGKILLs without losing or repeating a command`, async () => {
  const spec = loadSpec();
  const dir = mkdtempSync(join(tmpdir(), "bourse-crash-"));
  const rng = new Rng(SEED);
  const stream = new CommandStream(spec, SEED);
  const plan: Command[] = [...stream.funding()];
  /** Exactly what the journal holds, in order, as far as the parent knows. */
  const log: Command[] = [];
  const transfers: Command[] = [];
  let ackedBefore = 0;
  let replayedWithSnapshot = 0;
  try {
    for (let kill = 0; kill < KILLS; kill++) {
      const child = start(dir);
      const ready = await child.ready;
      // Nothing acknowledged may be lost; nothing unsent may appear.
      assert.ok(
        ready.seq >= ackedBefore,
        `restart ${kill}: journal has ${ready.seq}, ${ackedBefore} were acknowledged`,
      );
      assert.ok(
        ready.seq <= log.length,
        `restart ${kill}: journal has ${ready.seq} but only ${log.length} were sent`,
      );
      if (ready.recovery.snapshot_seq > 0) replayedWithSnapshot++;
      // Whatever the child did not journal before dying was never applied: forget it.
      log.length = ready.seq;
      const batch = rng.int(300, 3000);
      for (let i = 0; i < batch; i++) {
        // Now and then, retry a transfer that was already acknowledged or sent.
        let cmd: Command;
        if (transfers.length > 0 && rng.chance(0.03)) cmd = rng.pick(transfers);
        else {
          cmd = plan.length > 0 ? (plan.shift() as Command) : stream.next();
          if (cmd.kind === 1 || cmd.kind === 2) transfers.push(cmd);
        }
        log.push(cmd);
        send(child, { cmd });
      }
      // Kill at a random point of the stream: once a random share of this batch
      // is durable (an event, so a slow machine journals as much as a fast
      // one), then a random moment later, often mid-stream, sometimes after
      // everything is durable and a snapshot written.
      const share = rng.chance(0.1) ? 1 : rng.next();
      await child.ackedAtLeast(ready.seq + Math.floor(batch * share));
      await new Promise((r) => setTimeout(r, rng.int(1, 60)));
      ackedBefore = child.acked();
      child.proc.kill("SIGKILL");
      await child.exited;
    }
    const child = start(dir);
    const ready = await child.ready;
    assert.ok(ready.seq >= ackedBefore);
    log.length = ready.seq;
    send(child, { check: true });
    const check = (await child.next()) as { seq: number; state_hash: string; conservation: string };
    child.proc.stdin?.end();
    await child.exited;
    assert.equal(check.conservation, "ok");
    assert.equal(check.seq, log.length);

    // The uninterrupted replay of exactly those commands.
    const core = new Core(spec);
    const applied = new Map<string, number>();
    for (const cmd of log) {
      const out = core.apply(cmd);
      if ((cmd.kind === 1 || cmd.kind === 2) && out.reject === 0 && !out.duplicate) {
        applied.set(cmd.request_id, (applied.get(cmd.request_id) ?? 0) + 1);
      }
    }
    assert.equal(
      check.state_hash,
      hashHex(core.stateHash()),
      "recovered state differs from the replay",
    );
    for (const [id, n] of applied) assert.equal(n, 1, `transfer ${id} applied ${n} times`);
    assert.ok(log.length > 5000, `too few commands journaled (${log.length})`);
    assert.ok(replayedWithSnapshot > 0, "no restart recovered from a snapshot");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
