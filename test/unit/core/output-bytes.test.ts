// The combined core writes its outputs' lists as bytes while a command runs
// (OutputSections) instead of building objects and encoding them after. The
// bytes must be exactly those the objects encode to: the hash chain, the
// journal and every consumer depend on it. The pinned hashes are the last
// output's of each flow as computed by the version that built objects.
import assert from "node:assert/strict";
import { test } from "node:test";
import { toCommand } from "../../../src/bench/flow.ts";
import { generateFlow, type Mix } from "../../../src/bench/generate.ts";
import {
  type Command,
  Core,
  hashHex,
  loadSpec,
  Writer,
  writeCoreOutput,
} from "../../../src/core/mod.ts";

const spec = loadSpec();

function commands(mix: Mix, count: number): Command[] {
  const out: Command[] = [];
  let ts_ms = 0;
  for (const line of generateFlow(spec, { commands: count, seed: 11, users: 50, mix })) {
    try {
      out.push(toCommand(spec, line, ++ts_ms));
    } catch {
      // A line the edge refuses never reaches the core.
    }
  }
  return out;
}

const PINNED: [Mix, number, string][] = [
  ["classic", 20_000, "9c76995c913b3d99"],
  ["trading", 20_000, "82773ce06546cafa"],
];

for (const [mix, count, hash] of PINNED) {
  test(`the ${mix} flow's outputs hash as they did when built as objects`, () => {
    const core = new Core(spec);
    for (const cmd of commands(mix, count)) core.applySealed(cmd);
    assert.equal(core.output_seq, count);
    assert.equal(hashHex(core.prev_hash), hash);
  });
}

test("every output's sealed bytes are what its decoded object encodes to", () => {
  const core = new Core(spec);
  const w = new Writer(64 * 1024);
  for (const cmd of commands("trading", 5_000)) {
    const out = core.apply(cmd);
    const sealed = Buffer.from(core.lastEncoded());
    w.reset();
    writeCoreOutput(w, out);
    assert.deepEqual(w.view(), sealed);
  }
});
