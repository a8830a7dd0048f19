// Property test over random interleavings of every command kind, with tight
// limits so every bound is reached (a transfer window of half a second, a
// handful of remembered request ids and armed timers): after every command
// every invariant holds (Core.validateInternalState: conservation, no frozen
// funds without an open order or waiting stop, books, indexes, OCO links,
// timers); the stream really cascades stops through several price levels;
// and the journal (commands through their wire codec) replays to the same
// outputs and state hash, plainly and from snapshots taken along the way.

import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type Command,
  Core,
  type CoreOutput,
  commandCodec,
  commandKindName,
  compile,
  DEFAULT_CONFIG,
  errorById,
  Reader,
  readCoreOutput,
} from "../../../src/core/mod.ts";
import { CommandStream } from "../../support/commands.ts";
import { assertConservation } from "../../support/invariants.ts";

const spec = compile({
  ...DEFAULT_CONFIG,
  limits: {
    ...DEFAULT_CONFIG.limits,
    max_open_orders_per_user: 40,
    completed_orders_remembered: 1024,
    transfer_window_ms: 500,
    transfers_remembered: 16,
    max_armed_timers: 3,
  },
});

const SEEDS = process.env.BOURSE_SEED ? [Number(process.env.BOURSE_SEED)] : [11, 12, 13];
const COMMANDS = Number(process.env.BOURSE_COMMANDS ?? 20_000);

/**
 * How deep the trigger cascade of one output went: a stop triggered after a
 * triggered order began to execute is one level deeper than that order.
 */
function cascadeDepth(out: CoreOutput): { depth: number; prices: number } {
  const level = new Map<number, number>();
  let executing = 0;
  let depth = 0;
  for (const u of out.updates) {
    if (u.status === 8) {
      const d = executing + 1;
      level.set(u.order_id, d);
      if (d > depth) depth = d;
    } else {
      const d = level.get(u.order_id);
      if (d !== undefined && d > executing) executing = d;
    }
  }
  return { depth, prices: new Set(out.trades.map((t) => t.price_ticks)).size };
}

for (const seed of SEEDS) {
  test(`random interleavings of every command kind keep every invariant and replay exactly (seed ${seed})`, () => {
    const codec = commandCodec();
    const core = new Core(spec);
    const stream = new CommandStream(spec, seed);
    const journal: Uint8Array[] = [];
    const hashes: bigint[] = [];
    const snapshots = new Map<number, { bytes: Buffer; state: bigint }>();
    const at = new Set([
      Math.floor(COMMANDS / 4),
      Math.floor(COMMANDS / 2),
      Math.floor((3 * COMMANDS) / 4),
    ]);
    const seen = new Map<string, number>();
    const count = (key: string) => seen.set(key, (seen.get(key) ?? 0) + 1);
    let deepest = { depth: 0, prices: 0 };
    const funding = stream.funding();
    const total = funding.length + COMMANDS;
    for (let i = 0; i < total; i++) {
      if (at.has(i)) {
        snapshots.set(i, { bytes: Buffer.from(core.snapshot()), state: core.stateHash() });
      }
      const cmd = i < funding.length ? (funding[i] as Command) : stream.next();
      const where = `seed ${seed} command #${i} ${JSON.stringify(cmd)}`;
      const bytes = codec.encode(cmd);
      journal.push(Uint8Array.from(bytes));
      const out = core.apply(cmd);
      stream.observe(out);
      hashes.push(out.hash);
      // The output's bytes decode to the output itself.
      const back = readCoreOutput(new Reader(core.lastEncoded()));
      assert.deepEqual(
        back,
        {
          ...out,
          updates: [...out.updates],
          trades: [...out.trades],
          completions: [...out.completions],
        },
        `${where}: output round trip`,
      );
      assertConservation(core.ubs, where);
      try {
        core.validateInternalState();
      } catch (err) {
        assert.fail(`${where}: ${(err as Error).message}`);
      }
      const kind = commandKindName[cmd.kind] as string;
      count(`${kind}:${out.reject === 0 ? "ok" : errorById(out.reject).code}`);
      for (const u of out.updates) if (u.reason !== 0) count(`reason:${errorById(u.reason).code}`);
      const c = cascadeDepth(out);
      if (c.depth > deepest.depth || (c.depth === deepest.depth && c.prices > deepest.prices)) {
        deepest = c;
      }
    }

    // The stream exercised what it is meant to.
    for (const kind of [
      "Deposit",
      "Withdraw",
      "Place",
      "Cancel",
      "PlaceOco",
      "Amend",
      "CancelReplace",
      "CancelAll",
      "CancelAllAfter",
      "Tick",
    ]) {
      assert.ok((seen.get(`${kind}:ok`) ?? 0) > 0, `seed ${seed}: no ${kind} succeeded`);
    }
    for (const key of [
      "Deposit:REQUEST_EXPIRED",
      "CancelAllAfter:TOO_MANY_TIMERS",
      "reason:AUTO_CANCELLED",
      "reason:OCO_CANCELLED",
      "reason:ORDER_AMENDED",
      "reason:STOP_WOULD_TRIGGER",
    ]) {
      assert.ok((seen.get(key) ?? 0) > 0, `seed ${seed}: never saw ${key}`);
    }
    assert.ok(
      deepest.depth >= 3 && deepest.prices >= 3,
      `seed ${seed}: deepest cascade ${deepest.depth} levels over ${deepest.prices} prices`,
    );
    assert.ok(core.ubs.transfers.size <= spec.limits.transfers_remembered);

    // A plain replay of the journal: the same outputs, the same state.
    const replayed = new Core(spec);
    for (let i = 0; i < journal.length; i++) {
      const out = replayed.apply(codec.decode(journal[i] as Uint8Array));
      assert.equal(out.hash, hashes[i], `seed ${seed}: output ${i} differs on replay`);
    }
    const final = core.stateHash();
    assert.equal(replayed.stateHash(), final, `seed ${seed}: state differs on replay`);

    // From each snapshot plus the rest of the journal: the same outputs and end state.
    for (const [i, snap] of snapshots) {
      const restored = Core.restore(spec, snap.bytes);
      assert.equal(
        restored.stateHash(),
        snap.state,
        `seed ${seed}: restore at ${i} changes the state`,
      );
      restored.validateInternalState();
      for (let j = i; j < journal.length; j++) {
        const out = restored.apply(codec.decode(journal[j] as Uint8Array));
        assert.equal(out.hash, hashes[j], `seed ${seed}: output ${j} after restore at ${i}`);
      }
      assert.equal(restored.stateHash(), final, `seed ${seed}: end state after restore at ${i}`);
    }
  });
}
