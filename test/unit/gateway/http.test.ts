// The HTTP layer itself: every framework-level failure in the envelope,
// health and readiness, the OpenAPI document, metrics, rate limits, transport
// failures and the observability hooks.

import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { Registry } from "prom-client";
import { loadSpec } from "../../../src/core/mod.ts";
import {
  buildGatewayApp,
  type GatewayEvent,
  KeyStore,
  type RequestDone,
} from "../../../src/gateway/mod.ts";
import { mergeRegistries } from "../../../src/obs/mod.ts";
import { DirectBackend } from "../../support/direct-backend.ts";
import {
  ALICE,
  BOB,
  deposit,
  type Harness,
  harness,
  json,
  observe,
  signed,
  T0,
} from "./harness.ts";

const CREATE = "/api/v1/order/create";
const order = { symbol: "BTC_USDT", side: "Buy", order_type: "Limit", price: "100", quantity: "1" };

describe("failures are always the JSON envelope", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
    await deposit(h, ALICE, "USDT", "1000", "dep-a");
  });
  afterEach(async () => {
    await h.close();
  });

  test("an unknown route or method: 404 NOT_FOUND", async () => {
    for (const [method, url] of [
      ["GET", "/api/v1/nope?x=1"],
      ["DELETE", "/api/v1/order/create"],
      ["GET", "/no-such-page.html"],
    ] as const) {
      const r = await h.app.inject({ method, url });
      assert.equal(r.statusCode, 404);
      assert.match(String(r.headers["content-type"]), /^application\/json/);
      assert.deepEqual(json(r), {
        status: 120,
        msg: `no route ${method} ${url.split("?")[0]}`,
        code: "NOT_FOUND",
      });
    }
  });

  test("malformed or empty JSON: 400 BAD_JSON, nothing placed", async () => {
    const before = await observe(h, h.alice);
    const bad = await signed(h, h.alice, "POST", CREATE, '{"symbol":');
    assert.equal(bad.statusCode, 400);
    assert.deepEqual(json(bad), { status: 101, msg: "body is not valid JSON", code: "BAD_JSON" });
    const empty = await signed(h, h.alice, "POST", CREATE, "");
    assert.equal(empty.statusCode, 400);
    assert.deepEqual(json(empty), {
      status: 101,
      msg: "body is empty; send a JSON object",
      code: "BAD_JSON",
    });
    assert.deepEqual(await observe(h, h.alice), before);
  });

  test("a prototype key is refused as what it is, not as malformed JSON", async () => {
    const before = await observe(h, h.alice);
    for (const body of [
      '{"__proto__":{"x":1}}',
      `{"symbol":"BTC_USDT","constructor":{"prototype":{"x":1}}}`,
    ]) {
      const r = await signed(h, h.alice, "POST", CREATE, body);
      assert.equal(r.statusCode, 400);
      assert.deepEqual(json(r), {
        status: 100,
        msg: 'body holds a "__proto__" key (or "constructor" with "prototype"), which is refused',
        code: "VALIDATION",
      });
    }
    assert.deepEqual(await observe(h, h.alice), before);
  });

  test("another content type, or none: 400 UNSUPPORTED_MEDIA_TYPE", async () => {
    const text = await signed(h, h.alice, "POST", CREATE, JSON.stringify(order), {
      headers: { "content-type": "text/plain" },
    });
    assert.equal(text.statusCode, 400);
    assert.deepEqual(json(text), {
      status: 102,
      msg: "body must be application/json, got text/plain",
      code: "UNSUPPORTED_MEDIA_TYPE",
    });
    const none = await signed(h, h.alice, "POST", CREATE, undefined, {
      headers: { "content-type": undefined },
    });
    assert.equal(none.statusCode, 400);
    assert.deepEqual(json(none), {
      status: 102,
      msg: "body must be a JSON object",
      code: "UNSUPPORTED_MEDIA_TYPE",
    });
  });

  test("a body over the limit: 400 VALIDATION", async () => {
    const r = await signed(h, h.alice, "POST", CREATE, { ...order, cid: "x".repeat(20_000) });
    assert.equal(r.statusCode, 400);
    assert.deepEqual(json(r), {
      status: 100,
      msg: "body is larger than 16384 bytes",
      code: "VALIDATION",
    });
  });

  test("schema failures name every offending field", async () => {
    const r = await signed(h, h.alice, "POST", CREATE, { side: "Buy", order_type: "Stop", x: 1 });
    assert.equal(r.statusCode, 400);
    assert.deepEqual(json(r), {
      status: 100,
      msg: "body.symbol is required; body.x is not a known field; body.order_type must be one of Limit, Market, StopLoss, StopLossLimit, TakeProfit, TakeProfitLimit",
      code: "VALIDATION",
    });
    const arr = await signed(h, h.alice, "POST", CREATE, "[]");
    assert.deepEqual(json(arr), { status: 100, msg: "body must be object", code: "VALIDATION" });
  });

  test("an unexpected error is 500 INTERNAL without details, and is reported", async () => {
    const reported: unknown[] = [];
    const dir = h.dir;
    const backend = await DirectBackend.open();
    const app = buildGatewayApp({
      backend: {
        ...backend,
        store: backend.store,
        ready: () => true,
        balances: async () => {
          throw new Error("disk on fire");
        },
        transfer: (c) => backend.transfer(c),
        place: (c) => backend.place(c),
        cancel: (c) => backend.cancel(c),
        trade: (c) => backend.trade(c),
        depth: (s, l) => backend.depth(s, l),
      },
      spec: loadSpec(),
      keys: KeyStore.open(dir),
      options: { now_ms: () => T0 },
      hooks: { onInternalError: (err) => reported.push(err) },
    });
    const hh = { ...h, app };
    const r = await signed(hh, h.alice, "GET", "/api/v1/user/balance");
    assert.equal(r.statusCode, 500);
    assert.deepEqual(json(r), { status: 150, msg: "internal error", code: "INTERNAL" });
    assert.equal((reported[0] as Error).message, "disk on fire");
    await app.close();
    await backend.close();
  });
});

