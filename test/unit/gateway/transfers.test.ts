// Deposits and withdrawals (operator keys) and balances (user keys).

import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import {
  ALICE,
  BOB,
  balances,
  deposit,
  type Harness,
  harness,
  json,
  observe,
  signed,
  T0,
} from "./harness.ts";

const IN = "/api/v1/user/transfer_in";
const OUT = "/api/v1/user/transfer_out";

let h: Harness;

beforeEach(async () => {
  h = await harness();
});

afterEach(async () => {
  await h.close();
});

const zero = [
  { asset: "BTC", avail: "0.00000000", frozen: "0.00000000" },
  { asset: "USDT", avail: "0.000000", frozen: "0.000000" },
  { asset: "ETH", avail: "0.00000000", frozen: "0.00000000" },
];

describe("GET /api/v1/user/balance", () => {
  test("a new user has every configured asset at zero", async () => {
    const r = await signed(h, h.alice, "GET", "/api/v1/user/balance");
    assert.equal(r.statusCode, 200);
    assert.deepEqual(json(r), { status: 0, msg: "ok", data: zero });
  });
});

describe("POST /api/v1/user/transfer_in", () => {
  test("credits the user and answers with the balance after it", async () => {
    const r = await deposit(h, ALICE, "USDT", "1000.5", "dep-1");
    assert.equal(r.statusCode, 200);
    assert.deepEqual(json(r), {
      status: 0,
      msg: "ok",
      data: {
        request_id: "dep-1",
        user_id: ALICE,
        asset: "USDT",
        amount: "1000.500000",
        status: "applied",
        avail: "1000.500000",
        frozen: "0.000000",
        event_id: `deposit_${ALICE}_2_${T0}_dep-1`,
      },
    });
    assert.deepEqual(await balances(h, h.alice), [
      zero[0],
      { asset: "USDT", avail: "1000.500000", frozen: "0.000000" },
      zero[2],
    ]);
    assert.deepEqual(await balances(h, h.bob), zero);
  });

  test("a retry with the same request_id is a duplicate: same answer, credited once", async () => {
    await deposit(h, ALICE, "BTC", "2", "dep-1");
    await deposit(h, ALICE, "BTC", "1", "dep-2");
    h.clock.t += 1000;
    const r = await deposit(h, ALICE, "BTC", "2", "dep-1");
    assert.equal(r.statusCode, 200);
    assert.deepEqual(json(r).data, {
      request_id: "dep-1",
      user_id: ALICE,
      asset: "BTC",
      amount: "2.00000000",
      status: "duplicate",
      avail: "2.00000000",
      frozen: "0.00000000",
      event_id: `deposit_${ALICE}_1_${T0}_dep-1`,
    });
    assert.deepEqual(((await balances(h, h.alice)) as unknown[])[0], {
      asset: "BTC",
      avail: "3.00000000",
      frozen: "0.00000000",
    });
  });

  test("the same request_id with other parameters is 409 DUPLICATE_REQUEST_ID", async () => {
    await deposit(h, ALICE, "BTC", "2", "dep-1");
    const before = await observe(h, h.alice);
    for (const [user, asset, amount] of [
      [ALICE, "BTC", "3"],
      [ALICE, "ETH", "2"],
      [BOB, "BTC", "2"],
    ] as const) {
      const r = await deposit(h, user, asset, amount, "dep-1");
      assert.equal(r.statusCode, 409);
      assert.deepEqual(json(r), {
        status: 11,
        msg: "request_id was already used with different parameters",
        code: "DUPLICATE_REQUEST_ID",
      });
    }
    // A withdrawal may not reuse a deposit's id either.
    const w = await signed(h, h.operator, "POST", OUT, {
      request_id: "dep-1",
      user_id: ALICE,
      asset: "BTC",
      amount: "2",
    });
    assert.equal(w.statusCode, 409);
    assert.deepEqual(await observe(h, h.alice), before);
    assert.deepEqual(await balances(h, h.bob), zero);
  });

  const refusals: [string, object, number, string, string][] = [
    ["an unknown asset", { asset: "DOGE" }, 400, "UNKNOWN_ASSET", "unknown asset DOGE"],
    [
      "more decimals than the asset has",
      { amount: "1.0000001" },
      400,
      "BAD_PRECISION",
      "amount 1.0000001 exceeds max precision 6",
    ],
    ["a zero amount", { amount: "0" }, 400, "INVALID_AMOUNT", "amount must be a positive decimal"],
    ["a negative amount", { amount: "-1" }, 400, "VALIDATION", "body.amount has an invalid format"],
    ["a numeric amount", { amount: 1 }, 400, "VALIDATION", "body.amount must be string"],
    ["user 0", { user_id: 0 }, 400, "VALIDATION", "body.user_id must be >= 1"],
    [
      "a user beyond the configured range",
      { user_id: 2 ** 48 + 1 },
      400,
      "UNKNOWN_USER",
      "user id 281474976710657 is outside 1..281474976710656",
    ],
    [
      "a request_id longer than 64 characters",
      { request_id: "r".repeat(65) },
      400,
      "VALIDATION",
      "body.request_id must not have more than 64 characters",
    ],
    [
      "a request_id with spaces",
      { request_id: "a b" },
      400,
      "INVALID_REQUEST_ID",
      "request_id must be 1..64 printable characters",
    ],
    [
      "an empty request_id",
      { request_id: "" },
      400,
      "VALIDATION",
      "body.request_id must not have fewer than 1 characters",
    ],
    ["a missing asset", { asset: undefined }, 400, "VALIDATION", "body.asset is required"],
  ];

  for (const [what, patch, http, code, msg] of refusals) {
    test(`refuses ${what}: ${http} ${code}, nothing changes`, async () => {
      await deposit(h, ALICE, "USDT", "10", "dep-0");
      const before = await observe(h, h.alice);
      const body = { request_id: "dep-x", user_id: ALICE, asset: "USDT", amount: "5", ...patch };
      const r = await signed(h, h.operator, "POST", IN, body);
      assert.equal(r.statusCode, http, r.body);
      assert.equal(json(r).code, code);
      assert.equal(json(r).msg, msg);
      assert.deepEqual(await observe(h, h.alice), before);
    });
  }
});

