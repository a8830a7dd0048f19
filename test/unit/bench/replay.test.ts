// The replay benchmark's breakdown of where its time went: every command is
// in exactly one group, the groups name what the commands were and did, and
// their shares are of the replay's own time. The CLI's --baseline replays
// the same file in nodejs-order-book.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { generateFlow, type Parsed, replay, toCommand } from "../../../src/bench/mod.ts";
import { loadSpec } from "../../../src/core/mod.ts";

const spec = loadSpec();

test("by_kind groups the replayed commands by kind, order type, refusal and trading", () => {
  const flow: Parsed[] = [];
  let ts = 1_700_000_000_000;
  for (const line of generateFlow(spec, { commands: 5_000, seed: 1, users: 50 })) {
    flow.push({ cmd: toCommand(spec, line, ts++), line: null });
  }
  const { core: _core, ...r } = replay(spec, flow);
  assert.ok(r.by_kind.length > 0 && r.by_kind.length <= 8);
  const counted = r.by_kind.reduce((n, g) => n + g.count, 0);
  assert.ok(counted <= r.commands, `${counted} counted of ${r.commands}`);
  let share = 0;
  let last = 1;
  for (const g of r.by_kind) {
    assert.match(
      g.what,
      /^(Deposit|Withdraw|Place (Limit|Market) (GTC|IOC|FOK)|Cancel)(, (refused|traded))?$/,
    );
    assert.ok(g.count > 0 && g.mean_us > 0, JSON.stringify(g));
    assert.ok(g.share <= last, "sorted by share, largest first");
    last = g.share;
    share += g.share;
  }
  assert.ok(share > 0.5 && share <= 1.001, `shares add up to ${share}`);
  const names = r.by_kind.map((g) => g.what);
  assert.ok(names.includes("Place Limit GTC"), names.join("; "));
  assert.ok(
    names.some((n) => n.startsWith("Cancel")),
    names.join("; "),
  );
});

test("bench replay --baseline replays the same flow's lines in nodejs-order-book", () => {
  const dir = mkdtempSync(join(tmpdir(), "bourse-baseline-"));
  try {
    const file = join(dir, "flow.ndjson");
    const bourse = (...args: string[]) =>
      execFileSync(process.execPath, ["bin/bourse.js", "bench", ...args], { encoding: "utf8" });
    bourse("generate", "--commands", "3000", "--seed", "2", "--users", "20", "--out", file);
    const out = bourse("replay", file, "--no-heap", "--baseline")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(out.length, 2, JSON.stringify(out));
    const [ours, theirs] = out as [Record<string, unknown>, Record<string, unknown>];
    assert.equal(ours.mode, "memory");
    assert.equal(ours.commands, 3000);
    assert.match(String(theirs.library), /^nodejs-order-book@/);
    // It is given every line of the flow, and the orders cross.
    assert.equal(theirs.commands, 3000);
    assert.ok(Number(theirs.fills) > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
