// The generated order flows: the classic mix stays what it was (recorded
// results and other people's flow files stay comparable), and the trading mix
// has every command kind and order type, converts without an error, and
// keeps the core's invariants when replayed.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { type FlowLine, generateFlow, toCommand } from "../../../src/bench/mod.ts";
import { Core, loadSpec } from "../../../src/core/mod.ts";

const spec = loadSpec();

test("the classic mix writes the same flow, byte for byte, as before the trading mix existed", () => {
  const h = createHash("sha256");
  for (const line of generateFlow(spec, { commands: 20_000, seed: 1, users: 100 })) {
    h.update(`${JSON.stringify(line)}\n`);
  }
  assert.equal(h.digest("hex"), "6a4497e860ccaab2d7323efccd151e5565ad4e6ef0bff21ee61b8fc63270aa6e");
});

test("the trading mix has every command kind and order type, and the core takes it", () => {
  const lines: FlowLine[] = [
    ...generateFlow(spec, { commands: 30_000, seed: 3, users: 50, mix: "trading" }),
  ];
  const ops = new Set(lines.map((l) => l.op));
  for (const op of [
    "deposit",
    "withdraw",
    "order",
    "cancel",
    "oco",
    "amend",
    "cancel_replace",
    "cancel_all",
    "cancel_all_after",
    "tick",
  ]) {
    assert.ok(ops.has(op as FlowLine["op"]), `no ${op} line`);
  }
  const types = new Set(lines.flatMap((l) => (l.op === "order" ? [l.type] : [])));
  assert.equal(types.size, 6, `order types: ${[...types].join(", ")}`);
  const core = new Core(spec);
  let ts = 1_700_000_000_000;
  let triggered = 0;
  for (const line of lines) {
    const out = core.apply(toCommand(spec, line, ts++));
    for (const u of out.updates) if (u.status === 8) triggered++;
  }
  core.validateInternalState();
  assert.ok(triggered > 0, "no stop triggered");
  // Switches outlive this short flow (30 s timeouts, one line per ms): they are armed.
  assert.ok(core.armedTimers() > 0, "no dead-man's switch armed");
});