describe("transport failures", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
    await deposit(h, ALICE, "USDT", "1000", "dep-a");
  });
  afterEach(async () => {
    await h.close();
  });

  test("no answer in time: 503 TIMEOUT; transport down: 503 UNAVAILABLE; nothing applied", async () => {
    const before = await observe(h, h.alice);
    h.backend.setOutage("TIMEOUT");
    const t = await signed(h, h.alice, "POST", CREATE, order);
    assert.equal(t.statusCode, 503);
    assert.deepEqual(json(t), {
      status: 141,
      msg: "no answer in time; the request may still be applied",
      code: "TIMEOUT",
    });
    h.backend.setOutage("UNAVAILABLE");
    const u = await signed(h, h.operator, "POST", "/api/v1/user/transfer_in", {
      request_id: "dep-z",
      user_id: ALICE,
      asset: "USDT",
      amount: "1",
    });
    assert.equal(u.statusCode, 503);
    assert.deepEqual(json(u), {
      status: 140,
      msg: "service unavailable: backend outage (UNAVAILABLE)",
      code: "UNAVAILABLE",
    });
    h.backend.setOutage(null);
    assert.deepEqual(await observe(h, h.alice), before);
    assert.deepEqual(
      h.events.filter((e) => e.event.level === "error").map((e) => e.event.name),
      ["ORDER_FAILED", "DEPOSIT_FAILED"],
    );
  });
});

