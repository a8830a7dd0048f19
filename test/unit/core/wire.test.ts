import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type Command,
  Core,
  commandCodec,
  decodeCommand,
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

test("version 1 commands and core outputs (journals and batches written before) still decode", () => {
  // A Place as version 1 wrote it: no stop price.
  const w = new Writer(256);
  w.u8(1);
  const place = () => {
    w.u8(3);
    w.int(7);
    w.u16(1);
    w.u8(2);
    w.u8(1);
    w.u8(1);
    w.bool(false);
    w.u8(2);
    w.int(4_500_000);
    w.int(100);
    w.int(0);
    w.str("x");
    w.int(1_700_000_000_000);
    w.str("req-1");
  };
  place();
  const expected: Command = {
    kind: 3,
    user_id: 7,
    symbol_id: 1,
    side: 2,
    order_type: 1,
    tif: 1,
    post_only: false,
    stp: 2,
    price_ticks: 4_500_000,
    stop_price_ticks: 0,
    qty_lots: 100,
    quote_units: 0,
    cid: "x",
    ts_ms: 1_700_000_000_000,
    corr: "req-1",
  };
  assert.deepEqual(decodeCommand(new Reader(w.copy())), expected);
  assert.deepEqual(commandCodec().decode(w.copy()), expected);

  // A version 1 CoreOutput: no other_order_id, no other_reject.
  w.reset();
  w.u8(1);
  w.int(5);
  w.u64(0n);
  place();
  w.int(9);
  w.u16(0);
  w.bool(false);
  for (let i = 0; i < 4; i++) w.u32(0);
  w.u64(123n);
  const out = readCoreOutput(new Reader(w.copy()));
  assert.deepEqual(out.input, expected);
  assert.equal(out.order_id, 9);
  assert.equal(out.other_order_id, 0);
  assert.equal(out.other_reject, 0);
  assert.equal(out.hash, 123n);

  // A version 1 cancel carried no command kinds beyond 4.
  w.reset();
  w.u8(1);
  w.u8(5);
  assert.throws(() => decodeCommand(new Reader(w.copy())), /kind 5 in a version 1/);
});

test("every new command kind survives the journal codec", () => {
  const codec = commandCodec();
  const spec2 = loadSpec();
  const commands: Command[] = [
    {
      kind: 3,
      user_id: 1,
      symbol_id: 1,
      side: 1,
      order_type: 4,
      tif: 1,
      post_only: true,
      stp: 2,
      price_ticks: 101,
      stop_price_ticks: 100,
      qty_lots: 5,
      quote_units: 0,
      cid: "s",
      ts_ms: 1,
      corr: "a",
    },
    {
      kind: 5,
      user_id: 1,
      symbol_id: 2,
      side: 2,
      stp: 1,
      qty_lots: 3,
      price_ticks: 200,
      post_only: true,
      cid: "l",
      stop_type: 3,
      stop_price_ticks: 90,
      stop_limit_price_ticks: 0,
      stop_tif: 2,
      stop_cid: "st",
      ts_ms: 2,
      corr: "",
    },
    {
      kind: 6,
      user_id: 1,
      symbol_id: 1,
      order_id: 0,
      cid: "s",
      price_ticks: 0,
      qty_lots: 9,
      ts_ms: 3,
      corr: "b",
    },
    {
      kind: 7,
      user_id: 1,
      order_id: 4,
      cid: "",
      mode: 2,
      order: {
        symbol_id: 1,
        side: 1,
        order_type: 2,
        tif: 2,
        post_only: false,
        stp: 3,
        price_ticks: 0,
        stop_price_ticks: 0,
        qty_lots: 0,
        quote_units: 10_000_000,
        cid: "",
      },
      ts_ms: 4,
      corr: "",
    },
    { kind: 8, user_id: 1, symbol_id: 0, ts_ms: 5, corr: "" },
    { kind: 9, user_id: 1, timeout_ms: 5000, ts_ms: 6, corr: "" },
    { kind: 10, ts_ms: 7, corr: "tick-1" },
  ];
  for (const c of commands) assert.deepEqual(codec.decode(codec.encode(c)), c);
  // And through the core: each one answered by a decodable, verifiable output.
  const core = new Core(spec2);
  for (const c of commands) {
    core.apply(c);
    const bytes = Buffer.from(core.lastEncoded());
    assert.ok(verifySealed(bytes));
    assert.deepEqual(readCoreOutput(new Reader(bytes)).input, c);
  }
});

test("the engine's own chain encodes the new engine inputs (OCO, amend, a cancel's reason)", () => {
  const ubs = new UbsCore(spec);
  const me = new MatchingEngine(spec);
  const run = (c: Command) => {
    const step = ubs.apply(c);
    if (step.forward === null) return step.out;
    const eo = me.apply(step.forward);
    const bytes = Buffer.from(me.lastEncoded());
    assert.ok(verifySealed(bytes));
    assert.deepEqual(readEngineOutput(new Reader(bytes)), eo);
    ubs.applyEngineOutput(eo);
    return step.out;
  };
  run({
    kind: 1,
    request_id: "d",
    user_id: 5,
    asset_id: 1,
    amount_units: 10 ** 8,
    ts_ms: 1,
    corr: "",
  });
  const oco = run({
    kind: 5,
    user_id: 5,
    symbol_id: 1,
    side: 2,
    stp: 2,
    qty_lots: 100,
    price_ticks: 5_000_000,
    post_only: false,
    cid: "",
    stop_type: 4,
    stop_price_ticks: 4_000_000,
    stop_limit_price_ticks: 3_990_000,
    stop_tif: 1,
    stop_cid: "",
    ts_ms: 2,
    corr: "",
  });
  assert.equal(oco.reject, 0);
  run({ kind: 4, user_id: 5, order_id: 2, cid: "", ts_ms: 3, corr: "" });
  run({
    kind: 3,
    user_id: 5,
    symbol_id: 1,
    side: 2,
    order_type: 1,
    tif: 1,
    post_only: false,
    stp: 2,
    price_ticks: 5_000_000,
    stop_price_ticks: 0,
    qty_lots: 100,
    quote_units: 0,
    cid: "",
    ts_ms: 4,
    corr: "",
  });
  const amend = run({
    kind: 6,
    user_id: 5,
    symbol_id: 1,
    order_id: 3,
    cid: "",
    price_ticks: 0,
    qty_lots: 50,
    ts_ms: 5,
    corr: "",
  });
  assert.equal(amend.reject, 0);
  assert.equal(ubs.balance(5, 1).frozen, 50 * 10_000);
});
