// The stream protocol at its edges, with real WebSocket clients: Binance's
// control messages and their errors, refusals of the upgrade with registry
// codes, a slow reader closed with 4000 while the exchange goes on, and the
// listen key routes.

import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { WebSocket } from "ws";
import { type UserEvent, UserStream } from "../../../src/client/mod.ts";
import { sign } from "../../../src/gateway/mod.ts";
import { CloseCode, OUTPUT_SEQ_HEADER } from "../../../src/gateway/ws/mod.ts";
import { bigText } from "../../../src/marketdata/mod.ts";
import { type MarketExchange, marketExchange } from "../../support/market.ts";

function open(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url);
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve(ws));
    ws.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once("error", reject);
  });
}

function nextMessage(ws: WebSocket): Promise<unknown> {
  return new Promise((resolve) => ws.once("message", (d) => resolve(JSON.parse(String(d)))));
}

async function ask(ws: WebSocket, msg: unknown): Promise<unknown> {
  const answer = nextMessage(ws);
  ws.send(typeof msg === "string" ? msg : JSON.stringify(msg));
  return answer;
}

describe("streams", () => {
  let ex: MarketExchange;
  before(async () => {
    ex = await marketExchange({
      limits: {
        max_connections_per_address: 3,
        max_streams_per_connection: 2,
        max_buffer_bytes: 4096,
      },
    });
  });
  after(async () => {
    await ex.close();
  });

  test("SUBSCRIBE, UNSUBSCRIBE, LIST_SUBSCRIPTIONS and Binance's errors", async () => {
    const ws = await open(`${ex.ws_url}/ws`);
    assert.deepEqual(await ask(ws, { method: "SUBSCRIBE", params: ["BTC_USDT@trade"], id: 1 }), {
      result: null,
      id: 1,
    });
    assert.deepEqual(await ask(ws, { method: "LIST_SUBSCRIPTIONS", id: "x" }), {
      result: ["btcusdt@trade"],
      id: "x",
    });
    assert.deepEqual(await ask(ws, "{not json"), {
      error: { code: 3, msg: "Invalid JSON" },
      id: null,
    });
    assert.deepEqual(await ask(ws, { method: "SUBSCRIBE", params: ["nope@trade"], id: 2 }), {
      error: { code: 2, msg: 'Invalid request: unknown symbol in stream "nope@trade"' },
      id: 2,
    });
    assert.deepEqual(
      await ask(ws, { method: "SUBSCRIBE", params: ["btcusdt@depth", "ethusdt@depth"], id: 3 }),
      { error: { code: 2, msg: "Invalid request: at most 2 streams a connection" }, id: 3 },
    );
    assert.deepEqual(await ask(ws, { method: "SUBSCRIBE", params: "btcusdt@depth", id: 4 }), {
      error: { code: 1, msg: "Invalid value type: params must be an array of stream names" },
      id: 4,
    });
    assert.deepEqual(await ask(ws, { method: "SUBSCRIBE", params: [], id: 5, extra: 1 }), {
      error: { code: 0, msg: "Unknown property: extra" },
      id: 5,
    });
    assert.deepEqual(await ask(ws, { method: "UNSUBSCRIBE", params: ["btcusdt@trade"], id: 6 }), {
      result: null,
      id: 6,
    });
    assert.deepEqual(await ask(ws, { method: "LIST_SUBSCRIPTIONS", id: 7 }), { result: [], id: 7 });
    ws.close();
  });

  test("the WebSocket API: a signed user data subscription, wrapped events, Binance's errors", async () => {
    const ws = await open(`${ex.ws_url}/ws-api/v3`);
    const key = ex.userKey(71);
    const signed = (params: Record<string, string>) => {
      const payload = Object.keys(params)
        .sort()
        .map((k) => `${k}=${params[k]}`)
        .join("&");
      return {
        ...params,
        signature: createHmac("sha256", key.secret).update(payload).digest("hex"),
      };
    };
    assert.deepEqual(await ask(ws, { id: 1, method: "ping" }), { id: 1, status: 200, result: {} });
    assert.deepEqual(await ask(ws, { id: 2, method: "order.place", params: {} }), {
      id: 2,
      status: 400,
      error: {
        code: -1020,
        msg: "This operation is not supported: order.place. Served: ping, time, userDataStream.subscribe.signature, userDataStream.unsubscribe.",
      },
    });
    const bad = signed({ apiKey: key.api_key, timestamp: String(Date.now()) });
    bad.signature = `${bad.signature.slice(0, -1)}${bad.signature.endsWith("0") ? "1" : "0"}`;
    const refused = (await ask(ws, {
      id: 3,
      method: "userDataStream.subscribe.signature",
      params: bad,
    })) as { status: number; error: { code: number } };
    assert.deepEqual([refused.status, refused.error.code], [400, -1022]);
    assert.deepEqual(
      await ask(ws, {
        id: "s",
        method: "userDataStream.subscribe.signature",
        params: signed({ apiKey: key.api_key, timestamp: String(Date.now()), recvWindow: "5000" }),
      }),
      { id: "s", status: 200, result: { subscriptionId: 0 } },
    );
    const event = nextMessage(ws);
    await ex.submit({
      kind: 1,
      request_id: "wsapi-1",
      user_id: 71,
      asset_id: 1,
      amount_units: 5,
      ts_ms: Date.now(),
      corr: "",
    });
    const e = (await event) as { subscriptionId: number; event: { e: string } };
    assert.equal(e.subscriptionId, 0);
    assert.equal(e.event.e, "balanceUpdate");
    ws.close();
  });

  test("refused upgrades answer HTTP errors with registry codes", async () => {
    await assert.rejects(open(`${ex.ws_url}/ws/nope@trade`), /HTTP 400/);
    await assert.rejects(
      open(`${ex.ws_url}/stream?streams=btcusdt@trade/btcusdt@depth/ethusdt@depth`),
      /HTTP 400/,
    );
    await assert.rejects(open(`${ex.ws_url}/ws/${"a".repeat(64)}`), /HTTP 400/);
    const held = [
      await open(`${ex.ws_url}/ws`),
      await open(`${ex.ws_url}/ws`),
      await open(`${ex.ws_url}/ws`),
    ];
    await assert.rejects(open(`${ex.ws_url}/ws`), /HTTP 429/);
    for (const w of held) w.close();
    await Promise.all(held.map((w) => new Promise((r) => w.once("close", r))));
    while (ex.streams.connections() > 0) await new Promise((r) => setImmediate(r));
  });

  test("a connection whose unsent bytes pass the limit is closed with 4000; the exchange goes on", async () => {
    // The limit is set below one event, so the first event already passes it
    // (filling the kernel's socket buffers on loopback would take megabytes).
    const small = await marketExchange({ limits: { max_buffer_bytes: 64 } });
    const ws = await open(`${small.ws_url}/ws/btcusdt@depth20`);
    // Stop reading: the socket's buffers fill and the gateway's limit (4 KiB) is passed.
    (ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
    const user = 77;
    await small.submit({
      kind: 1,
      request_id: "fund-77",
      user_id: user,
      asset_id: 2,
      amount_units: 1e12,
      ts_ms: Date.now(),
      corr: "",
    });
    let n = 0;
    while (ws.readyState === WebSocket.OPEN && n < 1000) {
      const batch = [];
      for (let i = 0; i < 100; i++, n++) {
        batch.push(
          small.submit({
            kind: 3,
            user_id: user,
            symbol_id: 1,
            side: 1,
            order_type: 1,
            tif: 1,
            post_only: false,
            stp: 2,
            price_ticks: 100_000 + (n % 500),
            stop_price_ticks: 0,
            qty_lots: 100,
            quote_units: 0,
            cid: "",
            ts_ms: Date.now(),
            corr: "",
          }),
        );
      }
      const outs = await Promise.all(batch);
      assert.ok(
        outs.every((o) => o.reject === 0),
        "the exchange took every order",
      );
      await new Promise((r) => setImmediate(r));
    }
    (ws as unknown as { _socket: { resume(): void } })._socket.resume();
    assert.equal(await closed, CloseCode.SLOW_CONSUMER);
    await small.close();
  });

  test("listen keys: create, keep alive, delete; user reads state their output seq", async () => {
    const key = ex.userKey(501);
    const call = async (method: string, path: string, body = "") => {
      const ts = String(Date.now());
      const r = await fetch(`${ex.url}${path}`, {
        method,
        headers: {
          "x-bourse-apikey": key.api_key,
          "x-bourse-timestamp": ts,
          "x-bourse-signature": sign(key.secret, ts, method, path, Buffer.from(body)),
          ...(body === "" ? {} : { "content-type": "application/json" }),
        },
        ...(body === "" ? {} : { body }),
      });
      return {
        status: r.status,
        headers: r.headers,
        body: (await r.json()) as { data: { listen_key: string } },
      };
    };
    const created = await call("POST", "/api/v1/user/listen_key", "{}");
    assert.equal(created.status, 200);
    const lk = created.body.data.listen_key;
    assert.match(lk, /^[A-Za-z0-9]{64}$/);
    assert.equal((await call("POST", "/api/v1/user/listen_key", "{}")).body.data.listen_key, lk);
    assert.equal((await call("PUT", `/api/v1/user/listen_key?listen_key=${lk}`)).status, 200);
    const ws = await open(`${ex.ws_url}/ws/${lk}`);
    const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
    const expired = nextMessage(ws);
    assert.equal((await call("DELETE", `/api/v1/user/listen_key?listen_key=${lk}`)).status, 200);
    assert.equal(((await expired) as { e: string }).e, "listenKeyExpired");
    assert.equal(await closed, CloseCode.LISTEN_KEY_EXPIRED);
    assert.equal((await call("PUT", `/api/v1/user/listen_key?listen_key=${lk}`)).status, 400);
    const bal = await call("GET", "/api/v1/user/balance");
    assert.match(bal.headers.get(OUTPUT_SEQ_HEADER) ?? "", /^[0-9]+$/);
  });
});

test("a user stream resyncs from REST: buffered events after X-Bourse-Output-Seq complete the balances", async () => {
  const ex = await marketExchange();
  try {
    const user = 42;
    const key = ex.streams.listen_keys.create(user).listen_key;
    const apiKey = ex.userKey(user);
    let n = 0;
    const deposit = () =>
      ex.submit({
        kind: 1,
        request_id: `dep-${++n}`,
        user_id: user,
        asset_id: 1 + (n % 3),
        amount_units: 1000 + n,
        ts_ms: Date.now(),
        corr: "",
      });
    for (let i = 0; i < 20; i++) await deposit();
    // Reconnect: open the stream first (buffering), then read the snapshot.
    const ws = await open(`${ex.ws_url}/ws/${key}`);
    const buffered: { e: string; output_seq: number; B?: { a: string; f: string; l: string }[] }[] =
      [];
    ws.on("message", (d) => buffered.push(JSON.parse(String(d))));
    const flow = Promise.all(Array.from({ length: 50 }, deposit));
    const ts = String(Date.now());
    const path = "/api/v1/user/balance";
    const r = await fetch(`${ex.url}${path}`, {
      headers: {
        "x-bourse-apikey": apiKey.api_key,
        "x-bourse-timestamp": ts,
        "x-bourse-signature": sign(apiKey.secret, ts, "GET", path, Buffer.alloc(0)),
      },
    });
    const S = Number(r.headers.get(OUTPUT_SEQ_HEADER));
    const snapshot = (
      (await r.json()) as { data: { asset: string; avail: string; frozen: string }[] }
    ).data;
    await flow;
    await new Promise<void>((resolve) => {
      ws.once("pong", () => resolve());
      ws.ping();
    });
    const local = new Map(snapshot.map((b) => [b.asset, [b.avail, b.frozen]]));
    for (const e of buffered) {
      if (e.e !== "outboundAccountPosition" || e.output_seq <= S) continue;
      for (const b of e.B ?? []) local.set(b.a, [b.f, b.l]);
    }
    for (const a of ex.spec.assets) {
      const b = ex.sequencer.core.ubs.balance(user, a.id);
      assert.deepEqual(local.get(a.name), [
        bigText(b.avail, a.decimals),
        bigText(b.frozen, a.decimals),
      ]);
    }
    ws.close();
  } finally {
    await ex.close();
  }
});

test("the typed client's user stream numbers its events and names their outputs", async () => {
  const ex = await marketExchange();
  try {
    const key = ex.streams.listen_keys.create(9).listen_key;
    const us = await UserStream.open({
      baseUrl: ex.url,
      listenKey: key,
      webSocket: (u) => new WebSocket(u) as never,
    });
    const gaps: number[] = [];
    us.ongap = (expected) => gaps.push(expected);
    const got: UserEvent[] = [];
    const two = new Promise<void>((resolve) => {
      us.onevent = (e) => {
        got.push(e);
        if (got.length === 2) resolve();
      };
    });
    const out = await ex.submit({
      kind: 1,
      request_id: "d-9",
      user_id: 9,
      asset_id: 2,
      amount_units: 5_000_000,
      ts_ms: Date.now(),
      corr: "",
    });
    await two;
    assert.deepEqual(
      got.map((e) => [e.e, e.seq, e.output_seq]),
      [
        ["balanceUpdate", 1, out.output_seq],
        ["outboundAccountPosition", 2, out.output_seq],
      ],
    );
    assert.equal(got[0]?.d, "5.000000");
    assert.deepEqual(gaps, []);
    us.close();
  } finally {
    await ex.close();
  }
});