describe("health, readiness, metrics, OpenAPI", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(async () => {
    await h.close();
  });

  test("/livez is 200 while up; /readyz and the API follow backend.ready()", async () => {
    const live = await h.app.inject({ method: "GET", url: "/livez" });
    assert.deepEqual(
      [live.statusCode, json(live)],
      [200, { status: 0, msg: "ok", data: { status: "live" } }],
    );
    const ready = await h.app.inject({ method: "GET", url: "/readyz" });
    assert.deepEqual(
      [ready.statusCode, json(ready)],
      [200, { status: 0, msg: "ok", data: { status: "ready" } }],
    );
    h.backend.setReady(false);
    const notReady = await h.app.inject({ method: "GET", url: "/readyz" });
    assert.deepEqual(
      [notReady.statusCode, json(notReady)],
      [503, { status: 140, msg: "the exchange is not ready", code: "UNAVAILABLE" }],
    );
    const api = await signed(h, h.alice, "GET", "/api/v1/user/balance");
    assert.equal(api.statusCode, 503);
    assert.equal(json(api).code, "UNAVAILABLE");
    const market = await h.app.inject({
      method: "GET",
      url: "/api/v1/market/depth?symbol=BTC_USDT",
    });
    assert.equal(market.statusCode, 503);
    assert.equal((await h.app.inject({ method: "GET", url: "/livez" })).statusCode, 200);
  });

  test("/metrics serves the given source as text; without one there is no route", async () => {
    assert.equal((await h.app.inject({ method: "GET", url: "/metrics" })).statusCode, 404);
    const registry = new Registry();
    registry.setDefaultLabels({ service: "gateway" });
    const backend = await DirectBackend.open();
    const app = buildGatewayApp({
      backend,
      spec: loadSpec(),
      keys: h.keys,
      metrics: mergeRegistries([registry]),
    });
    const r = await app.inject({ method: "GET", url: "/metrics" });
    assert.equal(r.statusCode, 200);
    assert.match(String(r.headers["content-type"]), /^text\/plain/);
    await app.close();
    await backend.close();
  });

  test("the OpenAPI document lists every route, its schemas and its security", async () => {
    const r = await h.app.inject({ method: "GET", url: "/docs/json" });
    assert.equal(r.statusCode, 200);
    const doc = json(r) as unknown as {
      openapi: string;
      paths: Record<string, Record<string, { security?: unknown[]; responses: object }>>;
      components: { securitySchemes: Record<string, unknown> };
    };
    assert.equal(doc.openapi, "3.0.3");
    const routes = Object.entries(doc.paths)
      .flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    assert.deepEqual(routes, [
      "GET /api/v1/admin/trace",
      "GET /api/v1/market/book_ticker",
      "GET /api/v1/market/depth",
      "GET /api/v1/market/exchange_info",
      "GET /api/v1/market/klines",
      "GET /api/v1/market/ticker_24h",
      "GET /api/v1/market/trades",
      "GET /api/v1/order/active",
      "GET /api/v1/order/history",
      "GET /api/v1/order/trades",
      "GET /api/v1/time",
      "GET /api/v1/user/balance",
      "GET /livez",
      "GET /readyz",
      "POST /api/v1/order/amend",
      "POST /api/v1/order/cancel",
      "POST /api/v1/order/cancel_all",
      "POST /api/v1/order/cancel_all_after",
      "POST /api/v1/order/cancel_replace",
      "POST /api/v1/order/create",
      "POST /api/v1/order/oco",
      "POST /api/v1/user/transfer_in",
      "POST /api/v1/user/transfer_out",
    ]);
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const op of Object.values(methods)) {
        assert.deepEqual(Object.keys(op.responses).sort(), ["200", "4XX", "5XX"], path);
        const signedRoute = /^\/api\/v1\/(order|user|admin)\//.test(path);
        assert.equal(op.security !== undefined, signedRoute, path);
      }
    }
    assert.deepEqual(Object.keys(doc.components.securitySchemes).sort(), [
      "ApiKey",
      "Signature",
      "Timestamp",
    ]);
    const ui = await h.app.inject({ method: "GET", url: "/docs/" });
    assert.equal(ui.statusCode, 200);
    assert.match(ui.body, /swagger/i);
  });
});

describe("rate limits", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness({
      rate_limit: { rate_per_s: 2, burst: 3 },
      public_rate_limit: { rate_per_s: 1, burst: 1 },
    });
  });
  afterEach(async () => {
    await h.close();
  });

  test("a key's burst, then 429 RATE_LIMITED with Retry-After; other keys unaffected; refills", async () => {
    const BAL = "/api/v1/user/balance";
    for (let i = 0; i < 3; i++) {
      assert.equal((await signed(h, h.alice, "GET", BAL)).statusCode, 200);
    }
    const limited = await signed(h, h.alice, "GET", BAL);
    assert.equal(limited.statusCode, 429);
    assert.equal(limited.headers["retry-after"], "1");
    assert.deepEqual(json(limited), {
      status: 130,
      msg: "too many requests; retry in 1 s",
      code: "RATE_LIMITED",
    });
    assert.equal((await signed(h, h.bob, "GET", BAL)).statusCode, 200);
    h.clock.t += 499;
    assert.equal((await signed(h, h.alice, "GET", BAL)).statusCode, 429);
    h.clock.t += 1;
    assert.equal((await signed(h, h.alice, "GET", BAL)).statusCode, 200);
    assert.equal((await signed(h, h.alice, "GET", BAL)).statusCode, 429);
  });

  test("requests that fail authentication do not spend the key's tokens", async () => {
    const BAL = "/api/v1/user/balance";
    for (let i = 0; i < 5; i++) {
      const r = await signed(h, { ...h.alice, secret: "guess" }, "GET", BAL);
      assert.equal(json(r).code, "AUTH_BAD_SIGNATURE");
    }
    assert.equal((await signed(h, h.alice, "GET", BAL)).statusCode, 200);
  });

  test("public routes are limited per client address", async () => {
    const url = "/api/v1/market/depth?symbol=BTC_USDT";
    const a = { method: "GET" as const, url, remoteAddress: "10.0.0.1" };
    assert.equal((await h.app.inject(a)).statusCode, 200);
    assert.equal((await h.app.inject(a)).statusCode, 429);
    assert.equal((await h.app.inject({ ...a, remoteAddress: "10.0.0.2" })).statusCode, 200);
    // Health checks are never limited.
    for (let i = 0; i < 5; i++) {
      assert.equal((await h.app.inject({ method: "GET", url: "/livez" })).statusCode, 200);
    }
  });
});

