// Market data distributed, over a real NATS JetStream (unique prefix): the
// sequencer service publishes depth diffs on `market.data` and answers
// resync requests; a gateway keeps its L2 books from them by the client's
// procedure and derives trades and user events from the outputs it follows.
// Real WebSocket clients: local books equal REST depth through random
// commands, reconnects and a sequencer restart (which republishes diffs the
// gateway already holds); trades arrive once; user streams stay private.

import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { WebSocket } from "ws";
import { LocalOrderBook, MarketStream } from "../../src/client/mod.ts";
import { type Command, type CoreOutput, loadSpec } from "../../src/core/mod.ts";
import { buildGatewayApp, KeyStore } from "../../src/gateway/mod.ts";
import { PipelineBackend } from "../../src/gateway/pipeline-backend.ts";
import { createStreams } from "../../src/gateway/ws/mod.ts";
import {
  bookSnapshotOf,
  MarketDataPublisher,
  MarketFollower,
  MarketHub,
  streamSymbol,
} from "../../src/marketdata/mod.ts";
import { LogIntake, SequencerService } from "../../src/pipeline/mod.ts";
import { openSqliteStore } from "../../src/store/mod.ts";
import { connectNats } from "../../src/transport/mod.ts";
import { CommandStream } from "../support/commands.ts";
import { NATS_URL, uniqueName } from "../support/gates.ts";

const COMMANDS = Number(process.env.BOURSE_MD_DIST_COMMANDS ?? 20_000);
const nats = process.env.BOURSE_TEST_NATS === "1";
const gate =
  !nats && process.env.CI !== "true"
    ? { skip: `NATS JetStream is not reachable (${NATS_URL})` }
    : {};

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

