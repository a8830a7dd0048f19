// The trading routes over the real embedded exchange: the sequencer's
// journal, settlement's worker thread writing SQLite and the gateway reading
// it back, and the sequencer's own clock firing a dead-man's switch with a
// journaled Tick. What the in-process harness cannot show: that every new
// command settles in the real path and history reads it after the answer.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { CommandKind, type CoreOutput, loadSpec } from "../../../src/core/mod.ts";
import { type Embedded, startEmbedded } from "../../../src/embedded/exchange.ts";
import { buildGatewayApp, KeyStore } from "../../../src/gateway/mod.ts";
import { ALICE, BOB, deposit, type Harness, json, signed } from "./harness.ts";

let ex: Embedded;
let h: Harness;
let dir: string;
/** Resolves with the first Tick the sequencer's clock makes the core apply. */
let tick: (out: CoreOutput) => void = () => undefined;
const ticked = new Promise<CoreOutput>((resolve) => {
  tick = resolve;
});

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "bourse-trading-"));
  const spec = loadSpec();
  ex = await startEmbedded({
    spec,
    data_dir: join(dir, "data"),
    on_applied: (out) => {
      if (out.input.kind === CommandKind.Tick) tick(out);
    },
  });
  const keys = KeyStore.open(dir);
  const app = buildGatewayApp({
    backend: ex.backend,
    spec,
    keys,
    options: { rate_limit: null, public_rate_limit: null, now_ms: Date.now },
  });
  await app.ready();
  h = {
    app,
    backend: null as never,
    keys,
    dir,
    alice: keys.create({ role: "user", user_id: ALICE }),
    bob: keys.create({ role: "user", user_id: BOB }),
    operator: keys.create({ role: "operator" }),
    clock: {
      get t() {
        return Date.now();
      },
    },
    sent: 0,
    events: [],
    close: async () => undefined,
  };
  assert.equal((await deposit(h, ALICE, "USDT", "10000", "e-a")).statusCode, 200);
  assert.equal((await deposit(h, BOB, "BTC", "1", "e-b")).statusCode, 200);
});

after(async () => {
  await h.app.close();
  await ex.stop();
  rmSync(dir, { recursive: true, force: true });
});

type Row = Record<string, unknown>;

async function post(url: string, body: unknown, status = 200) {
  const r = await signed(h, h.bob, "POST", url, body);
  assert.equal(r.statusCode, status, r.body);
  return json(r).data as Row;
}

async function history(): Promise<Row[]> {
  return json(await signed(h, h.bob, "GET", "/api/v1/order/history")).data as Row[];
}

test("OCO, amend, cancel-replace and a fired dead-man's switch, settled and read back", async () => {
  const oco = await post("/api/v1/order/oco", {
    symbol: "BTC_USDT",
    side: "Sell",
    quantity: "0.1",
    price: "60000",
    stop_type: "StopLoss",
    stop_price: "40000",
  });
  assert.deepEqual(
    (oco.orders as Row[]).map((o) => [o.order_id, o.status]),
    [
      ["1", "New"],
      ["2", "Untriggered"],
    ],
  );
  await post("/api/v1/order/create", {
    symbol: "BTC_USDT",
    side: "Sell",
    order_type: "Limit",
    price: "70000",
    quantity: "0.2",
    cid: "e1",
  });
  const amended = await post("/api/v1/order/amend", {
    symbol: "BTC_USDT",
    cid: "e1",
    price: "71000",
    quantity: "0.15",
  });
  assert.deepEqual([amended.price, amended.quantity], ["71000.00", "0.1500"]);
  const replaced = await post("/api/v1/order/cancel_replace", {
    cid: "e1",
    mode: "StopOnFailure",
    order: {
      symbol: "BTC_USDT",
      side: "Sell",
      order_type: "Limit",
      price: "72000",
      quantity: "0.1",
      cid: "e2",
    },
  });
  assert.equal((replaced.order as Row).order_id, "4");
  let rows = await history();
  assert.deepEqual(
    rows.map((r) => [r.order_id, r.status, r.price, r.quantity, r.oco_order_id]).sort(),
    [
      ["1", "New", "60000.00", "0.1000", "2"],
      ["2", "Untriggered", null, "0.1000", "1"],
      ["3", "Cancelled", "71000.00", "0.1500", null],
      ["4", "New", "72000.00", "0.1000", null],
    ],
  );

  // Due at once; the sequencer's clock journals the Tick that fires it.
  assert.deepEqual(await post("/api/v1/order/cancel_all_after", { timeout_ms: 1 }), {
    timeout_ms: 1,
    armed: true,
  });
  const fired = await ticked;
  // The Tick is no request of this gateway's: wait for settlement to hold it, then read.
  assert.equal(await ex.settlement.waitFor(fired.output_seq, 5000), true);
  rows = await history();
  assert.deepEqual(rows.map((r) => [r.order_id, r.reason]).sort(), [
    ["1", "AUTO_CANCELLED"],
    ["2", "OCO_CANCELLED"],
    ["3", "USER_CANCELLED"],
    ["4", "AUTO_CANCELLED"],
  ]);
  const funds = json(await signed(h, h.bob, "GET", "/api/v1/user/balance")).data as Row[];
  assert.deepEqual(funds[0], { asset: "BTC", avail: "1.00000000", frozen: "0.00000000" });
  assert.equal(ex.failure(), null);
});
