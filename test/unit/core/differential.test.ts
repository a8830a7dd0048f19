// Differential property test: random command streams (every command kind:
// orders of every type, stops that cascade, OCOs, amends, cancel-replaces,
// cancel-alls, dead-man's switches, ticks) through the engine and through the
// reference model; every outcome, trade, order update and balance must agree,
// conservation and every internal invariant must hold after every command.

import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type Command,
  Core,
  type CoreOutput,
  compile,
  DEFAULT_CONFIG,
  type Spec,
} from "../../../src/core/mod.ts";
import { CommandStream } from "../../support/commands.ts";
import { assertConservation } from "../../support/invariants.ts";
import { Reference, type RefResult } from "../../support/reference.ts";

const spec = compile({
  ...DEFAULT_CONFIG,
  limits: { ...DEFAULT_CONFIG.limits, max_open_orders_per_user: 40 },
});

/** The bounds reached often: a half-second transfer window, few remembered ids, few timers. */
const tight = compile({
  ...DEFAULT_CONFIG,
  limits: {
    ...DEFAULT_CONFIG.limits,
    max_open_orders_per_user: 40,
    transfer_window_ms: 500,
    transfers_remembered: 16,
    max_armed_timers: 3,
  },
});

const SEEDS = process.env.BOURSE_SEED ? [Number(process.env.BOURSE_SEED)] : [1, 2, 3, 4];
const COMMANDS = Number(process.env.BOURSE_COMMANDS ?? 30_000);

function compare(out: CoreOutput, ref: RefResult, where: string): void {
  assert.equal(out.reject, ref.reject, `${where}: reject`);
  assert.equal(out.order_id, ref.order_id, `${where}: order_id`);
  assert.equal(out.other_order_id, ref.other_order_id, `${where}: other_order_id`);
  assert.equal(out.other_reject, ref.other_reject, `${where}: other_reject`);
  assert.equal(out.duplicate, ref.duplicate, `${where}: duplicate`);
  assert.deepEqual(
    out.trades.map((t) => ({
      trade_id: t.trade_id,
      price_ticks: t.price_ticks,
      qty_lots: t.qty_lots,
      quote_units: t.quote_units,
      maker_order_id: t.maker_order_id,
      taker_order_id: t.taker_order_id,
      maker_user_id: t.maker_user_id,
      taker_user_id: t.taker_user_id,
      buyer_fee_units: t.buyer_fee_units,
      seller_fee_units: t.seller_fee_units,
    })),
    ref.trades,
    `${where}: trades`,
  );
  assert.deepEqual(
    out.updates.map((u) => ({
      order_id: u.order_id,
      status: u.status,
      filled_lots: u.filled_lots,
      remaining_lots: u.remaining_lots,
      filled_quote_units: u.filled_quote_units,
      reason: u.reason,
    })),
    ref.updates,
    `${where}: order updates`,
  );
}

