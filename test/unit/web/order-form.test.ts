// The order form's requests and refusals per order type: a stop takes a
// trigger on the tick, the *Limit types a price and a time in force as well,
// post-only only a plain limit; amounts are held to the symbol's rules
// exactly, before anything is sent.

import assert from "node:assert/strict";
import { test } from "node:test";
import {
  amendProblem,
  amendRequest,
  type OrderFields,
  orderProblem,
  orderRequest,
  type Rules,
} from "../../../src/web/app/order-form.ts";

const BTC: Rules = {
  symbol: "BTC_USDT",
  tick_size: "0.01",
  lot_size: "0.0001",
  max_price: "1000000",
  max_quantity: "1000",
  min_notional: "1",
  quote_asset: "USDT",
};

function fields(o: Partial<OrderFields>): OrderFields {
  return {
    side: "Sell",
    kind: "Limit",
    price: "",
    stop_price: "",
    quantity: "0.5",
    tif: "GTC",
    post_only: false,
    ...o,
  };
}

test("a stop-loss limit sends its trigger, price and time in force", () => {
  const f = fields({ kind: "StopLossLimit", stop_price: "41000", price: "40000.5", tif: "IOC" });
  assert.equal(orderProblem(BTC, f), null);
  assert.deepEqual(orderRequest(BTC, f), {
    symbol: "BTC_USDT",
    side: "Sell",
    order_type: "StopLossLimit",
    quantity: "0.5",
    stop_price: "41000",
    price: "40000.5",
    time_in_force: "IOC",
  });
});

test("a take-profit market order sends only its trigger and quantity", () => {
  const f = fields({ kind: "TakeProfit", stop_price: "52000", price: "1", post_only: true });
  assert.equal(orderProblem(BTC, f), null);
  assert.deepEqual(orderRequest(BTC, f), {
    symbol: "BTC_USDT",
    side: "Sell",
    order_type: "TakeProfit",
    quantity: "0.5",
    stop_price: "52000",
  });
});

test("a trigger off the tick, missing or above the limit is refused before sending", () => {
  assert.match(
    orderProblem(BTC, fields({ kind: "StopLoss", stop_price: "41000.001" })) ?? "",
    /decimal places/,
  );
  assert.match(orderProblem(BTC, fields({ kind: "StopLoss" })) ?? "", /Enter a stop price/);
  assert.match(
    orderProblem(BTC, fields({ kind: "StopLoss", stop_price: "1000000.01" })) ?? "",
    /at most 1000000/,
  );
});

test("a limit order keeps its checks: post-only passes through, notional is exact", () => {
  const f = fields({ kind: "Limit", price: "2", quantity: "0.5", post_only: true });
  assert.equal(orderProblem(BTC, f), null);
  assert.equal(orderRequest(BTC, f).post_only, true);
  assert.match(
    orderProblem(BTC, fields({ price: "1.99", quantity: "0.5" })) ?? "",
    /at least 1 USDT/,
  );
});

test("an amendment sends only the terms given, each held to its step", () => {
  assert.deepEqual(amendRequest("BTC_USDT", "7", "", "0.0050"), {
    symbol: "BTC_USDT",
    order_id: "7",
    quantity: "0.0050",
  });
  assert.deepEqual(amendRequest("BTC_USDT", "7", "49000.5", ""), {
    symbol: "BTC_USDT",
    order_id: "7",
    price: "49000.5",
  });
  assert.equal(amendProblem(BTC, "", "0.005"), null);
  assert.match(amendProblem(BTC, "", "") ?? "", /Enter a new price, a new quantity or both/);
  assert.match(amendProblem(BTC, "49000.001", "") ?? "", /new price has more decimal places/);
  assert.match(amendProblem(BTC, "", "0.00005") ?? "", /new quantity has more decimal places/);
});
