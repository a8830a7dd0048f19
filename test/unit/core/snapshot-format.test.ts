// Snapshots written before UBSCore's open-order registry left the format
// (UBS2) still restore, to the very state a live core holds: retention removes
// the journal behind the newest snapshot, so an upgrade must read it. The
// fixture is a UBS2 snapshot of the flow below, written by that version.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { toCommand } from "../../../src/bench/flow.ts";
import { generateFlow } from "../../../src/bench/generate.ts";
import { Core, loadSpec, restingBook, warmSnapshotCode } from "../../../src/core/mod.ts";

const spec = loadSpec();

function liveCore(): Core {
  const core = new Core(spec);
  let ts_ms = 0;
  for (const line of generateFlow(spec, { commands: 3000, seed: 7, users: 40, mix: "trading" })) {
    let cmd: ReturnType<typeof toCommand>;
    try {
      cmd = toCommand(spec, line, ++ts_ms);
    } catch {
      continue;
    }
    core.apply(cmd);
  }
  return core;
}

test("a UBS2 snapshot restores to the live core's state, open-order registry included", () => {
  const live = liveCore();
  const fixture = readFileSync(new URL("../../fixtures/core-ubs2.snap", import.meta.url));
  assert.equal(fixture.readUInt32LE(4 + 8 + 8), 0x55425332, "the fixture is a UBS2 snapshot");
  const restored = Core.restore(spec, fixture);
  restored.validateInternalState();
  assert.ok(live.ubs.orders.size > 100, "the flow leaves open orders to register");
  assert.equal(restored.ubs.orders.size, live.ubs.orders.size);
  assert.equal(restored.stateHash(), live.stateHash());
  assert.deepEqual(Buffer.from(restored.snapshot()), Buffer.from(live.snapshot()));
});

test("a snapshot leaves the registry out and a restore rebuilds it from the books", () => {
  const live = liveCore();
  const bytes = Buffer.from(live.snapshot());
  assert.equal(bytes.readUInt32LE(4 + 8 + 8), 0x55425333);
  const restored = Core.restore(spec, bytes);
  restored.validateInternalState();
  for (const b of live.me.books) {
    if (b === undefined) continue;
    b.orders.forEachAscending((o) => {
      assert.equal(restored.ubs.orders.userOf(o.order_id), o.user_id);
      assert.equal(restored.ubs.orders.cidOf(o.order_id), o.cid);
      assert.equal(restored.ubs.orders.linkOf(o.order_id), o.oco?.order_id ?? 0);
    });
  }
  assert.deepEqual(Buffer.from(restored.snapshot()), bytes);
});

test("the snapshot warm-up works on a core of its own: a core snapshots the same bytes after it", () => {
  const before = liveCore();
  const bytes = Buffer.from(before.snapshot());
  const hash = before.stateHash();
  warmSnapshotCode(spec);
  const after = liveCore();
  assert.equal(after.stateHash(), hash);
  assert.ok(Buffer.from(after.snapshot()).equals(bytes));
  assert.ok(Buffer.from(before.snapshot()).equals(bytes));
  // It rests real orders: the configuration accepts them, so the code it warms is the code that runs.
  const probe = new Core(spec);
  const book = restingBook(spec.symbols[0] as (typeof spec.symbols)[number], 100, 1000, "probe-");
  for (const d of book.deposits) probe.applySealed(d);
  probe.applySealed(book.order(0));
  assert.equal(probe.head.reject, 0);
  assert.equal(probe.me.books[1]?.orders.size, 1);
});