describe("POST /api/v1/user/transfer_out", () => {
  test("debits the available balance", async () => {
    await deposit(h, ALICE, "ETH", "1.5", "dep-1");
    const r = await signed(h, h.operator, "POST", OUT, {
      request_id: "wd-1",
      user_id: ALICE,
      asset: "ETH",
      amount: "0.25",
    });
    assert.equal(r.statusCode, 200);
    assert.deepEqual(json(r).data, {
      request_id: "wd-1",
      user_id: ALICE,
      asset: "ETH",
      amount: "0.25000000",
      status: "applied",
      avail: "1.25000000",
      frozen: "0.00000000",
      event_id: `withdraw_${ALICE}_3_${T0}_wd-1`,
    });
  });

  test("beyond the available balance: 422 INSUFFICIENT_BALANCE, nothing changes", async () => {
    await deposit(h, ALICE, "USDT", "100", "dep-1");
    // Frozen money is not available: 60 of the 100 is held by an open order.
    const order = await signed(h, h.alice, "POST", "/api/v1/order/create", {
      symbol: "BTC_USDT",
      side: "Buy",
      order_type: "Limit",
      price: "600",
      quantity: "0.1",
    });
    assert.equal(order.statusCode, 200);
    const before = await observe(h, h.alice);
    const r = await signed(h, h.operator, "POST", OUT, {
      request_id: "wd-1",
      user_id: ALICE,
      asset: "USDT",
      amount: "40.000001",
    });
    assert.equal(r.statusCode, 422);
    assert.deepEqual(json(r), {
      status: 1,
      msg: "insufficient available balance",
      code: "INSUFFICIENT_BALANCE",
    });
    assert.deepEqual(await observe(h, h.alice), before);
    // The refusal is remembered: a retry gets the same answer.
    const retry = await signed(h, h.operator, "POST", OUT, {
      request_id: "wd-1",
      user_id: ALICE,
      asset: "USDT",
      amount: "40.000001",
    });
    assert.equal(retry.statusCode, 422);
    const exact = await signed(h, h.operator, "POST", OUT, {
      request_id: "wd-2",
      user_id: ALICE,
      asset: "USDT",
      amount: "40",
    });
    assert.equal(exact.statusCode, 200);
    assert.equal((json(exact).data as { avail: string }).avail, "0.000000");
  });

  test("a retry of a refused withdrawal says it repeats the earlier answer, even once funded", async () => {
    const wd = { request_id: "wd-1", user_id: ALICE, asset: "USDT", amount: "50" };
    const first = await signed(h, h.operator, "POST", OUT, wd);
    assert.equal(first.statusCode, 422);
    assert.equal(json(first).msg, "insufficient available balance");
    await deposit(h, ALICE, "USDT", "100", "dep-1");
    const before = await observe(h, h.alice);
    const retry = await signed(h, h.operator, "POST", OUT, wd);
    assert.equal(retry.statusCode, 422);
    assert.deepEqual(json(retry), {
      status: 1,
      msg: "request_id wd-1 was refused when it was first received (insufficient available balance); this repeats that answer and nothing was applied: a request_id is answered once, so send a new one to try again",
      code: "INSUFFICIENT_BALANCE",
    });
    assert.deepEqual(await observe(h, h.alice), before);
  });
});
