// Market data and user streams end to end, embedded: real WebSocket clients
// on a gateway whose sequencer applies 100,000 random commands. A client
// book kept by the documented resync procedure (the typed client's
// LocalOrderBook) equals REST depth at every checkpoint, across reconnects;
// every trade is on the trade stream exactly once and in both users' streams;
// each user stream carries every status change of its own orders and nothing
// of anyone else's; klines and the 24 h ticker are what the trades imply.

import assert from "node:assert/strict";
import { test } from "node:test";
import { WebSocket } from "ws";
import { LocalOrderBook, MarketStream } from "../../src/client/mod.ts";
import { type Command, type CoreOutput, OrderStatus, type Spec } from "../../src/core/mod.ts";
import {
  bigText,
  foldCandles,
  lotsText,
  priceText,
  qtyText,
  settledTime,
  streamSymbol,
  tickerOf,
} from "../../src/marketdata/mod.ts";
import { CommandStream } from "../support/commands.ts";
import { type MarketExchange, marketExchange } from "../support/market.ts";

const COMMANDS = Number(process.env.BOURSE_MD_COMMANDS ?? 100_000);
const CHECKPOINTS = 10;

async function rest<T>(ex: MarketExchange, path: string): Promise<T> {
  const r = await fetch(`${ex.url}${path}`);
  const body = (await r.json()) as { data: T };
  assert.equal(r.status, 200, `${path}: ${JSON.stringify(body)}`);
  return body.data;
}

/** Resolves once the local book stands at `id`. */
function reach(book: LocalOrderBook, id: number): Promise<void> {
  if (book.update_id >= id) return Promise.resolve();
  return new Promise((resolve) => {
    const prev = book.onupdate;
    book.onupdate = () => {
      prev?.();
      if (book.update_id >= id) {
        book.onupdate = prev;
        resolve();
      }
    };
  });
}

async function sameAsRest(ex: MarketExchange, book: LocalOrderBook, symbol: string): Promise<void> {
  const d = await rest<{
    last_update_id: number;
    bids: { price: string; quantity: string }[];
    asks: { price: string; quantity: string }[];
  }>(ex, `/api/v1/market/depth?symbol=${symbol}&limit=1000`);
  await reach(book, d.last_update_id);
  assert.equal(book.update_id, d.last_update_id, `${symbol}: update id`);
  const top = book.top(1000);
  assert.deepEqual(
    top.bids,
    d.bids.map((l) => [l.price, l.quantity]),
    `${symbol} bids at ${d.last_update_id}`,
  );
  assert.deepEqual(
    top.asks,
    d.asks.map((l) => [l.price, l.quantity]),
    `${symbol} asks at ${d.last_update_id}`,
  );
}

interface UserStreamLog {
  user_id: number;
  events: Record<string, unknown>[];
  ws: WebSocket;
}

async function openUserStream(ex: MarketExchange, user_id: number): Promise<UserStreamLog> {
  const key = ex.streams.listen_keys.create(user_id).listen_key;
  const ws = new WebSocket(`${ex.ws_url}/ws/${key}`);
  const log: UserStreamLog = { user_id, events: [], ws };
  ws.on("message", (d) => log.events.push(JSON.parse(String(d)) as Record<string, unknown>));
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  return log;
}

/** Resolves once the fan-out has written everything (a round trip on every connection). */
async function drained(conns: { ws: WebSocket }[], ms: MarketStream): Promise<void> {
  for (const c of conns) {
    await new Promise<void>((resolve) => {
      c.ws.once("pong", () => resolve());
      c.ws.ping();
    });
  }
  await ms.list();
}

function runCommands(ex: MarketExchange, spec: Spec) {
  const gen = new CommandStream(spec, 42, { users: 6, band_ticks: 30 });
  const submit = async (cmds: Command[]) => {
    const outs = await Promise.all(cmds.map((c) => ex.submit({ ...c, ts_ms: Date.now() })));
    for (const o of outs) gen.observe(o);
    return outs;
  };
  return { gen, submit };
}

