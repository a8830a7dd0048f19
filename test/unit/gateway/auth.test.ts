// Authentication and authorization: every way a request can fail to prove who
// it is, keys used on the wrong routes, and users kept apart from each other.

import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { sign } from "../../../src/gateway/mod.ts";
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

const SECRET = "4f1b7c2e9a0d8e63b5c4a1f07d92e8b3c6a5f4e1d0b9c8a7f6e5d4c3b2a19080";

describe("signature", () => {
  // The worked example of docs/api.md, checked against `openssl dgst -sha256 -hmac`.
  test("matches the documented examples", () => {
    const body =
      '{"symbol":"BTC_USDT","side":"Buy","order_type":"Limit","price":"50000.00","quantity":"0.0100"}';
    assert.equal(
      sign(SECRET, "1700000000000", "POST", "/api/v1/order/create", body),
      "e2fbda9e32f29df6b6186150951bedccc895536280340012c51f6b8f7a75bc2f",
    );
    assert.equal(
      sign(SECRET, "1700000000000", "GET", "/api/v1/order/active?symbol=BTC_USDT&limit=10", ""),
      "8e9bef7a6ee043ac4a69153e74cb3bcd26cbef01771daa1e901f7eb8ec61d312",
    );
  });

  test("bytes and their UTF-8 string sign alike", () => {
    const text = '{"cid":"ü"}';
    assert.equal(
      sign(SECRET, "1", "POST", "/p", text),
      sign(SECRET, "1", "POST", "/p", Buffer.from(text, "utf8")),
    );
  });
});