test("distributed: a gateway keeps its books from market.data and streams them", {
  ...gate,
  timeout: 600_000,
}, async () => {
  const spec = loadSpec();
  const prefix = uniqueName("md").replaceAll("_", "-");
  const dir = mkdtempSync(join(tmpdir(), "bourse-md-dist-"));
  const seqT = await connectNats({ servers: [NATS_URL], prefix, name: "md-sequencer" });
  const gwT = await connectNats({ servers: [NATS_URL], prefix, name: "md-gateway" });
  const outputs: CoreOutput[] = [];
  let pub: MarketDataPublisher | null = null;
  const failures: unknown[] = [];
  await MarketDataPublisher.prepare(seqT.log);
  const svcOpts = {
    spec,
    log: seqT.log,
    rpc: seqT.rpc,
    dir: join(dir, "sequencer"),
    snapshot_every_outputs: 4000,
    // Checkpoints compare books at rest: no dead-man's switch may fire a Tick
    // between the last answer and the comparison.
    now_ms: () => 0,
    on_failure: (err: unknown) => failures.push(err),
    stages: [
      MarketDataPublisher.stage(
        seqT.log,
        seqT.rpc,
        (err) => failures.push(err),
        (p) => {
          pub = p;
        },
      ),
    ],
  };
  const startSequencer = async () => {
    const svc = await SequencerService.start(svcOpts);
    svc.sequencer.addSink({
      name: "test.outputs",
      deliver: (_b, outs) => {
        for (const o of outs)
          if (o.output_seq > (outputs[outputs.length - 1]?.output_seq ?? 0)) outputs.push(o);
      },
      backlog: () => 0,
    });
    return svc;
  };
  let svc = await startSequencer();

  let follower: MarketFollower | null = null;
  const hub = new MarketHub(spec, { on_gap: (id) => follower?.onGap(id) });
  follower = new MarketFollower({
    spec,
    log: gwT.log,
    rpc: gwT.rpc,
    hub,
    name: `market.${uniqueName("gw")}`,
  });
  const intake = new LogIntake({ spec, log: gwT.log, rpc: gwT.rpc, sinks: [follower.outputs()] });
  await intake.start();
  await follower.start();
  assert.ok(follower.ready());
  const store = openSqliteStore(join(dir, "gw.db"), { symbols: spec.symbols });
  await store.migrate();
  const backend = new PipelineBackend({
    spec,
    intake,
    store,
    settled: { committedSeq: () => Number.MAX_SAFE_INTEGER, waitFor: async () => true },
  });
  const streams = createStreams({ hub });
  const app = buildGatewayApp({
    backend,
    spec,
    keys: KeyStore.open(dir),
    options: { rate_limit: null, public_rate_limit: null, docs: false },
    streams,
  });
  await app.listen({ port: 0, host: "127.0.0.1" });
  const addr = app.server.address();
  const url = `http://127.0.0.1:${typeof addr === "object" && addr !== null ? addr.port : 0}`;
  const make = (u: string) => new WebSocket(u) as never;
  try {
    const books = spec.symbols.map(
      (s) =>
        new LocalOrderBook({ baseUrl: url, symbol: s.name, webSocket: make, reconnect_ms: 10 }),
    );
    await Promise.all(books.map((b) => b.start()));
    const trade_streams = spec.symbols.map((s) => `${streamSymbol(s.name)}@trade`);
    const market = await MarketStream.open({ baseUrl: url, webSocket: make }, trade_streams);
    const seen: number[] = [];
    for (const n of trade_streams) market.on(n, (d) => seen.push((d as { t: number }).t));
    const userEvents = new Map<number, { i?: number; e: string }[]>();
    const userWs: WebSocket[] = [];
    for (const u of [1, 2, 3]) {
      const key = streams.listen_keys.create(u).listen_key;
      const ws = new WebSocket(`${url.replace("http", "ws")}/ws/${key}`);
      const list: { i?: number; e: string }[] = [];
      userEvents.set(u, list);
      ws.on("message", (d) => list.push(JSON.parse(String(d)) as { i?: number; e: string }));
      await new Promise<void>((resolve, reject) => {
        ws.once("open", () => resolve());
        ws.once("error", reject);
      });
      userWs.push(ws);
    }

    const gen = new CommandStream(spec, 7, { users: 6, band_ticks: 30 });
    const submit = async (cmds: Command[]) => {
      const outs = await Promise.all(cmds.map((c) => intake.submit({ ...c, ts_ms: Date.now() })));
      for (const o of outs) gen.observe(o);
    };
    await submit(gen.funding());
    let sent = 0;
    for (let cp = 1; cp <= 4; cp++) {
      const until = Math.floor((COMMANDS * cp) / 4);
      while (sent < until) {
        const n = Math.min(1000, until - sent);
        const cmds: Command[] = [];
        for (let i = 0; i < n; i++) cmds.push(gen.next());
        await submit(cmds);
        sent += n;
      }
      if (cp === 1) for (const b of books) b.drop();
      if (cp === 2) {
        // A sequencer restart: it replays from its snapshot and publishes diffs again.
        await (pub as MarketDataPublisher | null)?.stop();
        await svc.stop();
        svc = await startSequencer();
      }
      for (let i = 0; i < books.length; i++) {
        const s = spec.symbols[i];
        const book = books[i];
        assert.ok(s !== undefined && book !== undefined);
        const r = await fetch(`${url}/api/v1/market/depth?symbol=${s.name}&limit=1000`);
        const d = (
          (await r.json()) as {
            data: {
              last_update_id: number;
              bids: { price: string; quantity: string }[];
              asks: { price: string; quantity: string }[];
            };
          }
        ).data;
        await reach(book, d.last_update_id);
        const top = book.top(1000);
        assert.deepEqual(
          top.bids,
          d.bids.map((l) => [l.price, l.quantity]),
          `${s.name} bids`,
        );
        assert.deepEqual(
          top.asks,
          d.asks.map((l) => [l.price, l.quantity]),
          `${s.name} asks`,
        );
      }
    }
    // After the last answer the gateway's books are the sequencer's, level by level.
    for (let i = 0; i < books.length; i++) {
      const s = spec.symbols[i];
      assert.ok(s !== undefined);
      const truth = bookSnapshotOf(svc.sequencer.core, s.id);
      await reach(books[i] as LocalOrderBook, truth.last_update_id);
      const mine = hub.book(s.id)?.snapshot();
      assert.deepEqual(mine, truth, `${s.name}: the gateway's book is the sequencer's`);
    }
    await market.list();
    for (const ws of userWs) {
      await new Promise<void>((resolve) => {
        ws.once("pong", () => resolve());
        ws.ping();
      });
    }
    assert.deepEqual(failures, []);
    const trades = outputs.flatMap((o) => o.trades.map((t) => t.trade_id));
    assert.ok(trades.length > 100);
    assert.deepEqual(
      [...seen].sort((a, b) => a - b),
      [...trades].sort((a, b) => a - b),
    );
    const owner = new Map<number, number>();
    for (const o of outputs) for (const u of o.updates) owner.set(u.order_id, u.user_id);
    for (const [user, list] of userEvents) {
      const reports = list.filter((e) => e.e === "executionReport");
      assert.ok(reports.length > 0, `user ${user} saw no report`);
      for (const e of reports)
        assert.equal(owner.get(e.i as number), user, `user ${user}: order ${e.i}`);
    }
    for (const b of books) b.stop();
    market.close();
    for (const ws of userWs) ws.close();
  } finally {
    streams.stop();
    await app.close();
    await follower.stop();
    await intake.stop();
    await (pub as MarketDataPublisher | null)?.stop();
    await svc.stop();
    await store.close();
    await gwT.close();
    await seqT.close();
  }
});
