// The gateway over real sockets: a slow, oversized or malformed client is
// answered in the failure envelope and its connection closed, the connection
// limit holds, a gateway that is shutting down says so in the envelope, the
// docs' static files cannot be left by a path, and docs/api.md states the
// defaults the code has.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { afterEach, describe, test } from "node:test";
import { GATEWAY_DEFAULTS, type GatewayOptions } from "../../../src/gateway/mod.ts";
import { type Harness, harness } from "./harness.ts";

let h: Harness | null = null;

afterEach(async () => {
  await h?.close();
  h = null;
});

async function listening(options: GatewayOptions = {}): Promise<{ h: Harness; port: number }> {
  h = await harness(options);
  await h.app.listen({ port: 0, host: "127.0.0.1" });
  const a = h.app.server.address();
  assert.ok(typeof a === "object" && a !== null);
  return { h, port: a.port };
}

interface Exchange {
  socket: Socket;
  /** Everything the server sent until it closed the connection. */
  closed: Promise<string>;
}

function open(port: number): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: "127.0.0.1" });
    let got = "";
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => {
      got += d;
    });
    const closed = new Promise<string>((r) => socket.once("close", () => r(got)));
    socket.once("error", () => undefined);
    socket.once("connect", () => resolve({ socket, closed }));
    socket.once("error", reject);
  });
}

/** Status code and envelope of a raw HTTP response. */
function parse(raw: string): { status: number; body: unknown; headers: string } {
  const [head = "", body = ""] = raw.split("\r\n\r\n", 2);
  const status = Number(head.split(" ", 2)[1]);
  return { status, body: body === "" ? null : JSON.parse(body), headers: head.toLowerCase() };
}

