// Settlement under a sustained load: engine and balance outputs made by the
// real UBSCore and matching engine beforehand, published into the embedded
// event log at a fixed trade rate, consumed by the settlement service into
// SQLite. Reports rows per second and the lag from an output's scheduled
// publication to its rows committing.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Command, CommandKind, MatchingEngine, type Spec, UbsCore } from "../core/mod.ts";
import { SettlementService } from "../settlement/service.ts";
import { openSqliteStore } from "../store/mod.ts";
import { LocalLog, Topic } from "../transport/mod.ts";

export interface SettlementBenchResult {
  mode: "settlement";
  trades_per_s_target: number;
  seconds: number;
  trades: number;
  outputs: number;
  rows: number;
  rows_per_s: number;
  lag_ms: { p50: number; p99: number; max: number };
}

interface Scheduled {
  topic: string;
  id: string;
  bytes: Buffer;
  /** Milliseconds after the start at which it is published. */
  at_ms: number;
}

const BASE_TS = 1_000_000_000_000;

/** Deposits, then maker/taker pairs that trade once each, as published messages. */
function produce(spec: Spec, trades: number, rate: number): { msgs: Scheduled[]; trades: number } {
  const s = spec.symbols[0];
  if (s === undefined) throw new Error("no symbol configured");
  const ubs = new UbsCore(spec);
  const me = new MatchingEngine(spec);
  const msgs: Scheduled[] = [];
  let bo = 0;
  const push = (topic: string, id: string, bytes: Buffer, at_ms: number) =>
    msgs.push({ topic, id, bytes: Buffer.from(bytes), at_ms });
  const apply = (cmd: Command, at_ms: number) => {
    const step = ubs.apply(cmd);
    push(Topic.BalanceEvents, `bo:${++bo}`, ubs.lastEncoded(), at_ms);
    if (step.forward === null) return 0;
    const eo = me.apply(step.forward);
    push(Topic.engineOutputs(s.name), `eo:${eo.output_seq}`, me.lastEncoded(), at_ms);
    ubs.applyEngineOutput(eo);
    push(Topic.BalanceEvents, `bo:${++bo}`, ubs.lastEncoded(), at_ms);
    return eo.trades.length;
  };
  const users = 200;
  for (let u = 1; u <= users; u++) {
    for (const a of [s.base, s.quote]) {
      apply(
        {
          kind: CommandKind.Deposit,
          request_id: `f${u}-${a.id}`,
          user_id: u,
          asset_id: a.id,
          amount_units: 10 ** (a.decimals + 4),
          ts_ms: BASE_TS,
          corr: "",
        },
        0,
      );
    }
  }
  const price = Math.floor(s.max_price_ticks / 20);
  let made = 0;
  for (let i = 0; made < trades; i++) {
    if (i > 4 * trades + 1000) throw new Error("the generated orders do not trade");
    const at_ms = (made * 1000) / rate;
    const ts_ms = BASE_TS + Math.floor(at_ms);
    const maker = 1 + (i % users);
    const taker = 1 + ((i + 1) % users);
    const base = {
      kind: CommandKind.Place,
      symbol_id: s.id,
      order_type: 1,
      tif: 1,
      post_only: false,
      stp: 2,
      price_ticks: price,
      qty_lots: 10,
      quote_units: 0,
      stop_price_ticks: 0,
      cid: "",
      ts_ms,
      corr: "",
    } as const;
    apply({ ...base, user_id: maker, side: 2 }, at_ms);
    made += apply({ ...base, user_id: taker, side: 1 }, at_ms);
  }
  return { msgs, trades: made };
}

export async function benchSettlement(
  spec: Spec,
  trades_per_s: number,
  seconds: number,
): Promise<SettlementBenchResult> {
  const { msgs, trades } = produce(spec, Math.round(trades_per_s * seconds), trades_per_s);
  const dir = mkdtempSync(join(tmpdir(), "bourse-settle-"));
  const log = new LocalLog({ dir: join(dir, "log"), sync: "batch" });
  const store = openSqliteStore(join(dir, "settlement.db"), { symbols: spec.symbols });
  await store.migrate();
  const lags: number[] = [];
  let start = 0;
  let last_output_ms = 0;
  let settledAll: () => void = () => undefined;
  const done = new Promise<void>((r) => {
    settledAll = r;
  });
  const total = msgs.length;
  let committed = 0;
  const settlement = await SettlementService.start({
    spec,
    log,
    store,
    on_commit: (engine, balance, now_ms) => {
      for (const eo of engine) lags.push(now_ms - (start + (eo.input.ts_ms - BASE_TS)));
      committed += engine.length + balance.length;
      last_output_ms = now_ms;
      if (committed >= total) settledAll();
    },
  });
  start = Date.now();
  let next = 0;
  await new Promise<void>((resolve, reject) => {
    const tick = () => {
      const elapsed = Date.now() - start;
      while (next < msgs.length && (msgs[next] as Scheduled).at_ms <= elapsed) {
        const m = msgs[next++] as Scheduled;
        log.publish(m.topic, m.bytes, { id: m.id }).catch(reject);
      }
      if (next < msgs.length) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  await done;
  const wall_s = (last_output_ms - start) / 1000;
  await settlement.stop();
  const rows = settlement.stats.rows;
  await log.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  lags.sort((a, b) => a - b);
  const pct = (p: number) => lags[Math.min(lags.length - 1, Math.floor(p * lags.length))] ?? 0;
  return {
    mode: "settlement",
    trades_per_s_target: trades_per_s,
    seconds: Math.round(wall_s * 100) / 100,
    trades,
    outputs: total,
    rows,
    rows_per_s: Math.round(rows / wall_s),
    lag_ms: { p50: pct(0.5), p99: pct(0.99), max: lags[lags.length - 1] ?? 0 },
  };
}