test("streams and the local book follow 100,000 random commands, embedded", {
  timeout: 600_000,
}, async () => {
  const ex = await marketExchange();
  const spec = ex.spec;
  try {
    const symbols = spec.symbols.map((s) => s.name);
    const books = symbols.map(
      (symbol) =>
        new LocalOrderBook({
          baseUrl: ex.url,
          symbol,
          webSocket: (u) => new WebSocket(u) as never,
          reconnect_ms: 10,
        }),
    );
    await Promise.all(books.map((b) => b.start()));
    const trade_streams = spec.symbols.map((s) => `${streamSymbol(s.name)}@trade`);
    const kline_stream = `${streamSymbol("BTC_USDT")}@kline_1m`;
    const market = await MarketStream.open(
      { baseUrl: ex.url, webSocket: (u) => new WebSocket(u) as never },
      trade_streams,
    );
    await market.subscribe([kline_stream]);
    assert.deepEqual((await market.list()).sort(), [...trade_streams, kline_stream].sort());
    const trades_seen: {
      stream: string;
      t: number;
      p: string;
      q: string;
      m: boolean;
      T: number;
    }[] = [];
    for (const name of trade_streams) {
      market.on(name, (d) =>
        trades_seen.push({
          stream: name,
          ...(d as { t: number; p: string; q: string; m: boolean; T: number }),
        }),
      );
    }
    const klines_seen: {
      k: {
        t: number;
        o: string;
        h: string;
        l: string;
        c: string;
        v: string;
        q: string;
        n: number;
        x: boolean;
      };
    }[] = [];
    market.on(kline_stream, (d) => klines_seen.push(d as (typeof klines_seen)[number]));

    const { gen, submit } = runCommands(ex, spec);
    const users = [1, 2, 3, 4, 5, 6];
    const userLogs = await Promise.all(users.map((u) => openUserStream(ex, u)));
    await submit(gen.funding());
    let sent = 0;
    for (let cp = 1; cp <= CHECKPOINTS; cp++) {
      const until = Math.floor((COMMANDS * cp) / CHECKPOINTS);
      while (sent < until) {
        const n = Math.min(2000, until - sent);
        const cmds: Command[] = [];
        for (let i = 0; i < n; i++) cmds.push(gen.next());
        // A reconnect in the middle of the flow: the book resyncs while commands apply.
        if (cp % 3 === 0 && sent + n >= until) for (const b of books) b.drop();
        await submit(cmds);
        sent += n;
      }
      for (let i = 0; i < books.length; i++) {
        await sameAsRest(ex, books[i] as LocalOrderBook, symbols[i] as string);
      }
    }
    assert.ok(books.every((b) => b.resyncs >= 0));
    await drained(userLogs, market);

    // ---- trades: exactly once on the trade stream, in both users' streams ----
    const outputs = ex.outputs;
    const trades = outputs.flatMap((o) => o.trades.map((t) => ({ t, o })));
    assert.ok(trades.length > 1000, `only ${trades.length} trades`);
    assert.equal(trades_seen.length, trades.length, "trade events");
    const byId = new Map(trades.map((x) => [x.t.trade_id, x]));
    const seenIds = new Set<number>();
    for (const e of trades_seen) {
      assert.ok(!seenIds.has(e.t), `trade ${e.t} twice`);
      seenIds.add(e.t);
      const x = byId.get(e.t);
      assert.ok(x !== undefined, `trade ${e.t} unknown`);
      const s = spec.symbolById[x.t.symbol_id];
      assert.ok(s !== undefined);
      assert.equal(e.stream, `${streamSymbol(s.name)}@trade`);
      assert.equal(e.p, priceText(s, x.t.price_ticks));
      assert.equal(e.q, qtyText(s, x.t.qty_lots));
      assert.equal(e.m, x.t.taker_side === 2);
    }

    // ---- user streams: own orders only, every status change, in order ----
    const owner = new Map<number, number>();
    for (const o of outputs) {
      for (const u of o.updates) owner.set(u.order_id, u.user_id);
    }
    const tradeReports = new Map<number, number[]>();
    for (const log of userLogs) {
      const events = log.events;
      for (const [i, e] of events.entries()) assert.equal(e.seq, i + 1, `user ${log.user_id}: seq`);
      const finals = new Map<number, string>();
      const seqs: number[] = [];
      for (const e of events) {
        seqs.push(e.output_seq as number);
        if (e.e !== "executionReport") continue;
        const id = e.i as number;
        assert.equal(
          owner.get(id),
          log.user_id,
          `user ${log.user_id} got order ${id} of another user`,
        );
        finals.set(id, e.X as string);
        if (e.x === "TRADE") {
          const list = tradeReports.get(e.t as number) ?? [];
          list.push(log.user_id);
          tradeReports.set(e.t as number, list);
        }
      }
      for (let i = 1; i < seqs.length; i++) {
        assert.ok((seqs[i] as number) >= (seqs[i - 1] as number), "events in output order");
      }
      // The last status each of the user's orders reached, from the outputs.
      const expected = new Map<number, number>();
      for (const o of outputs) {
        for (const u of o.updates) {
          // A trigger is always followed by what the stop then did.
          if (u.user_id === log.user_id && u.status !== OrderStatus.Triggered) {
            expected.set(u.order_id, u.status);
          }
        }
      }
      const names: Record<number, string[]> = {
        [OrderStatus.New]: ["NEW"],
        [OrderStatus.PartiallyFilled]: ["PARTIALLY_FILLED"],
        [OrderStatus.Filled]: ["FILLED"],
        [OrderStatus.Cancelled]: ["CANCELED"],
        [OrderStatus.Rejected]: ["REJECTED"],
        [OrderStatus.Expired]: ["EXPIRED", "EXPIRED_IN_MATCH"],
        [OrderStatus.Untriggered]: ["NEW"],
      };
      assert.equal(finals.size, expected.size, `user ${log.user_id}: orders reported`);
      for (const [id, status] of expected) {
        assert.ok(
          (names[status] ?? []).includes(finals.get(id) ?? ""),
          `order ${id}: last report ${finals.get(id)}, last status ${status}`,
        );
      }
      // Balances after the user's last change, as the last account position says.
      const last = new Map<string, [string, string]>();
      for (const e of events) {
        if (e.e !== "outboundAccountPosition") continue;
        for (const b of e.B as { a: string; f: string; l: string }[]) last.set(b.a, [b.f, b.l]);
      }
      for (const a of spec.assets) {
        const b = ex.sequencer.core.ubs.balance(log.user_id, a.id);
        const got = last.get(a.name);
        if (got === undefined) continue;
        assert.deepEqual(got, [bigText(b.avail, a.decimals), bigText(b.frozen, a.decimals)]);
      }
    }
    for (const x of trades) {
      const who = (tradeReports.get(x.t.trade_id) ?? []).sort();
      assert.deepEqual(
        who,
        [x.t.maker_user_id, x.t.taker_user_id].sort(),
        `trade ${x.t.trade_id} in both users' streams`,
      );
    }

    // ---- klines and the 24 h ticker: what the trades imply ----
    const btc = spec.symbols.find((s) => s.name === "BTC_USDT");
    assert.ok(btc !== undefined);
    let clock = 0;
    const timed: { t: CoreOutput["trades"][number]; at_ms: number }[] = [];
    for (const o of outputs) {
      clock = settledTime(clock, o.input.ts_ms);
      if (o.symbol_id === btc.id) for (const t of o.trades) timed.push({ t, at_ms: clock });
    }
    const candles = foldCandles(timed, 60_000);
    const lastKline = new Map<number, (typeof klines_seen)[number]["k"]>();
    for (const k of klines_seen) lastKline.set(k.k.t, k.k);
    for (const c of candles) {
      const k = lastKline.get(c.open_time_ms);
      assert.ok(k !== undefined, `kline ${c.open_time_ms} streamed`);
      assert.deepEqual(
        [k.o, k.h, k.l, k.c, k.v, k.q, k.n],
        [
          priceText(btc, c.open_ticks),
          priceText(btc, c.high_ticks),
          priceText(btc, c.low_ticks),
          priceText(btc, c.close_ticks),
          lotsText(btc, c.volume_lots),
          bigText(c.quote_units, btc.quote.decimals),
          c.trade_count,
        ],
      );
    }
    const lastTrade = timed[timed.length - 1];
    const expectTicker = tickerOf(candles, Date.now(), lastTrade?.t.qty_lots ?? 0);
    const t = await rest<{
      open: string;
      high: string;
      low: string;
      last: string;
      volume: string;
      trade_count: number;
    } | null>(ex, "/api/v1/market/ticker_24h?symbol=BTC_USDT");
    assert.ok(t !== null && expectTicker !== null);
    assert.deepEqual(
      [t.open, t.high, t.low, t.last, t.volume, t.trade_count],
      [
        priceText(btc, expectTicker.open_ticks),
        priceText(btc, expectTicker.high_ticks),
        priceText(btc, expectTicker.low_ticks),
        priceText(btc, expectTicker.last_ticks),
        lotsText(btc, expectTicker.volume_lots),
        expectTicker.trade_count,
      ],
    );

    for (const b of books) b.stop();
    market.close();
    for (const l of userLogs) l.ws.close();
  } finally {
    await ex.close();
  }
});