describe("authentication", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
    await deposit(h, ALICE, "USDT", "1000", "dep-a");
  });
  afterEach(async () => {
    await h.close();
  });

  const BAL = "/api/v1/user/balance";

  async function expectAuthFailure(
    r: Awaited<ReturnType<typeof signed>>,
    http: number,
    code: string,
    msg: string,
  ) {
    assert.equal(r.statusCode, http, r.body);
    assert.deepEqual(
      { code: json(r).code, msg: json(r).msg, status: json(r).status > 0 },
      { code, msg, status: true },
    );
  }

  test("no headers: 401 AUTH_MISSING", async () => {
    const r = await h.app.inject({ method: "GET", url: BAL });
    await expectAuthFailure(
      r,
      401,
      "AUTH_MISSING",
      "missing header X-BOURSE-APIKEY, X-BOURSE-TIMESTAMP, X-BOURSE-SIGNATURE",
    );
    assert.equal(json(r).status, 110);
  });

  test("one header missing or empty: 401 AUTH_MISSING naming it", async () => {
    await expectAuthFailure(
      await signed(h, h.alice, "GET", BAL, undefined, {
        headers: { "x-bourse-signature": undefined },
      }),
      401,
      "AUTH_MISSING",
      "missing header X-BOURSE-SIGNATURE",
    );
    await expectAuthFailure(
      await signed(h, h.alice, "GET", BAL, undefined, { headers: { "x-bourse-timestamp": "" } }),
      401,
      "AUTH_MISSING",
      "missing header X-BOURSE-TIMESTAMP",
    );
  });

  test("an unknown key: 401 AUTH_BAD_KEY", async () => {
    const r = await signed(h, { ...h.alice, api_key: "bk_nope" }, "GET", BAL);
    await expectAuthFailure(r, 401, "AUTH_BAD_KEY", "unknown API key");
  });

  test("a revoked key: 401 AUTH_BAD_KEY", async () => {
    assert.equal((await signed(h, h.bob, "GET", BAL)).statusCode, 200);
    assert.equal(h.keys.revoke(h.bob.api_key), true);
    await expectAuthFailure(
      await signed(h, h.bob, "GET", BAL),
      401,
      "AUTH_BAD_KEY",
      "unknown API key",
    );
  });

  test("a wrong secret, a changed body, path, query or method: 401 AUTH_BAD_SIGNATURE", async () => {
    const bad = "signature does not match";
    await expectAuthFailure(
      await signed(h, { ...h.alice, secret: SECRET }, "GET", BAL),
      401,
      "AUTH_BAD_SIGNATURE",
      bad,
    );
    const order = {
      symbol: "BTC_USDT",
      side: "Buy",
      order_type: "Limit",
      price: "100",
      quantity: "1",
    };
    const before = await observe(h, h.alice);
    await expectAuthFailure(
      await signed(h, h.alice, "POST", "/api/v1/order/create", order, {
        signedBody: JSON.stringify({ ...order, quantity: "0.1" }),
      }),
      401,
      "AUTH_BAD_SIGNATURE",
      bad,
    );
    // Same JSON value, other bytes: the signature covers the bytes.
    await expectAuthFailure(
      await signed(h, h.alice, "POST", "/api/v1/order/create", JSON.stringify(order), {
        signedBody: JSON.stringify(order, null, 1),
      }),
      401,
      "AUTH_BAD_SIGNATURE",
      bad,
    );
    assert.deepEqual(await observe(h, h.alice), before);
    const ts = String(T0);
    const sig = sign(h.alice.secret, ts, "GET", "/api/v1/order/active?limit=1", "");
    for (const [method, url] of [
      ["GET", "/api/v1/order/active?limit=2"],
      ["GET", "/api/v1/order/history?limit=1"],
      ["POST", "/api/v1/order/active?limit=1"],
    ] as const) {
      const r = await h.app.inject({
        method,
        url,
        headers: {
          "x-bourse-apikey": h.alice.api_key,
          "x-bourse-timestamp": ts,
          "x-bourse-signature": sig,
        },
      });
      // POST on a GET route is no route at all.
      if (method === "POST") assert.equal(r.statusCode, 404);
      else await expectAuthFailure(r, 401, "AUTH_BAD_SIGNATURE", bad);
    }
    await expectAuthFailure(
      await signed(h, h.alice, "GET", BAL, undefined, {
        headers: { "x-bourse-signature": "zz" },
      }),
      401,
      "AUTH_BAD_SIGNATURE",
      bad,
    );
  });

  test("signatures in upper-case hex are accepted", async () => {
    const ts = String(T0);
    const r = await h.app.inject({
      method: "GET",
      url: BAL,
      headers: {
        "x-bourse-apikey": h.alice.api_key,
        "x-bourse-timestamp": ts,
        "x-bourse-signature": sign(h.alice.secret, ts, "GET", BAL, "").toUpperCase(),
      },
    });
    assert.equal(r.statusCode, 200);
  });

  test("timestamps outside the 5000 ms window: 401 AUTH_STALE_TIMESTAMP; the edges pass", async () => {
    assert.equal(
      (await signed(h, h.alice, "GET", BAL, undefined, { ts: T0 - 5000 })).statusCode,
      200,
    );
    assert.equal(
      (await signed(h, h.alice, "GET", BAL, undefined, { ts: T0 + 5000 })).statusCode,
      200,
    );
    await expectAuthFailure(
      await signed(h, h.alice, "GET", BAL, undefined, { ts: T0 - 5001 }),
      401,
      "AUTH_STALE_TIMESTAMP",
      "timestamp is 5001 ms old; the receive window is 5000 ms",
    );
    await expectAuthFailure(
      await signed(h, h.alice, "GET", BAL, undefined, { ts: T0 + 60_000 }),
      401,
      "AUTH_STALE_TIMESTAMP",
      "timestamp is 60000 ms in the future; the receive window is 5000 ms",
    );
    await expectAuthFailure(
      await signed(h, h.alice, "GET", BAL, undefined, {
        headers: { "x-bourse-timestamp": "1.7e12" },
      }),
      401,
      "AUTH_STALE_TIMESTAMP",
      "X-BOURSE-TIMESTAMP must be milliseconds since the Unix epoch",
    );
  });

  test("the receive window is configurable", async () => {
    const strict = await harness({ recv_window_ms: 100 });
    try {
      const r = await signed(strict, strict.alice, "GET", BAL, undefined, { ts: T0 - 101 });
      assert.equal(json(r).code, "AUTH_STALE_TIMESTAMP");
      const ok = await signed(strict, strict.alice, "GET", BAL, undefined, { ts: T0 - 100 });
      assert.equal(ok.statusCode, 200);
    } finally {
      await strict.close();
    }
  });

  test("authentication comes before the body is judged", async () => {
    const r = await h.app.inject({
      method: "POST",
      url: "/api/v1/order/create",
      headers: { "content-type": "application/json" },
      payload: "{not json",
    });
    await expectAuthFailure(
      r,
      401,
      "AUTH_MISSING",
      "missing header X-BOURSE-APIKEY, X-BOURSE-TIMESTAMP, X-BOURSE-SIGNATURE",
    );
  });
});