describe("slow and oversized clients", () => {
  test("a trickled body times out with 408 REQUEST_TIMEOUT and the connection closes", async () => {
    const { port } = await listening({ request_timeout_ms: 600, headers_timeout_ms: 300 });
    const c = await open(port);
    c.socket.write(
      "POST /api/v1/order/create HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{",
    );
    // One byte now and then keeps the socket busy but never completes the body.
    const drip = setInterval(() => c.socket.write(" "), 100);
    const raw = await c.closed;
    clearInterval(drip);
    const r = parse(raw);
    assert.equal(r.status, 408);
    assert.deepEqual(r.body, {
      status: 122,
      msg: "the request was not received in time: headers within 300 ms, the whole request within 600 ms",
      code: "REQUEST_TIMEOUT",
    });
  });

  test("headers that never end time out with 408 too", async () => {
    const { port } = await listening({ request_timeout_ms: 600, headers_timeout_ms: 300 });
    const c = await open(port);
    c.socket.write("GET /livez HTTP/1.1\r\nhost: x\r\n");
    const r = parse(await c.closed);
    assert.equal(r.status, 408);
    assert.equal((r.body as { code: string }).code, "REQUEST_TIMEOUT");
  });

  test("a URL longer than the header limit is 431 HEADERS_TOO_LARGE in the envelope", async () => {
    const { port } = await listening();
    const c = await open(port);
    c.socket.write(
      `GET /api/v1/market/depth?symbol=${"A".repeat(20_000)} HTTP/1.1\r\nhost: x\r\n\r\n`,
    );
    const r = parse(await c.closed);
    assert.equal(r.status, 431);
    assert.deepEqual(r.body, {
      status: 123,
      msg: "request line and headers are larger than 16384 bytes (a URL that long is refused too)",
      code: "HEADERS_TOO_LARGE",
    });
  });

  test("bytes that are not HTTP are 400 BAD_REQUEST in the envelope", async () => {
    const { port } = await listening();
    const c = await open(port);
    c.socket.write("HELLO\r\n\r\n");
    const r = parse(await c.closed);
    assert.equal(r.status, 400);
    assert.deepEqual(r.body, { status: 121, msg: "malformed HTTP request", code: "BAD_REQUEST" });
  });

  test("an idle keep-alive connection is closed after the keep-alive timeout", async () => {
    const { port } = await listening({ keep_alive_timeout_ms: 200 });
    const c = await open(port);
    c.socket.write("GET /livez HTTP/1.1\r\nhost: x\r\n\r\n");
    const raw = await c.closed;
    assert.equal(parse(raw).status, 200);
  });

  test("connections beyond the limit are answered 503 TOO_MANY_CONNECTIONS and closed", async () => {
    const { port } = await listening({ max_connections: 2 });
    const a = await open(port);
    const b = await open(port);
    const c = await open(port);
    const r = parse(await c.closed);
    assert.equal(r.status, 503);
    assert.deepEqual(r.body, {
      status: 142,
      msg: "the gateway has 2 open connections, as many as it accepts; retry shortly",
      code: "TOO_MANY_CONNECTIONS",
    });
    // The two within the limit are served.
    for (const x of [a, b]) {
      x.socket.write("GET /livez HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
      assert.equal(parse(await x.closed).status, 200);
    }
    // Once they are gone, a new connection is served again.
    const d = await open(port);
    d.socket.write("GET /livez HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
    assert.equal(parse(await d.closed).status, 200);
  });
});

describe("shutdown and static files", () => {
  test("a request arriving while the gateway shuts down is 503 UNAVAILABLE in the envelope", async () => {
    const { h, port } = await listening();
    // Hold one request in its route: its connection is busy, so the shutdown keeps it open.
    let release = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    let entered = () => {};
    const inRoute = new Promise<void>((r) => {
      entered = r;
    });
    const depth = h.backend.depth.bind(h.backend);
    h.backend.depth = async (symbol_id, limit) => {
      entered();
      await held;
      return depth(symbol_id, limit);
    };
    const c = await open(port);
    c.socket.write("GET /api/v1/market/depth?symbol=BTC_USDT HTTP/1.1\r\nhost: x\r\n\r\n");
    await inRoute;
    const server = h.app.server;
    const stopsListening = new Promise<void>((r) => {
      const close = server.close.bind(server);
      server.close = ((cb?: (err?: Error) => void) => {
        r();
        return close(cb);
      }) as typeof server.close;
    });
    const closing = h.app.close();
    await stopsListening;
    // The next request on that connection arrives once the shutdown has begun.
    c.socket.write("GET /livez HTTP/1.1\r\nhost: x\r\n\r\n");
    release();
    const raw = await c.closed;
    await closing;
    const second = raw.indexOf("HTTP/1.1", 1);
    assert.equal(parse(raw.slice(0, second)).status, 200, "the request under way is answered");
    const r = parse(raw.slice(second));
    assert.equal(r.status, 503);
    assert.deepEqual(r.body, {
      status: 140,
      msg: "the gateway is shutting down; retry on another gateway or once it is back",
      code: "UNAVAILABLE",
    });
    assert.match(r.headers, /connection: close/);
  });

  test("a path leaving /docs/static is 404 NOT_FOUND in the envelope", async () => {
    const { port } = await listening();
    for (const path of [
      "/docs/static/../../package.json",
      "/docs/static/%2e%2e/%2e%2e/package.json",
      "/docs/static/..%5c..%5cpackage.json",
      "/docs/static/a%00b",
      "/docs/static//etc/passwd",
    ]) {
      const c = await open(port);
      c.socket.write(`GET ${path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`);
      const r = parse(await c.closed);
      assert.equal(r.status, 404, path);
      assert.equal((r.body as { code: string }).code, "NOT_FOUND", path);
      assert.equal((r.body as { status: number }).status, 120, path);
    }
  });
});

test("docs/api.md states the gateway's defaults", () => {
  const doc = readFileSync(new URL("../../../docs/api.md", import.meta.url), "utf8");
  const rows = new Map(
    [...doc.matchAll(/^\| `([a-z_]+)` +\| ([^|]+?) +\|/gm)].map((m) => [m[1], m[2]]),
  );
  for (const [name, value] of Object.entries(GATEWAY_DEFAULTS)) {
    const stated = rows.get(name);
    assert.ok(stated !== undefined, `docs/api.md has no row for ${name}`);
    const expected =
      typeof value === "object"
        ? `\`{ rate_per_s: ${value.rate_per_s}, burst: ${value.burst} }\``
        : String(value);
    assert.equal(stated, expected, name);
  }
});
