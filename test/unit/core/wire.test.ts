import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type Command,
  Core,
  loadSpec,
  MatchingEngine,
  Reader,
  readCoreOutput,
  readEngineOutput,
  UbsCore,
  verifySealed,
  Writer,
  writeCoreOutput,
  writeEngineOutput,
} from "../../../src/core/mod.ts";
import { CommandStream } from "../../support/commands.ts";

const spec = loadSpec();

test("core outputs survive encode and decode unchanged, and their hash verifies", () => {
  const core = new Core(spec);
  const stream = new CommandStream(spec, 7);
  const cmds: Command[] = [...stream.funding()];
  for (let i = 0; i < 3000; i++) cmds.push(stream.next());
  for (const cmd of cmds) {
    const out = core.apply(cmd);
    stream.observe(out);
    const bytes = Buffer.from(core.lastEncoded());
    assert.ok(verifySealed(bytes));
    const back = readCoreOutput(new Reader(bytes));
    assert.deepEqual(back, {
      ...out,
      updates: [...out.updates],
      trades: [...out.trades],
      completions: [...out.completions],
    });
    const w = new Writer(64);
    assert.equal(writeCoreOutput(w, back), out.hash);
  }
});

test("a flipped byte anywhere in a sealed output is detected", () => {
  const ubs = new UbsCore(spec);
  const me = new MatchingEngine(spec);
  ubs.apply({
    kind: 1,
    request_id: "d",
    user_id: 5,
    asset_id: 1,
    amount_units: 10 ** 8,
    ts_ms: 1,
    corr: "",
  });
  const step = ubs.apply({
    kind: 3,
    user_id: 5,
    symbol_id: 1,
    side: 2,
    order_type: 1,
    tif: 1,
    post_only: false,
    stp: 2,
    price_ticks: 4_500_000,
    qty_lots: 100,
    quote_units: 0,
    stop_price_ticks: 0,
    cid: "x",
    ts_ms: 2,
    corr: "",
  });
  assert.ok(step.forward);
  const eo = me.apply(step.forward);
  const bytes = Buffer.from(me.lastEncoded());
  assert.deepEqual(readEngineOutput(new Reader(bytes)), eo);
  for (let i = 0; i < bytes.length; i++) {
    const bad = Buffer.from(bytes);
    bad[i] = (bad[i] as number) ^ 0x10;
    assert.equal(verifySealed(bad), false, `flip at byte ${i} went unnoticed`);
  }
  const w = new Writer(16);
  assert.equal(writeEngineOutput(w, eo), eo.hash);
});