describe("observability hooks", () => {
  test("lifecycle markers carry the event ids; every request is reported done", async () => {
    const events: { event: GatewayEvent; fields: Record<string, unknown> }[] = [];
    const done: RequestDone[] = [];
    const h = await harness();
    const app = buildGatewayApp({
      backend: h.backend,
      spec: loadSpec(),
      keys: h.keys,
      options: { now_ms: () => T0, rate_limit: null },
      hooks: {
        onEvent: (event, fields) => events.push({ event, fields }),
        onRequestDone: (d) => done.push(d),
      },
    });
    const hh = { ...h, app };
    try {
      await deposit(hh, BOB, "BTC", "1", "dep-b");
      await signed(hh, h.bob, "POST", CREATE, { ...order, side: "Sell", price: "50000" });
      await signed(hh, h.alice, "POST", CREATE, order);
      await signed(hh, h.bob, "POST", "/api/v1/order/cancel", { order_id: "1" });
      await signed(hh, h.bob, "POST", "/api/v1/order/cancel", { order_id: "1" });
      await app.inject({ method: "GET", url: "/nope" });

      const view = events.map((e) => [
        e.event.name,
        e.fields.event_id === e.fields.req_id ? "<req_id>" : e.fields.event_id,
        e.fields.user_id,
        e.fields.code ?? null,
      ]);
      assert.deepEqual(view, [
        ["DEPOSIT_RECEIVED", `deposit_${BOB}_1_${T0}_dep-b`, BOB, null],
        ["DEPOSIT_ANSWERED", `deposit_${BOB}_1_${T0}_dep-b`, BOB, null],
        ["ORDER_RECEIVED", "<req_id>", BOB, null],
        ["ORDER_ANSWERED", "1", BOB, null],
        ["ORDER_RECEIVED", "<req_id>", ALICE, null],
        ["ORDER_REJECTED", "<req_id>", ALICE, "INSUFFICIENT_BALANCE"],
        ["CANCEL_RECEIVED", "1", BOB, null],
        ["CANCEL_ANSWERED", "1", BOB, null],
        ["CANCEL_RECEIVED", "1", BOB, null],
        ["CANCEL_REJECTED", "1", BOB, "ORDER_ALREADY_DONE"],
      ]);
      // An order's RECEIVED and ANSWERED lines share the request id.
      assert.equal(events[2]?.fields.req_id, events[3]?.fields.req_id);
      assert.deepEqual(
        done.map((d) => [d.method, d.route, d.status_code, d.code]),
        [
          ["POST", "/api/v1/user/transfer_in", 200, null],
          ["POST", CREATE, 200, null],
          ["POST", CREATE, 422, "INSUFFICIENT_BALANCE"],
          ["POST", "/api/v1/order/cancel", 200, null],
          ["POST", "/api/v1/order/cancel", 409, "ORDER_ALREADY_DONE"],
          ["GET", "unmatched", 404, "NOT_FOUND"],
        ],
      );
      assert.ok(done.every((d) => d.duration_ms >= 0));
    } finally {
      await app.close();
      await h.close();
    }
  });

  test("a throwing observer does not fail the request; it is reported", async () => {
    const reported: unknown[] = [];
    const h = await harness();
    const app = buildGatewayApp({
      backend: h.backend,
      spec: loadSpec(),
      keys: h.keys,
      options: { now_ms: () => T0 },
      hooks: {
        onEvent: () => {
          throw new Error("logger down");
        },
        onInternalError: (err) => reported.push(err),
      },
    });
    try {
      const r = await deposit({ ...h, app }, ALICE, "USDT", "5", "dep-1");
      assert.equal(r.statusCode, 200);
      assert.equal(reported.length, 2);
    } finally {
      await app.close();
      await h.close();
    }
  });
});
