// Authentication and authorization: every way a request can fail to prove who
// it is, keys used on the wrong routes, and users kept apart from each other.

import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { ReplayGuard } from "../../../src/gateway/http/replay.ts";
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

describe("replays", () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });
  const ORDER = {
    symbol: "BTC_USDT",
    side: "Buy",
    order_type: "Limit",
    price: "100",
    quantity: "1",
  };

  test("a signed order sent again inside its window is refused: 401 AUTH_REPLAYED, one order", async () => {
    h = await harness();
    await deposit(h, ALICE, "USDT", "1000", "dep-a");
    const ts = T0 - 100;
    const first = await signed(h, h.alice, "POST", "/api/v1/order/create", ORDER, { ts });
    assert.equal(first.statusCode, 200);
    const after = await observe(h, h.alice);
    for (let i = 0; i < 5; i++) {
      const again = await signed(h, h.alice, "POST", "/api/v1/order/create", ORDER, { ts });
      assert.equal(again.statusCode, 401);
      assert.deepEqual(json(again), {
        status: 115,
        msg: "this signature was already used within its receive window; a request is accepted once: sign a new one (a new timestamp) to send it again",
        code: "AUTH_REPLAYED",
      });
    }
    assert.deepEqual(await observe(h, h.alice), after);
    assert.equal(
      (json(await signed(h, h.alice, "GET", "/api/v1/order/active")).data as []).length,
      1,
    );
    // A transfer replayed is refused the same way, before it reaches the exchange.
    const dep = { request_id: "dep-r", user_id: ALICE, asset: "USDT", amount: "1" };
    const ok = await signed(h, h.operator, "POST", "/api/v1/user/transfer_in", dep, { ts });
    assert.equal(ok.statusCode, 200);
    const replay = await signed(h, h.operator, "POST", "/api/v1/user/transfer_in", dep, { ts });
    assert.equal(json(replay).code, "AUTH_REPLAYED");
  });

  test("reads may repeat: the same signed GET twice answers twice", async () => {
    h = await harness();
    for (let i = 0; i < 2; i++) {
      const r = await signed(h, h.alice, "GET", "/api/v1/user/balance", undefined, { ts: T0 });
      assert.equal(r.statusCode, 200);
    }
  });

  test("memory is bounded: past the limit, new requests wait (429) rather than go unchecked", async () => {
    h = await harness({ replay_cache_max: 2 });
    await deposit(h, ALICE, "USDT", "1000", "dep-a");
    await signed(h, h.alice, "POST", "/api/v1/order/create", { ...ORDER, cid: "a" });
    const full = await signed(h, h.alice, "POST", "/api/v1/order/create", { ...ORDER, cid: "b" });
    assert.equal(full.statusCode, 429);
    assert.equal(json(full).code, "RATE_LIMITED");
    assert.equal(full.headers["retry-after"], "10");
    // Two receive windows later the remembered signatures have expired and room is back.
    h.clock.t += 10_000;
    const later = await signed(h, h.alice, "POST", "/api/v1/order/create", { ...ORDER, cid: "b" });
    assert.equal(later.statusCode, 200);
  });
});

describe("ReplayGuard", () => {
  test("remembers a signature for at least two receive windows, then forgets it", () => {
    const g = new ReplayGuard(5000, 100, 0);
    const sig = "ab".repeat(32);
    assert.equal(g.admit(sig, 0), "new");
    assert.equal(g.admit(sig.toUpperCase(), 9_999), "seen");
    assert.equal(g.admit(sig, 10_000), "seen"); // turned over: now in the previous generation
    assert.equal(g.admit(sig, 19_999), "seen");
    assert.equal(g.admit(sig, 20_000), "new"); // two turnovers: expired, and its timestamp too
  });

  test("holds at most its limit per generation", () => {
    const g = new ReplayGuard(5000, 3, 0);
    const sigs = [1, 2, 3, 4].map((n) => n.toString(16).padEnd(64, "0"));
    assert.deepEqual(
      sigs.map((s) => g.admit(s, 0)),
      ["new", "new", "new", "full"],
    );
    assert.equal(g.size, 3);
    assert.equal(g.untilTurn_ms(4000), 6000);
    assert.equal(g.admit(sigs[3] as string, 10_000), "new");
    assert.equal(g.size, 4); // three in the previous generation, one in the current
    assert.equal(g.admit(sigs[0] as string, 25_000), "new");
    assert.equal(g.size, 2);
    // Idle for two periods: everything is forgotten at once.
    assert.equal(g.admit(sigs[1] as string, 45_000), "new");
    assert.equal(g.size, 1);
  });
});