describe("authorization", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
    await deposit(h, ALICE, "USDT", "1000", "dep-a");
    await deposit(h, BOB, "USDT", "1000", "dep-b");
  });
  afterEach(async () => {
    await h.close();
  });

  test("a user key on an operator route: 403 FORBIDDEN, no deposit", async () => {
    const before = await observe(h, h.alice);
    const r = await signed(h, h.alice, "POST", "/api/v1/user/transfer_in", {
      request_id: "self-credit",
      user_id: ALICE,
      asset: "USDT",
      amount: "1000000",
    });
    assert.equal(r.statusCode, 403);
    assert.deepEqual(json(r), {
      status: 114,
      msg: "this route needs an operator key",
      code: "FORBIDDEN",
    });
    assert.deepEqual(await observe(h, h.alice), before);
    const out = await signed(h, h.bob, "POST", "/api/v1/user/transfer_out", {
      request_id: "w",
      user_id: ALICE,
      asset: "USDT",
      amount: "1",
    });
    assert.equal(out.statusCode, 403);
  });

  test("an operator key on a user route: 403 FORBIDDEN", async () => {
    for (const [method, url, body] of [
      ["GET", "/api/v1/user/balance", undefined],
      ["GET", "/api/v1/order/active", undefined],
      ["GET", "/api/v1/order/history", undefined],
      ["GET", "/api/v1/order/trades", undefined],
      [
        "POST",
        "/api/v1/order/create",
        { symbol: "BTC_USDT", side: "Buy", order_type: "Limit", price: "1", quantity: "1" },
      ],
      ["POST", "/api/v1/order/cancel", { order_id: "1" }],
    ] as const) {
      const r = await signed(h, h.operator, method, url, body);
      assert.equal(r.statusCode, 403, url);
      assert.deepEqual(json(r), {
        status: 114,
        msg: "this route needs a user key",
        code: "FORBIDDEN",
      });
    }
  });

  test("a user never sees or touches another user's orders or balances", async () => {
    const placed = await signed(h, h.bob, "POST", "/api/v1/order/create", {
      symbol: "BTC_USDT",
      side: "Buy",
      order_type: "Limit",
      price: "100",
      quantity: "1",
      cid: "bob-1",
    });
    const { order_id } = json(placed).data as { order_id: string };
    const bobBefore = await observe(h, h.bob);
    // Alice cannot cancel it by id (nor learn that it exists), and Bob's cid means nothing for her.
    assert.equal(
      json(await signed(h, h.alice, "POST", "/api/v1/order/cancel", { order_id })).code,
      "UNKNOWN_ORDER",
    );
    assert.equal(
      json(await signed(h, h.alice, "POST", "/api/v1/order/cancel", { cid: "bob-1" })).code,
      "UNKNOWN_ORDER",
    );
    // Her reads show her own (empty) lists and her own balance only.
    for (const url of ["/api/v1/order/active", "/api/v1/order/history", "/api/v1/order/trades"]) {
      assert.deepEqual(json(await signed(h, h.alice, "GET", url)).data, [], url);
    }
    assert.deepEqual(((await balances(h, h.alice)) as unknown[])[1], {
      asset: "USDT",
      avail: "1000.000000",
      frozen: "0.000000",
    });
    assert.deepEqual(await observe(h, h.bob), bobBefore);
  });
});
