// A realistic mixed order flow: deposits first, then limit orders around a
// wandering mid price that build a deep book, crossing limits, IOCs, market
// orders, cancels of orders believed live, and a trickle of transfers. Seeded,
// so the same arguments always write the same file.

import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { formatUnits, type Spec } from "../core/mod.ts";
import type { FlowLine } from "./flow.ts";

export interface GenerateOptions {
  commands: number;
  seed: number;
  users?: number;
}

class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 1;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  /** Exponential with the given mean: most values small, a long tail. */
  expo(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }
}

interface Market {
  name: string;
  weight: number;
  mid_ticks: number;
  tick_units: number;
  lot_units: number;
  quote_decimals: number;
  base_decimals: number;
  live: { cid: string; user: number }[];
}

/** "50000.000000" -> "50000", "0.010000" -> "0.01". */
function trim(decimal: string): string {
  return decimal.includes(".") ? decimal.replace(/0+$/, "").replace(/\.$/, "") : decimal;
}

export function* generateFlow(spec: Spec, options: GenerateOptions): Generator<FlowLine> {
  const rng = new Rng(options.seed);
  const users = options.users ?? 1000;
  const first = 1001;
  const markets: Market[] = spec.symbols.map((s, i) => ({
    name: s.name,
    weight: i === 0 ? 0.8 : 0.2 / Math.max(1, spec.symbols.length - 1),
    // Start at a twentieth of the maximum price (50,000 for BTC_USDT by default).
    mid_ticks: Math.floor(s.max_price_ticks / 20),
    tick_units: s.tick_units,
    lot_units: s.lot_units,
    quote_decimals: s.quote.decimals,
    base_decimals: s.base.decimals,
    live: [],
  }));
  const price = (m: Market, ticks: number) =>
    trim(formatUnits(ticks * m.tick_units, m.quote_decimals));
  const qty = (m: Market, lots: number) => trim(formatUnits(lots * m.lot_units, m.base_decimals));

  // Funding: enough for every user to trade all run long.
  let n = 0;
  for (let u = 0; u < users && n < options.commands; u++) {
    for (const a of spec.assets) {
      if (n >= options.commands) break;
      const amount = a.name === "USDT" ? "1000000" : a.name === "BTC" ? "100" : "1000";
      yield {
        op: "deposit",
        user: first + u,
        asset: a.name,
        amount,
        request_id: `fund-${first + u}-${a.name}`,
      };
      n++;
    }
  }

  let cid = 0;
  while (n < options.commands) {
    n++;
    const x = rng.next();
    const m =
      rng.next() < (markets[0]?.weight ?? 1)
        ? (markets[0] as Market)
        : (markets[1 + rng.int(0, markets.length - 2)] as Market);
    const user = first + rng.int(0, users - 1);
    // The mid wanders a tick at a time.
    if (rng.next() < 0.3) m.mid_ticks += rng.next() < 0.5 ? -1 : 1;
    const buy = rng.next() < 0.5;
    const side = buy ? "Buy" : "Sell";
    const lots = 1 + Math.floor(rng.expo(40));
    if (x < 0.5) {
      let p: number;
      if (x < 0.45) {
        // Passive: rests away from the mid on round prices (whole steps of 100
        // ticks), as real books concentrate, so levels grow deep: a few dozen
        // levels a side holding thousands of orders each by the end of a long run.
        const step = 100;
        const base = Math.round(m.mid_ticks / step) * step;
        const away = step * (1 + Math.floor(rng.expo(8)));
        p = buy ? base - away : base + away;
      } else {
        // Aggressive: crosses a little, trades, may rest the remainder.
        p = buy ? m.mid_ticks + rng.int(0, 20) : m.mid_ticks - rng.int(0, 20);
      }
      const c = `c${++cid}`;
      m.live.push({ cid: c, user });
      yield {
        op: "order",
        user,
        symbol: m.name,
        side,
        type: "Limit",
        tif: "GTC",
        price: price(m, p),
        quantity: qty(m, lots),
        cid: c,
      };
    } else if (x < 0.62) {
      const p = buy ? m.mid_ticks + rng.int(0, 50) : m.mid_ticks - rng.int(0, 50);
      yield {
        op: "order",
        user,
        symbol: m.name,
        side,
        type: "Limit",
        tif: "IOC",
        price: price(m, p),
        quantity: qty(m, lots),
      };
    } else if (x < 0.65) {
      yield { op: "order", user, symbol: m.name, side, type: "Market", quantity: qty(m, lots) };
    } else if (x < 0.67) {
      const quote = 10 + rng.int(0, 2000);
      yield {
        op: "order",
        user,
        symbol: m.name,
        side: "Buy",
        type: "Market",
        quote_quantity: String(quote),
      };
    } else if (x < 0.97) {
      if (m.live.length === 0) {
        yield { op: "cancel", user, symbol: m.name, cid: "none" };
        continue;
      }
      const i = rng.int(0, m.live.length - 1);
      const target = m.live[i] as { cid: string; user: number };
      m.live[i] = m.live[m.live.length - 1] as { cid: string; user: number };
      m.live.pop();
      yield { op: "cancel", user: target.user, symbol: m.name, cid: target.cid };
    } else {
      const asset = spec.assets[rng.int(0, spec.assets.length - 1)];
      const name = asset?.name ?? "USDT";
      const amount = name === "USDT" ? String(rng.int(1, 500)) : "0.01";
      const op = rng.next() < 0.6 ? "deposit" : "withdraw";
      yield { op, user, asset: name, amount, request_id: `t${n}` };
    }
  }
}

export async function writeFlow(
  spec: Spec,
  options: GenerateOptions,
  path: string,
): Promise<number> {
  const out = createWriteStream(path);
  let lines = 0;
  let buf = "";
  for (const line of generateFlow(spec, options)) {
    buf += `${JSON.stringify(line)}\n`;
    lines++;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, "drain");
      buf = "";
    }
  }
  out.end(buf);
  await once(out, "finish");
  return lines;
}
