// `bourse bench fanout`: market data fan-out while orders flow. The same
// generated order flow runs twice through the embedded exchange (durable
// sequencer with market data as a core stage, the gateway's app and streams
// listening on a local port): once with no subscriber, once with N
// subscribers (a child process) on the depth and trade streams of the busiest
// symbol. It reports both order throughputs and their ratio, whether every
// update reached every subscriber, and the latency from the gateway's release
// of an event (its E) to its receipt, in the same run.

import { fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import type { Command, Spec } from "../core/mod.ts";
import { buildGatewayApp, KeyStore, PipelineBackend } from "../gateway/mod.ts";
import { createStreams } from "../gateway/ws/mod.ts";
import { MarketHub, marketDataStage, streamSymbol } from "../marketdata/mod.ts";
import { LocalIntake, openDurableSequencer } from "../pipeline/mod.ts";
import { openSqliteStore } from "../store/mod.ts";
import { toCommand } from "./flow.ts";
import { generateFlow } from "./generate.ts";

export interface FanoutOptions {
  spec: Spec;
  orders: number;
  subscribers: number;
  window: number;
  /** Open loop at this rate instead of closed loop (null). */
  orders_per_s: number | null;
  sync: "batch" | "none";
  flush_interval_ms: number;
}

export interface FanoutRun {
  subscribers: number;
  orders: number;
  trades: number;
  seconds: number;
  orders_per_s: number;
  /** The exchange's event loop delay (ms): large when the fan-out competes with the sequencer. */
  server_loop_delay_ms: { p50: number; p99: number };
  delivery?: {
    messages: number;
    depth_gaps: number;
    trade_gaps: number;
    closed_early: number;
    connections_complete: number;
    latency_ms: { p50: number; p99: number; max: number };
  };
}

function flowCommands(spec: Spec, n: number): Command[] {
  const out: Command[] = [];
  const ts = Date.now();
  for (const line of generateFlow(spec, { commands: n, seed: 1, users: 200 })) {
    try {
      out.push(toCommand(spec, line, ts));
    } catch {
      // A line the gateway would refuse never reaches the sequencer.
    }
  }
  return out;
}

async function run(o: FanoutOptions, subscribers: number): Promise<FanoutRun> {
  const dir = mkdtempSync(join(tmpdir(), "bourse-fanout-"));
  const spec = o.spec;
  const hub = new MarketHub(spec);
  const { journal, sequencer } = await openDurableSequencer({
    dir: join(dir, "sequencer"),
    spec,
    sync: o.sync,
    snapshot_every_outputs: 0,
    stages: [marketDataStage(hub)],
  });
  const store = openSqliteStore(join(dir, "db"), { symbols: spec.symbols });
  await store.migrate();
  const backend = new PipelineBackend({
    spec,
    intake: new LocalIntake(spec, sequencer),
    store,
    settled: { committedSeq: () => Number.MAX_SAFE_INTEGER, waitFor: async () => true },
  });
  const streams = createStreams({
    hub,
    limits: {
      max_connections_per_address: subscribers + 10,
      flush_interval_ms: o.flush_interval_ms,
      max_buffer_bytes: 64 * 1024 * 1024,
    },
  });
  const app = buildGatewayApp({
    backend,
    spec,
    keys: KeyStore.open(dir),
    options: { rate_limit: null, public_rate_limit: null, docs: false },
    streams,
  });
  await app.listen({ port: 0, host: "127.0.0.1" });
  const addr = app.server.address();
  const port = typeof addr === "object" && addr !== null ? addr.port : 0;
  const symbol = spec.symbols[0];
  if (symbol === undefined) throw new Error("no symbol");
  let child: ReturnType<typeof fork> | null = null;
  if (subscribers > 0) {
    child = fork(new URL("./fanout-client.ts", import.meta.url).pathname, [], {
      execArgv: ["--import", "tsx"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const ready = new Promise((resolve) => child?.once("message", resolve));
    child.send({
      url: `ws://127.0.0.1:${port}`,
      connections: subscribers,
      stream_symbol: streamSymbol(symbol.name),
    });
    await ready;
  }
  const cmds = flowCommands(spec, o.orders);
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  let trades = 0;
  let last_trade = 0;
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < cmds.length) {
      const cmd = cmds[next++] as Command;
      const out = await sequencer.submit(cmd);
      for (const t of out.trades) {
        trades++;
        if (t.symbol_id === symbol.id && t.trade_id > last_trade) last_trade = t.trade_id;
      }
    }
  };
  if (o.orders_per_s === null) {
    await Promise.all(Array.from({ length: o.window }, worker));
  } else {
    // Open loop: every order is sent when it is due, whatever the answers do.
    const rate = o.orders_per_s;
    const pending: Promise<void>[] = [];
    while (next < cmds.length) {
      const due = Math.floor(((performance.now() - t0) / 1000) * rate);
      while (next < cmds.length && next <= due) {
        const cmd = cmds[next++] as Command;
        pending.push(
          sequencer.submit(cmd).then((out) => {
            for (const t of out.trades) {
              trades++;
              if (t.symbol_id === symbol.id && t.trade_id > last_trade) last_trade = t.trade_id;
            }
          }),
        );
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    await Promise.all(pending);
  }
  const seconds = (performance.now() - t0) / 1000;
  loop.disable();
  const result: FanoutRun = {
    subscribers,
    orders: cmds.length,
    trades,
    seconds: Math.round(seconds * 1000) / 1000,
    orders_per_s: Math.round(cmds.length / seconds),
    server_loop_delay_ms: {
      p50: Math.round(loop.percentile(50) / 1e4) / 100,
      p99: Math.round(loop.percentile(99) / 1e4) / 100,
    },
  };
  if (child !== null) {
    type Delivery = NonNullable<FanoutRun["delivery"]>;
    const done = new Promise<Delivery>((resolve) =>
      child?.once("message", (m) => resolve(m as Delivery)),
    );
    child.send({ last_u: sequencer.core.me.book(symbol.id)?.output_seq ?? 0, last_trade });
    result.delivery = await done;
  }
  streams.stop();
  await app.close();
  await sequencer.stop();
  await journal.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return result;
}

export async function benchFanout(o: FanoutOptions): Promise<FanoutRun[]> {
  const without = await run(o, 0);
  const with_subs = await run(o, o.subscribers);
  return [without, with_subs];
}
