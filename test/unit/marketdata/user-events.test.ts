// The user data stream's reports against the outputs they come from, over
// every command kind (stops set off by trades, OCOs, amends, cancel-replace,
// cancel-all, dead-man's switches): each order's last report states its last
// status, each trade is reported once to its maker and once to its taker,
// and a taker's last fill carries its final status.

import assert from "node:assert/strict";
import { test } from "node:test";
import { Core, loadSpec, OrderStatus } from "../../../src/core/mod.ts";
import { UserEvents } from "../../../src/marketdata/mod.ts";
import { CommandStream } from "../../support/commands.ts";

const spec = loadSpec();

const NAMES: Record<number, string> = {
  [OrderStatus.New]: "NEW",
  [OrderStatus.PartiallyFilled]: "PARTIALLY_FILLED",
  [OrderStatus.Filled]: "FILLED",
  [OrderStatus.Cancelled]: "CANCELED",
  [OrderStatus.Rejected]: "REJECTED",
  [OrderStatus.Untriggered]: "NEW",
};

interface Report {
  e: string;
  i: number;
  x: string;
  X: string;
  t: number;
  z: string;
  m: boolean;
}

for (const seed of [11, 12]) {
  test(`every order's last report is its last status; every trade reported to both sides once (seed ${seed})`, () => {
    const core = new Core(spec);
    const gen = new CommandStream(spec, seed, { users: 6, band_ticks: 20 });
    const events = new UserEvents(spec);
    const last = new Map<number, Report>();
    const sides = new Map<number, boolean[]>();
    const expected = new Map<number, number>();
    let trades = 0;
    const apply = (c: ReturnType<typeof gen.next>) => {
      const out = core.apply(c);
      gen.observe(out);
      trades += out.trades.length;
      events.apply(
        out,
        0,
        0,
        () => true,
        (_user, open) => {
          const r = JSON.parse(`${open}}`) as Report;
          if (r.e !== "executionReport") return;
          last.set(r.i, r);
          if (r.x === "TRADE") sides.set(r.t, [...(sides.get(r.t) ?? []), r.m]);
        },
      );
      for (const u of out.updates) {
        if (u.status !== OrderStatus.Triggered) expected.set(u.order_id, u.status);
      }
    };
    for (const c of gen.funding()) apply(c);
    for (let i = 0; i < 20_000; i++) apply(gen.next());
    assert.ok(trades > 1000, `the stream traded (${trades})`);
    assert.equal(sides.size, trades, "every trade reported");
    for (const [id, s] of sides)
      assert.deepEqual(s.sort(), [false, true], `trade ${id}: maker and taker once`);
    assert.equal(last.size, expected.size, "every order reported");
    for (const [id, status] of expected) {
      const r = last.get(id);
      const want = NAMES[status] ?? "EXPIRED";
      assert.ok(
        r?.X === want || (status === OrderStatus.Expired && r?.X === "EXPIRED_IN_MATCH"),
        `order ${id}: last report ${r?.X}, last status ${status}`,
      );
    }
  });
}
