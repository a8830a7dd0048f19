// Depth diffs against the books themselves: a Core applies random commands,
// the recorder folds its change marks at random batch boundaries, and an L2
// book kept only from the diffs (through their wire encoding) equals the
// engine's book at every boundary, with U = previous u + 1 throughout.

import assert from "node:assert/strict";
import { test } from "node:test";
import { Core, loadSpec } from "../../../src/core/mod.ts";
import {
  bookSnapshotOf,
  DepthRecorder,
  decodeDepthBatch,
  encodeDepthBatch,
  L2Book,
} from "../../../src/marketdata/mod.ts";
import { CommandStream } from "../../support/commands.ts";
import { Rng } from "../../support/random.ts";

const spec = loadSpec();

test("an L2 book kept from the diffs is the engine's book at every batch", () => {
  const core = new Core(spec);
  const gen = new CommandStream(spec, 11, { users: 5, band_ticks: 20 });
  for (const c of gen.funding()) gen.observe(core.apply(c));
  const rec = new DepthRecorder(core);
  const books = spec.symbols.map((s) => {
    const b = new L2Book(s.id);
    b.load(bookSnapshotOf(core, s.id));
    return b;
  });
  const last_u = spec.symbols.map((s) => core.me.book(s.id)?.output_seq ?? 0);
  const rng = new Rng(3);
  let applied = 0;
  while (applied < 30_000) {
    const n = 1 + rng.int(0, 300);
    for (let i = 0; i < n; i++) {
      const out = core.apply(gen.next());
      gen.observe(out);
      rec.onApplied(out);
    }
    applied += n;
    const batch = decodeDepthBatch(encodeDepthBatch(rec.take(core.output_seq)));
    assert.equal(batch.through_seq, core.output_seq);
    for (const d of batch.diffs) {
      const i = spec.symbols.findIndex((s) => s.id === d.symbol_id);
      assert.equal(d.first_update_id, (last_u[i] as number) + 1, "U = previous u + 1");
      assert.equal(
        d.last_update_id,
        core.me.book(d.symbol_id)?.output_seq,
        "u = the symbol's last seq",
      );
      last_u[i] = d.last_update_id;
      assert.equal(books[i]?.apply(d), "applied");
    }
    for (const [i, s] of spec.symbols.entries()) {
      assert.deepEqual(
        books[i]?.snapshot(),
        bookSnapshotOf(core, s.id),
        `${s.name} after ${applied}`,
      );
      books[i]?.check();
    }
  }
});

test("without a recorder the books keep no change marks", () => {
  const core = new Core(spec);
  const gen = new CommandStream(spec, 5);
  for (const c of gen.funding()) gen.observe(core.apply(c));
  for (let i = 0; i < 2000; i++) gen.observe(core.apply(gen.next()));
  for (const b of core.me.books) {
    if (b === undefined) continue;
    assert.equal(b.bids.changed.length + b.asks.changed.length, 0);
  }
});

test("the L2 book applies the resync procedure: stale, gap, overlap", () => {
  const b = new L2Book(1);
  b.load({ symbol_id: 1, last_update_id: 10, bids: [100, 5, 1], asks: [110, 3, 1] });
  assert.equal(
    b.apply({ symbol_id: 1, first_update_id: 5, last_update_id: 10, bids: [], asks: [] }),
    "stale",
  );
  assert.equal(
    b.apply({ symbol_id: 1, first_update_id: 12, last_update_id: 13, bids: [], asks: [] }),
    "gap",
  );
  assert.equal(
    b.apply({
      symbol_id: 1,
      first_update_id: 9,
      last_update_id: 11,
      bids: [100, 0, 0, 101, 2, 1],
      asks: [],
    }),
    "applied",
  );
  assert.deepEqual(b.snapshot(), {
    symbol_id: 1,
    last_update_id: 11,
    bids: [101, 2, 1],
    asks: [110, 3, 1],
  });
});