function run(
  spec: Spec,
  seed: number,
  commands: number,
  classic: boolean,
): { log: Command[]; hashes: bigint[]; core: Core } {
  const core = new Core(spec);
  const ref = new Reference(spec);
  const stream = new CommandStream(spec, seed, { classic });
  const log: Command[] = [];
  const hashes: bigint[] = [];
  const funding = stream.funding();
  const total = funding.length + commands;
  let trades = 0;
  for (let i = 0; i < total; i++) {
    // Generated one at a time: the stream aims cancels at orders it saw open.
    const cmd = i < funding.length ? (funding[i] as Command) : stream.next();
    const where = `seed ${seed} command #${i} ${JSON.stringify(cmd)}`;
    log.push(cmd);
    const out = core.apply(cmd);
    const expect = ref.apply(cmd);
    stream.observe(out);
    trades += out.trades.length;
    compare(out, expect, where);
    // Money moved by this command sums to zero per asset, except what came in or went out.
    const net = new Map<number, number>();
    for (const e of out.events) {
      net.set(e.asset_id, (net.get(e.asset_id) ?? 0) + e.delta_avail + e.delta_frozen);
      const b = ref.balance(e.user_id, e.asset_id);
      const live = core.ubs.balance(e.user_id, e.asset_id);
      assert.equal(BigInt(live.avail), b.avail, `${where}: avail of ${e.user_id}/${e.asset_id}`);
      assert.equal(BigInt(live.frozen), b.frozen, `${where}: frozen of ${e.user_id}/${e.asset_id}`);
    }
    for (const [asset, sum] of net) {
      const external =
        (cmd.kind === 1 || cmd.kind === 2) &&
        out.reject === 0 &&
        !out.duplicate &&
        cmd.asset_id === asset
          ? cmd.kind === 1
            ? cmd.amount_units
            : -cmd.amount_units
          : 0;
      assert.equal(sum, external, `${where}: asset ${asset} not conserved by this command`);
    }
    assertConservation(core.ubs, where);
    core.validateInternalState();
    hashes.push(out.hash);
  }
  assertConservation(core.ubs, `seed ${seed} end`);
  for (const [key, b] of ref.bal) {
    const [user, asset] = key.split(":").map(Number) as [number, number];
    const live = core.ubs.balance(user, asset);
    assert.equal(BigInt(live.avail), b.avail, `seed ${seed} final avail ${key}`);
    assert.equal(BigInt(live.frozen), b.frozen, `seed ${seed} final frozen ${key}`);
  }
  let resting = 0;
  let waiting = 0;
  for (const book of core.me.books) {
    if (book === undefined) continue;
    resting += book.restingCount();
    waiting += book.waitingCount();
  }
  assert.equal(resting, ref.restingCount(), `seed ${seed}: resting orders`);
  assert.equal(waiting, ref.waitingCount(), `seed ${seed}: waiting stops`);
  assert.equal(core.armedTimers(), ref.armedTimers(), `seed ${seed}: armed timers`);
  assert.ok(trades > commands / 20, `seed ${seed}: stream produced too few trades (${trades})`);
  return { log, hashes, core };
}

const CASES: { seed: number; classic: boolean; spec: Spec; limits: string }[] = [
  ...SEEDS.map((seed) => ({ seed, classic: false, spec, limits: "default limits" })),
  { seed: SEEDS[0] ?? 1, classic: true, spec, limits: "default limits" },
  { seed: (SEEDS[0] ?? 1) + 100, classic: false, spec: tight, limits: "tight limits" },
];

for (const { seed, classic, spec, limits } of CASES) {
  const kinds = classic ? "limit, market, cancel and transfers only" : "every command kind";
  test(`engine agrees with the reference model (seed ${seed}, ${COMMANDS} commands, ${kinds}, ${limits})`, () => {
    const { log, hashes, core } = run(spec, seed, COMMANDS, classic);
    // Determinism: the same log gives the same output chain and final state.
    const again = new Core(spec);
    for (let i = 0; i < log.length; i++) {
      assert.equal(
        again.apply(log[i] as Command).hash,
        hashes[i],
        `seed ${seed}: output ${i} differs on replay`,
      );
    }
    assert.equal(again.stateHash(), core.stateHash(), `seed ${seed}: state hash differs on replay`);
    // Snapshot in the middle, restore, replay the rest: the same end state.
    const half = Math.floor(log.length / 2);
    const first = new Core(spec);
    for (let i = 0; i < half; i++) first.apply(log[i] as Command);
    const restored = Core.restore(spec, first.snapshot());
    assert.equal(
      restored.stateHash(),
      first.stateHash(),
      `seed ${seed}: restore changes the state`,
    );
    for (let i = half; i < log.length; i++) {
      assert.equal(
        restored.apply(log[i] as Command).hash,
        hashes[i],
        `seed ${seed}: output ${i} after restore`,
      );
    }
    assert.equal(
      restored.stateHash(),
      core.stateHash(),
      `seed ${seed}: state after restore and replay`,
    );
  });
}
