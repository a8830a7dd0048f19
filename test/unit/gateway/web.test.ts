// What the gateway serves besides the API: the built web pages at / (the
// API's 404 envelope for any other path), and the operator's trace route
// over the same lookup `bourse start` passes it (src/cli/trace-lookup.ts),
// here over an empty log folder: who may call it and each failure's code.

import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { traceLookup } from "../../../src/cli/trace-lookup.ts";
import { loadSpec } from "../../../src/core/mod.ts";
import { buildGatewayApp, KeyStore, type TypedApp, WEB_ROOT } from "../../../src/gateway/mod.ts";
import { DirectBackend } from "../../support/direct-backend.ts";
import { type Harness, json, signed, T0 } from "./harness.ts";

describe("web pages and the trace route", () => {
  const dir = mkdtempSync(join(tmpdir(), "bourse-gw-web-"));
  let h: Harness;
  let bare: TypedApp;

  before(async () => {
    const keys = KeyStore.open(dir);
    const spec = loadSpec();
    const backend = await DirectBackend.open(spec);
    const clock = { t: T0 };
    const logs = mkdtempSync(join(dir, "logs-"));
    const params = {
      backend,
      spec,
      keys,
      options: { rate_limit: null, public_rate_limit: null, now_ms: () => clock.t },
    };
    const app = buildGatewayApp({ ...params, trace: traceLookup({ log_dirs: [logs] }) });
    bare = buildGatewayApp({ ...params, options: { ...params.options, web: false } });
    await Promise.all([app.ready(), bare.ready()]);
    h = {
      app,
      backend,
      keys,
      dir,
      alice: keys.create({ role: "user", user_id: 1001 }),
      bob: keys.create({ role: "user", user_id: 1002 }),
      operator: keys.create({ role: "operator" }),
      clock,
      sent: 0,
      events: [],
      close: async () => {
        await app.close();
        await bare.close();
        await backend.close();
      },
    };
  });

  after(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("/ serves the built page and its bundle; other paths keep the 404 envelope", async () => {
    assert.ok(existsSync(join(WEB_ROOT, "index.html")), "run `npm run build` first");
    const page = await h.app.inject({ method: "GET", url: "/" });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers["content-type"]), /^text\/html/);
    assert.match(page.body, /<script type="module" src="app.js"><\/script>/);
    // The page holds a signing key: no script or connection from elsewhere, no framing.
    const csp = String(page.headers["content-security-policy"]);
    assert.match(csp, /script-src 'self';/);
    assert.match(csp, /connect-src 'self';/);
    assert.match(csp, /frame-ancestors 'none'/);
    const js = await h.app.inject({ method: "GET", url: "/app.js" });
    assert.equal(js.statusCode, 200);
    assert.match(String(js.headers["content-type"]), /javascript/);
    const missing = await h.app.inject({ method: "GET", url: "/nope.js" });
    assert.equal(missing.statusCode, 404);
    assert.equal(json(missing).code, "NOT_FOUND");
    // With web: false the API is served alone.
    const off = await bare.inject({ method: "GET", url: "/" });
    assert.equal(off.statusCode, 404);
    assert.equal(json(off).code, "NOT_FOUND");
  });

  test("the trace route: operator keys only, each failure with its code", async () => {
    const url = (id: string) => `/api/v1/admin/trace?id=${encodeURIComponent(id)}`;
    const asUser = await signed(h, h.alice, "GET", url("order:12"));
    assert.equal(asUser.statusCode, 403);
    assert.equal(json(asUser).code, "FORBIDDEN");
    const unsigned = await h.app.inject({ method: "GET", url: url("order:12") });
    assert.equal(unsigned.statusCode, 401);
    assert.equal(json(unsigned).code, "AUTH_MISSING");
    const notAnId = await signed(h, h.operator, "GET", url("two words"));
    assert.equal(notAnId.statusCode, 400);
    assert.equal(json(notAnId).code, "VALIDATION");
    assert.match(json(notAnId).msg, /not an id/);
    const unknown = await signed(h, h.operator, "GET", url("order:12"));
    assert.equal(unknown.statusCode, 404);
    assert.equal(json(unknown).code, "NOT_FOUND");
    assert.equal(json(unknown).msg, "no log line or row mentions order:12");
    const bareAnswer = await signed({ ...h, app: bare }, h.operator, "GET", url("order:12"));
    assert.equal(bareAnswer.statusCode, 503);
    assert.equal(json(bareAnswer).code, "UNAVAILABLE");
  });
});
