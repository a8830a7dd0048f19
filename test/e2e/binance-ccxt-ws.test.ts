// ccxt's WebSocket methods (ccxt.pro's binance) against `bourse start`, over
// Bourse's streams: watchOrderBook keeps a book equal to REST depth through
// placements, fills and cancels; watchTrades sees each trade once with its
// exact price and amount; watchOrders follows a user's own orders through
// the WebSocket API's user data subscription (/ws-api/v3), to the fill.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type ccxt from "ccxt";
import { ccxtBinancePro } from "../support/binance-clients.ts";
import { clientFor, createKey, type Running, startExchange } from "../support/exchange-process.ts";

const MAKER = 4001;
const TAKER = 4002;

type Pro = InstanceType<typeof ccxt.pro.binance>;
type Book = Awaited<ReturnType<Pro["watchOrderBook"]>>;
interface WsLike {
  readyState: number;
  send(data: string): void;
  on(event: "message", f: (data: unknown) => void): void;
  off(event: "message", f: (data: unknown) => void): void;
}

describe("ccxt.pro binance against bourse start", () => {
  const dir = mkdtempSync(join(tmpdir(), "bourse-ccxtws-"));
  let ex: Running;
  let maker: Pro;
  let taker: Pro;
  let watcher: Pro;

  before(async () => {
    ex = await startExchange(dir);
    const op = clientFor(ex.url, createKey(dir, "operator"));
    await op.transferIn({ request_id: "cw-1", user_id: MAKER, asset: "BTC", amount: "5" });
    await op.transferIn({ request_id: "cw-2", user_id: TAKER, asset: "USDT", amount: "500000" });
    maker = ccxtBinancePro(ex.url, createKey(dir, { user: MAKER }));
    taker = ccxtBinancePro(ex.url, createKey(dir, { user: TAKER }));
    watcher = ccxtBinancePro(ex.url);
    // ccxt needs an http agent for plain ws:// URLs (a local gateway has no TLS).
    for (const c of [maker, taker, watcher]) await c.loadHttpProxyAgent();
    await Promise.all([maker.loadMarkets(), taker.loadMarkets(), watcher.loadMarkets()]);
  });

  after(async () => {
    await Promise.all([maker?.close(), taker?.close(), watcher?.close()]);
    await ex?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * ccxt sends SUBSCRIBE without a way to await its answer; a trade made
   * before the gateway has it would be missed. Ask the gateway, on ccxt's own
   * connections, until one lists the stream (another process's state: a
   * deadline, not an event).
   */
  async function streamLive(c: Pro, stream: string): Promise<void> {
    const deadline = Date.now() + 10_000;
    let id = 9_000_000;
    while (Date.now() < deadline) {
      for (const client of Object.values(c.clients) as { connection?: WsLike }[]) {
        const conn = client.connection;
        if (conn === undefined || conn.readyState !== 1) continue;
        const ask = ++id;
        const listed = await new Promise<string[]>((resolve) => {
          const onMessage = (data: unknown) => {
            const m = JSON.parse(String(data)) as { id?: number; result?: string[] };
            if (m.id !== ask) return;
            conn.off("message", onMessage);
            resolve(m.result ?? []);
          };
          conn.on("message", onMessage);
          conn.send(JSON.stringify({ method: "LIST_SUBSCRIPTIONS", id: ask }));
        });
        if (listed.includes(stream)) return;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.fail(`the gateway never listed ${stream} on ccxt's connections`);
  }

  /**
   * The book ccxt keeps, once it satisfies `ok`. ccxt updates it in place on
   * every diff and resolves a waiting watch; an update that came while no one
   * waited is already in the book, so look before waiting.
   */
  async function bookUntil(ok: (b: Book) => boolean): Promise<Book> {
    for (;;) {
      const kept = watcher.orderbooks["BTC/USDT"] as Book | undefined;
      if (kept !== undefined && ok(kept)) return kept;
      await watcher.watchOrderBook("BTC/USDT");
    }
  }

  async function restDepth(): Promise<{ bids: number[][]; asks: number[][] }> {
    const r = await fetch(`${ex.url}/api/v3/depth?symbol=BTCUSDT&limit=100`);
    const d = (await r.json()) as { bids: string[][]; asks: string[][] };
    const num = (side: string[][]) => side.map(([p, q]) => [Number(p), Number(q)]);
    return { bids: num(d.bids), asks: num(d.asks) };
  }

  test("watchOrderBook keeps the book equal to REST depth", async () => {
    const first = await watcher.watchOrderBook("BTC/USDT");
    assert.deepEqual([first.bids.length, first.asks.length], [0, 0]);
    await maker.createOrder("BTC/USDT", "limit", "sell", 0.5, 45100);
    await maker.createOrder("BTC/USDT", "limit", "sell", 0.25, 45000);
    await maker.createOrder("BTC/USDT", "limit", "sell", 0.125, 45000);
    const b = await bookUntil((x) => x.asks.length === 2 && x.asks[0]?.[1] === 0.375);
    assert.deepEqual(
      Array.from(b.asks, ([p, q]) => [p, q]),
      (await restDepth()).asks,
    );
  });

  test("watchTrades and watchOrders see a fill once, exact", async () => {
    const trades = watcher.watchTrades("BTC/USDT");
    await streamLive(watcher, "btcusdt@trade");
    // ccxt's own subscribe call resolves on the gateway's answer; watchOrders
    // then finds the user data stream subscribed.
    await taker.ensureUserDataStreamWsSubscribeSignature("spot");
    const orders = taker.watchOrders("BTC/USDT");
    const placed = await taker.createOrder("BTC/USDT", "limit", "buy", 0.3, 45000);
    // The buy takes 0.25 from the first order at 45000 and 0.05 from the
    // second: two trades, each seen once, at the maker's price.
    await trades;
    // ccxt hands each watch the new trades only; its cache holds them all.
    const cached = () =>
      (watcher.trades as unknown as Record<string, Awaited<ReturnType<Pro["watchTrades"]>>>)[
        "BTC/USDT"
      ] ?? [];
    while (cached().length < 2) await watcher.watchTrades("BTC/USDT");
    const seen = cached();
    assert.deepEqual(
      Array.from(seen, (t) => [t.price, t.amount, t.side]),
      [
        [45000, 0.25, "buy"],
        [45000, 0.05, "buy"],
      ],
    );
    assert.equal(new Set(seen.map((t) => t.id)).size, 2);
    await orders;
    const filled = () =>
      (taker.orders as { id: string; status: string }[] | undefined)?.find(
        (o) => o.id === placed.id && o.status === "closed",
      );
    while (filled() === undefined) await taker.watchOrders("BTC/USDT");
    const o = (taker.orders as Awaited<ReturnType<Pro["watchOrders"]>>).find(
      (x) => x.id === placed.id && x.status === "closed",
    );
    assert.equal(o?.filled, 0.3);
    assert.equal(o?.price, 45000);
    assert.equal(o?.cost, 13500);
    const b = await bookUntil((x) => x.asks[0]?.[0] === 45000 && x.asks[0]?.[1] === 0.075);
    assert.deepEqual(
      Array.from(b.asks, ([p, q]) => [p, q]),
      (await restDepth()).asks,
    );
  });

  test("a cancel empties its level in the watched book", async () => {
    const open = await maker.fetchOpenOrders("BTC/USDT");
    const far = open.find((o) => o.price === 45100);
    assert.ok(far !== undefined);
    await maker.cancelOrder(far.id as string, "BTC/USDT");
    const b = await bookUntil((x) => x.asks.every(([p]) => p !== 45100));
    assert.deepEqual(
      Array.from(b.asks, ([p, q]) => [p, q]),
      (await restDepth()).asks,
    );
  });
});
