// A realistic mixed order flow: deposits first, then limit orders around a
// wandering mid price that build a deep book, crossing limits, IOCs, market
// orders, cancels of orders believed live, and a trickle of transfers. Seeded,
// so the same arguments always write the same file.
//
// The "trading" mix adds every later command kind on top of that flow, in
// shares a venue with active market makers might see: stop and take-profit
// orders of all four types around the mid (which the wandering mid sets
// off, some in cascades), OCOs, amends and cancel-replaces of live orders,
// the odd cancel-all; and market makers that keep a dead-man's switch armed,
// re-arming it every 1,000 lines (sometimes they miss one and it fires),
// with the sequencer's tick every 100 lines. The classic mix draws exactly
// the same numbers as before the trading mix existed: its files are
// unchanged, byte for byte.

import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { formatUnits, type Spec } from "../core/mod.ts";
import type { FlowLine } from "./flow.ts";

export type Mix = "classic" | "trading";
export const MIXES: readonly Mix[] = ["classic", "trading"];

export interface GenerateOptions {
  commands: number;
  seed: number;
  users?: number;
  /** classic (the default): limit, market, cancel and transfers; trading: every command kind. */
  mix?: Mix;
}

/** How the trading mix spreads its extra lines (fractions of all lines). */
const TRADING = {
  stop: 0.05,
  oco: 0.01,
  amend: 0.05,
  cancel_replace: 0.04,
  cancel_all: 0.0002,
  /** Market makers keeping a dead-man's switch armed. */
  makers: 20,
  refresh_every_lines: 1000,
  timeout_ms: 30_000,
  /** The chance a market maker misses its turn to re-arm. */
  lapse: 0.05,
  tick_every_lines: 100,
} as const;

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
  max_price_ticks: number;
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
    max_price_ticks: s.max_price_ticks,
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
  const trading = options.mix === "trading";
  const pickMarket = () =>
    rng.next() < (markets[0]?.weight ?? 1)
      ? (markets[0] as Market)
      : (markets[1 + rng.int(0, markets.length - 2)] as Market);
  const clampTicks = (m: Market, t: number) => Math.min(Math.max(t, 1), m.max_price_ticks);
  let since_tick = 0;
  let since_refresh = 0;
  let maker = 0;
  /** One line of the trading mix, or null to go on with the classic flow. */
  const tradingLine = (): FlowLine | null => {
    if (++since_tick >= TRADING.tick_every_lines) {
      since_tick = 0;
      return { op: "tick" };
    }
    if (++since_refresh >= TRADING.refresh_every_lines) {
      since_refresh = 0;
      const user = first + (maker++ % Math.min(TRADING.makers, users));
      if (rng.next() >= TRADING.lapse) {
        return { op: "cancel_all_after", user, timeout_ms: TRADING.timeout_ms };
      }
    }
    let y = rng.next();
    const m = pickMarket();
    const user = first + rng.int(0, users - 1);
    const buy = rng.next() < 0.5;
    const side = buy ? "Buy" : "Sell";
    const lots = 1 + Math.floor(rng.expo(20));
    if ((y -= TRADING.stop) < 0) {
      const r = rng.next();
      const type =
        r < 0.4
          ? "StopLoss"
          : r < 0.7
            ? "StopLossLimit"
            : r < 0.85
              ? "TakeProfit"
              : "TakeProfitLimit";
      const rises = (type === "StopLoss" || type === "StopLossLimit") === buy;
      const away = 20 + Math.floor(rng.expo(100));
      const stop = clampTicks(m, rises ? m.mid_ticks + away : m.mid_ticks - away);
      const limit = type === "StopLossLimit" || type === "TakeProfitLimit";
      return {
        op: "order",
        user,
        symbol: m.name,
        side,
        type,
        tif: limit ? "GTC" : "IOC",
        stop_price: price(m, stop),
        ...(limit ? { price: price(m, clampTicks(m, buy ? stop + 5 : stop - 5)) } : {}),
        quantity: qty(m, lots),
      };
    }
    if ((y -= TRADING.oco) < 0) {
      const away = 50 + Math.floor(rng.expo(100));
      const limitStop = rng.next() < 0.5;
      const stop = clampTicks(m, buy ? m.mid_ticks + away : m.mid_ticks - away);
      return {
        op: "oco",
        user,
        symbol: m.name,
        side,
        quantity: qty(m, lots),
        price: price(m, clampTicks(m, buy ? m.mid_ticks - away : m.mid_ticks + away)),
        cid: `o${++cid}`,
        stop_type: limitStop ? "StopLossLimit" : "StopLoss",
        stop_price: price(m, stop),
        ...(limitStop
          ? { stop_limit_price: price(m, clampTicks(m, buy ? stop + 5 : stop - 5)) }
          : {}),
      };
    }
    if ((y -= TRADING.amend) < 0) {
      if (m.live.length === 0) return null;
      const target = m.live[rng.int(0, m.live.length - 1)] as { cid: string; user: number };
      if (rng.next() < 0.6) {
        return {
          op: "amend",
          user: target.user,
          symbol: m.name,
          cid: target.cid,
          quantity: qty(m, lots),
        };
      }
      const step = 100;
      const base = Math.round(m.mid_ticks / step) * step;
      const away = step * (1 + Math.floor(rng.expo(8)));
      return {
        op: "amend",
        user: target.user,
        symbol: m.name,
        cid: target.cid,
        price: price(m, clampTicks(m, buy ? base - away : base + away)),
      };
    }
    if ((y -= TRADING.cancel_replace) < 0) {
      if (m.live.length === 0) return null;
      const i = rng.int(0, m.live.length - 1);
      const target = m.live[i] as { cid: string; user: number };
      m.live[i] = m.live[m.live.length - 1] as { cid: string; user: number };
      m.live.pop();
      const c = `c${++cid}`;
      m.live.push({ cid: c, user: target.user });
      const step = 100;
      const base = Math.round(m.mid_ticks / step) * step;
      const away = step * (1 + Math.floor(rng.expo(8)));
      return {
        op: "cancel_replace",
        user: target.user,
        symbol: m.name,
        cancel: { cid: target.cid },
        mode: rng.next() < 0.8 ? "StopOnFailure" : "AllowFailure",
        order: {
          side,
          type: "Limit",
          tif: "GTC",
          price: price(m, clampTicks(m, buy ? base - away : base + away)),
          quantity: qty(m, lots),
          cid: c,
        },
      };
    }
    if ((y -= TRADING.cancel_all) < 0) {
      return { op: "cancel_all", user, symbol: m.name };
    }
    return null;
  };

  while (n < options.commands) {
    n++;
    if (trading) {
      const line = tradingLine();
      if (line !== null) {
        yield line;
        continue;
      }
    }
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
