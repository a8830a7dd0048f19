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

/** The shares above, cumulated: a draw below one of these picks that kind. */
const SHARE_UP_TO = (() => {
  const stop = TRADING.stop;
  const oco = stop + TRADING.oco;
  const amend = oco + TRADING.amend;
  const cancel_replace = amend + TRADING.cancel_replace;
  return { stop, oco, amend, cancel_replace, cancel_all: cancel_replace + TRADING.cancel_all };
})();

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
  const ctx: TradingContext = {
    rng,
    price,
    qty,
    nextCid: () => ++cid,
    since_tick: 0,
    since_refresh: 0,
    maker: 0,
    makers: Math.min(TRADING.makers, users),
    first,
  };
  /** One line of the trading mix, or null to go on with the classic flow. */
  const tradingLine = (): FlowLine | null => {
    const scheduled = scheduledLine(ctx);
    if (scheduled !== undefined) return scheduled;
    const y = rng.next();
    const m = pickMarket();
    const user = first + rng.int(0, users - 1);
    const buy = rng.next() < 0.5;
    const lots = 1 + Math.floor(rng.expo(20));
    if (y < SHARE_UP_TO.stop) return stopLine(ctx, m, user, buy, lots);
    if (y < SHARE_UP_TO.oco) return ocoLine(ctx, m, user, buy, lots);
    if (y < SHARE_UP_TO.amend) return amendLine(ctx, m, buy, lots);
    if (y < SHARE_UP_TO.cancel_replace) return cancelReplaceLine(ctx, m, buy, lots);
    if (y < SHARE_UP_TO.cancel_all) return { op: "cancel_all", user, symbol: m.name };
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

interface TradingContext {
  rng: Rng;
  price: (m: Market, ticks: number) => string;
  qty: (m: Market, lots: number) => string;
  nextCid: () => number;
  since_tick: number;
  since_refresh: number;
  maker: number;
  makers: number;
  first: number;
}

const clampTicks = (m: Market, t: number) => Math.min(Math.max(t, 1), m.max_price_ticks);

/** The sequencer's tick, or a market maker re-arming its switch, when their turn has come. */
function scheduledLine(c: TradingContext): FlowLine | null | undefined {
  if (++c.since_tick >= TRADING.tick_every_lines) {
    c.since_tick = 0;
    return { op: "tick" };
  }
  if (++c.since_refresh >= TRADING.refresh_every_lines) {
    c.since_refresh = 0;
    const user = c.first + (c.maker++ % c.makers);
    if (c.rng.next() >= TRADING.lapse) {
      return { op: "cancel_all_after", user, timeout_ms: TRADING.timeout_ms };
    }
  }
  return undefined;
}

/** A stop of one of the four types, beyond the mid in the direction it waits for. */
function stopLine(
  c: TradingContext,
  m: Market,
  user: number,
  buy: boolean,
  lots: number,
): FlowLine {
  const r = c.rng.next();
  const type =
    r < 0.4 ? "StopLoss" : r < 0.7 ? "StopLossLimit" : r < 0.85 ? "TakeProfit" : "TakeProfitLimit";
  const rises = (type === "StopLoss" || type === "StopLossLimit") === buy;
  const away = 20 + Math.floor(c.rng.expo(100));
  const stop = clampTicks(m, rises ? m.mid_ticks + away : m.mid_ticks - away);
  const limit = type === "StopLossLimit" || type === "TakeProfitLimit";
  return {
    op: "order",
    user,
    symbol: m.name,
    side: buy ? "Buy" : "Sell",
    type,
    tif: limit ? "GTC" : "IOC",
    stop_price: c.price(m, stop),
    ...(limit ? { price: c.price(m, clampTicks(m, buy ? stop + 5 : stop - 5)) } : {}),
    quantity: c.qty(m, lots),
  };
}

/** A take-profit limit leg on the far side of the mid and a stop-loss leg on the near side. */
function ocoLine(c: TradingContext, m: Market, user: number, buy: boolean, lots: number): FlowLine {
  const away = 50 + Math.floor(c.rng.expo(100));
  const limitStop = c.rng.next() < 0.5;
  const stop = clampTicks(m, buy ? m.mid_ticks + away : m.mid_ticks - away);
  return {
    op: "oco",
    user,
    symbol: m.name,
    side: buy ? "Buy" : "Sell",
    quantity: c.qty(m, lots),
    price: c.price(m, clampTicks(m, buy ? m.mid_ticks - away : m.mid_ticks + away)),
    cid: `o${c.nextCid()}`,
    stop_type: limitStop ? "StopLossLimit" : "StopLoss",
    stop_price: c.price(m, stop),
    ...(limitStop
      ? { stop_limit_price: c.price(m, clampTicks(m, buy ? stop + 5 : stop - 5)) }
      : {}),
  };
}

/** A passive price on a round level, as the classic flow's resting orders have. */
function passiveTicks(c: TradingContext, m: Market, buy: boolean): number {
  const step = 100;
  const base = Math.round(m.mid_ticks / step) * step;
  const away = step * (1 + Math.floor(c.rng.expo(8)));
  return clampTicks(m, buy ? base - away : base + away);
}

/** A new quantity (mostly) or a new passive price for an order believed live. */
function amendLine(c: TradingContext, m: Market, buy: boolean, lots: number): FlowLine | null {
  if (m.live.length === 0) return null;
  const target = m.live[c.rng.int(0, m.live.length - 1)] as { cid: string; user: number };
  if (c.rng.next() < 0.6) {
    return {
      op: "amend",
      user: target.user,
      symbol: m.name,
      cid: target.cid,
      quantity: c.qty(m, lots),
    };
  }
  return {
    op: "amend",
    user: target.user,
    symbol: m.name,
    cid: target.cid,
    price: c.price(m, passiveTicks(c, m, buy)),
  };
}

/** A live order replaced by a passive limit under a new client order id. */
function cancelReplaceLine(
  c: TradingContext,
  m: Market,
  buy: boolean,
  lots: number,
): FlowLine | null {
  if (m.live.length === 0) return null;
  const i = c.rng.int(0, m.live.length - 1);
  const target = m.live[i] as { cid: string; user: number };
  m.live[i] = m.live[m.live.length - 1] as { cid: string; user: number };
  m.live.pop();
  const cid = `c${c.nextCid()}`;
  m.live.push({ cid, user: target.user });
  return {
    op: "cancel_replace",
    user: target.user,
    symbol: m.name,
    cancel: { cid: target.cid },
    mode: c.rng.next() < 0.8 ? "StopOnFailure" : "AllowFailure",
    order: {
      side: buy ? "Buy" : "Sell",
      type: "Limit",
      tif: "GTC",
      price: c.price(m, passiveTicks(c, m, buy)),
      quantity: c.qty(m, lots),
      cid,
    },
  };
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
