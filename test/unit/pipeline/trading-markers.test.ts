// The engine's markers for what the trading commands do to orders, written
// from the combined core's real outputs by the sequencer's observer: a stop
// that triggers, an amend, an OCO leg cancelled with its partner and orders
// cancelled by a due dead-man's switch, each once, on the order it concerns.

import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  amendCommand,
  type Command,
  CommandKind,
  Core,
  cancelAllAfterCommand,
  loadSpec,
  type OrderInput,
  ocoCommand,
  placeCommand,
  tickCommand,
  transferCommand,
} from "../../../src/core/mod.ts";
import { createServiceObs, resolveObsOptions } from "../../../src/obs/mod.ts";
import { coreObserver } from "../../../src/pipeline/observe.ts";

const SELLER = 1;
const BUYER = 2;
const T0 = 1_700_000_000_000;

test("STOP_TRIGGERED, ORDER_AMENDED, OCO_CANCELLED and AUTO_CANCELLED, once each, on their orders", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "bourse-markers-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const options = resolveObsOptions({ log_dir: dir }, {});
  const ubs = createServiceObs("ubscore", options, { trace_exporter: "memory" });
  const me = createServiceObs("matching_engine", options, { trace_exporter: "memory" });
  const spec = loadSpec();
  const observe = coreObserver(spec, ubs, me);
  const core = new Core(spec);
  const sym = { symbol: "BTC_USDT" };
  const sell = (o: Omit<OrderInput, "user_id" | "side" | "symbol">): OrderInput => ({
    ...sym,
    user_id: SELLER,
    side: "Sell",
    ...o,
  });
  const cmds: Command[] = [
    transferCommand(
      spec,
      CommandKind.Deposit,
      { request_id: "d1", user_id: SELLER, asset: "BTC", amount: "1" },
      T0,
    ),
    transferCommand(
      spec,
      CommandKind.Deposit,
      { request_id: "d2", user_id: BUYER, asset: "USDT", amount: "20000" },
      T0,
    ),
    // 1: waits for a fall to 49000.
    placeCommand(
      spec,
      sell({ order_type: "StopLossLimit", stop_price: "49000", price: "48900", quantity: "0.1" }),
      T0,
    ),
    placeCommand(spec, sell({ order_type: "Limit", price: "49000", quantity: "0.01" }), T0),
    // 3 and 4: an OCO.
    ocoCommand(
      spec,
      {
        ...sym,
        user_id: SELLER,
        side: "Sell",
        quantity: "0.1",
        price: "52000",
        stop_type: "StopLoss",
        stop_price: "40000",
      },
      T0,
    ),
    // 5, amended.
    placeCommand(spec, sell({ order_type: "Limit", price: "55000", quantity: "0.1" }), T0),
    amendCommand(spec, { ...sym, user_id: SELLER, order_id: 5, quantity: "0.05" }, T0 + 1),
    // A trade at 49000 triggers 1, which rests at 48900.
    placeCommand(
      spec,
      {
        ...sym,
        user_id: BUYER,
        side: "Buy",
        order_type: "Limit",
        price: "49000",
        quantity: "0.01",
      },
      T0 + 2,
    ),
    // Takes 1, then the OCO's limit leg 3: its stop leg 4 goes with it.
    placeCommand(
      spec,
      { ...sym, user_id: BUYER, side: "Buy", order_type: "Limit", price: "52000", quantity: "0.2" },
      T0 + 3,
    ),
    cancelAllAfterCommand(SELLER, 1000, T0 + 4),
    tickCommand(T0 + 1004),
  ];
  for (const c of cmds) {
    const out = core.apply(c);
    assert.equal(out.reject, 0, `command ${c.kind} refused: ${out.reject}`);
    observe(out);
  }
  ubs.stopping();
  me.stopping();
  await Promise.all([ubs.close(), me.close()]);
  const names = new Set(["STOP_TRIGGERED", "ORDER_AMENDED", "OCO_CANCELLED", "AUTO_CANCELLED"]);
  const lines = (await readFile(join(dir, "matching_engine.log"), "utf8"))
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => names.has(l.event as string))
    .map((l) => [l.event, l.order_id, l.user_id]);
  assert.deepEqual(lines, [
    ["ORDER_AMENDED", 5, SELLER],
    ["STOP_TRIGGERED", 1, SELLER],
    ["OCO_CANCELLED", 4, SELLER],
    ["AUTO_CANCELLED", 5, SELLER],
  ]);
});
