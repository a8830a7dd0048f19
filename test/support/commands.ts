// Random command streams for property tests: every command kind, valid and
// invalid, with many self-trades, duplicates and races between cancels and
// fills; stops on both sides of the last trade price so trades set them off
// and triggered orders set off more; OCOs, amends, cancel-replaces,
// cancel-alls, dead-man's switches that lapse, and ticks. Integers only, in
// the core's own units.

import type { Command, CoreOutput, OrderSpec, PlaceCmd, Spec } from "../../src/core/mod.ts";
import { Rng } from "./random.ts";

export interface StreamOptions {
  users?: number;
  /** Price band around the mid, in ticks; narrow bands cross often. */
  band_ticks?: number;
  /**
   * Only the command kinds that existed before stops, OCO, amends and the
   * rest (deposit, withdraw, place of limit and market orders, cancel).
   */
  classic?: boolean;
}

interface Live {
  user: number;
  symbol: number;
  cid: string;
}

export class CommandStream {
  private readonly rng: Rng;
  private readonly users: number[];
  private readonly band: number;
  private readonly classic: boolean;
  private readonly mid: number[] = [];
  private readonly home: number[] = [];
  private readonly last: number[] = [];
  ts = 1_700_000_000_000;
  private requestIds: string[] = [];
  private sent: Command[] = [];
  private cidsByUser = new Map<number, string[]>();
  private n = 0;
  private maxOrderId = 0;
  /** Orders believed open, with what placed them. */
  private readonly live = new Map<number, Live>();
  private liveIds: number[] = [];
  private readonly placed = new Map<number, Live>();

  constructor(
    private readonly spec: Spec,
    seed: number,
    options: StreamOptions = {},
  ) {
    this.rng = new Rng(seed);
    this.users = Array.from({ length: options.users ?? 6 }, (_, i) => i + 1);
    this.band = options.band_ticks ?? 12;
    this.classic = options.classic ?? false;
    for (const s of spec.symbols) {
      const home = Math.floor(s.max_price_ticks / 20);
      this.home[s.id] = home;
      this.mid[s.id] = home;
      this.last[s.id] = home;
    }
  }

  /** Deposits that fund every user in every asset, so trading starts at once. */
  funding(): Command[] {
    const out: Command[] = [];
    for (const user_id of this.users) {
      for (const a of this.spec.assets) {
        out.push({
          kind: 1,
          request_id: `fund-${user_id}-${a.id}`,
          user_id,
          asset_id: a.id,
          // The last user is poor, so balance checks refuse often.
          amount_units:
            user_id === this.users.length
              ? 10 ** a.decimals * (a.name === "USDT" ? 500 : 0.01)
              : 10 ** a.decimals * (a.name === "USDT" ? 2_000_000 : 40),
          ts_ms: this.ts++,
          corr: "",
        });
      }
    }
    return out;
  }

  /** Follow the core's answers, so cancels and amends can aim at orders that are really open. */
  observe(out: CoreOutput): void {
    const cmd = out.input;
    if (out.order_id > this.maxOrderId) this.maxOrderId = out.order_id;
    if (out.other_order_id > this.maxOrderId) this.maxOrderId = out.other_order_id;
    if (out.order_id !== 0 && out.reject === 0) {
      if (cmd.kind === 3) {
        this.placed.set(out.order_id, { user: cmd.user_id, symbol: cmd.symbol_id, cid: cmd.cid });
      } else if (cmd.kind === 5) {
        this.placed.set(out.order_id, { user: cmd.user_id, symbol: cmd.symbol_id, cid: cmd.cid });
        this.placed.set(out.other_order_id, {
          user: cmd.user_id,
          symbol: cmd.symbol_id,
          cid: cmd.stop_cid,
        });
      } else if (cmd.kind === 7) {
        this.placed.set(out.order_id, {
          user: cmd.user_id,
          symbol: cmd.order.symbol_id,
          cid: cmd.order.cid,
        });
      }
    }
    for (const t of out.trades) this.last[Math.floor(t.trade_id / 2 ** 40)] = t.price_ticks;
    for (const u of out.updates) {
      if (u.status === 1 || u.status === 2 || u.status === 7) {
        const p = this.placed.get(u.order_id);
        if (!this.live.has(u.order_id) && p !== undefined) {
          this.live.set(u.order_id, p);
          this.liveIds.push(u.order_id);
        }
      } else if (u.status !== 8) {
        this.live.delete(u.order_id);
        this.placed.delete(u.order_id);
      }
    }
    if (this.liveIds.length > 4 * this.live.size + 64) {
      this.liveIds = this.liveIds.filter((id) => this.live.has(id));
    }
  }

  next(): Command {
    const r = this.rng;
    this.n++;
    this.ts += r.int(0, 3);
    const x = r.next();
    if (this.classic) {
      if (x < 0.05) return this.transfer(1);
      if (x < 0.08) return this.transfer(2);
      if (x < 0.63) return this.limit();
      if (x < 0.75) return this.market();
      return this.cancel();
    }
    if (x < 0.04) return this.transfer(1);
    if (x < 0.06) return this.transfer(2);
    if (x < 0.42) return this.limit();
    if (x < 0.52) return this.market();
    if (x < 0.62) return this.stop();
    if (x < 0.66) return this.oco();
    if (x < 0.73) return this.amend();
    if (x < 0.78) return this.cancelReplace();
    if (x < 0.79) return this.cancelAll();
    if (x < 0.81) return this.cancelAllAfter();
    if (x < 0.83) return this.tick();
    return this.cancel();
  }

  private user(): number {
    const r = this.rng;
    if (r.chance(0.002)) return r.pick([0, 2 ** 49]);
    return r.pick(this.users);
  }

  private requestId(): string {
    const r = this.rng;
    if (this.requestIds.length > 0 && r.chance(0.06)) return r.pick(this.requestIds);
    if (r.chance(0.003)) return r.pick(["", "has space", "x".repeat(80)]);
    const id = `req-${this.n}`;
    this.requestIds.push(id);
    if (this.requestIds.length > 200) this.requestIds.shift();
    return id;
  }

  private transfer(kind: 1 | 2): Command {
    const r = this.rng;
    if (this.sent.length > 0 && r.chance(0.05)) {
      // A retry: the very same request (sometimes delivered again with its first ts_ms).
      const again = r.pick(this.sent);
      return r.chance(0.3) ? again : { ...again, ts_ms: this.ts };
    }
    const asset = r.chance(0.01) ? 9 : r.pick(this.spec.assets);
    const decimals = typeof asset === "number" ? 8 : asset.decimals;
    const whole = kind === 1 ? r.int(0, 5000) : r.int(0, 300);
    let amount = whole * 10 ** Math.min(decimals, 4) + r.int(0, 9999);
    if (r.chance(0.01)) amount = 0;
    if (r.chance(0.003)) amount = Number.MAX_SAFE_INTEGER;
    const cmd: Command = {
      kind,
      request_id: this.requestId(),
      user_id: this.user(),
      asset_id: typeof asset === "number" ? asset : asset.id,
      amount_units: amount,
      ts_ms: this.ts,
      corr: "",
    };
    // Retries resend the very same request: it must be answered, never applied twice.
    this.sent.push(cmd);
    if (this.sent.length > 100) this.sent.shift();
    return cmd;
  }

  private symbolId(): number {
    const r = this.rng;
    if (r.chance(0.005)) return 77;
    return r.pick(this.spec.symbols).id;
  }

  private cid(user_id: number): string {
    const r = this.rng;
    const list = this.cidsByUser.get(user_id) ?? [];
    this.cidsByUser.set(user_id, list);
    if (list.length > 0 && r.chance(0.08)) return r.pick(list);
    if (r.chance(0.4)) return "";
    if (r.chance(0.003)) return "bad cid!";
    const cid = `c${this.n}`;
    list.push(cid);
    if (list.length > 50) list.shift();
    return cid;
  }

  private spec_(symbol_id: number, user_id: number): OrderSpec {
    const r = this.rng;
    return {
      symbol_id,
      side: r.chance(0.5) ? 1 : 2,
      order_type: 1,
      tif: 1,
      post_only: false,
      stp: r.pick([1, 2, 3] as const),
      price_ticks: 0,
      stop_price_ticks: 0,
      qty_lots: 0,
      quote_units: 0,
      cid: this.cid(user_id),
    };
  }

  private place(o: OrderSpec, user_id: number): PlaceCmd {
    return { kind: 3, user_id, ...o, ts_ms: this.ts, corr: "" };
  }

  private limitSpec(symbol_id: number, user_id: number): OrderSpec {
    const r = this.rng;
    const mid = this.mid[symbol_id] ?? 1000;
    // The mid wanders, but within a band, so resting orders stay reachable.
    if (r.chance(0.01)) {
      const home = this.home[symbol_id] ?? mid;
      this.mid[symbol_id] = Math.min(
        home + 2 * this.band,
        Math.max(home - 2 * this.band, mid + r.int(-3, 3)),
      );
    }
    const tifRoll = r.next();
    const tif = tifRoll < 0.72 ? 1 : tifRoll < 0.88 ? 2 : 3;
    const o: OrderSpec = { ...this.spec_(symbol_id, user_id), tif, qty_lots: r.int(1, 60) };
    // Mostly passive prices build a book; a few ticks of overlap keep trades frequent.
    const offset = r.int(-3, this.band);
    o.price_ticks = o.side === 1 ? mid - offset : mid + offset;
    if (tif === 1 && r.chance(0.1)) o.post_only = true;
    if (r.chance(0.005)) o.post_only = true;
    if (r.chance(0.004)) o.price_ticks = r.pick([0, 10 ** 12]);
    if (r.chance(0.004)) o.qty_lots = r.pick([0, 10 ** 12]);
    if (r.chance(0.004)) {
      // One lot at one tick: below any sensible minimum notional.
      o.price_ticks = 1;
      o.qty_lots = 1;
    }
    if (r.chance(0.002)) o.quote_units = 5;
    if (r.chance(0.002)) o.stop_price_ticks = 7;
    return o;
  }

  private limit(): Command {
    const user_id = this.user();
    return this.place(this.limitSpec(this.symbolId(), user_id), user_id);
  }

  private marketSpec(symbol_id: number, user_id: number): OrderSpec {
    const r = this.rng;
    const o: OrderSpec = {
      ...this.spec_(symbol_id, user_id),
      order_type: 2,
      tif: r.chance(0.85) ? 2 : 3,
      qty_lots: r.int(1, 120),
    };
    if (o.side === 1 && r.chance(0.4)) {
      o.qty_lots = 0;
      o.quote_units = r.int(0, 800) * 1_000_000 + r.int(0, 999_999);
    }
    if (r.chance(0.01)) o.tif = 1;
    if (r.chance(0.005)) o.price_ticks = 5;
    return o;
  }

  private market(): Command {
    const user_id = this.user();
    return this.place(this.marketSpec(this.symbolId(), user_id), user_id);
  }

  /**
   * A stop of any of the four types, its trigger a few ticks beyond the last
   * trade price in the direction it waits for (sometimes already reached).
   */
  private stopSpec(symbol_id: number, user_id: number): OrderSpec {
    const r = this.rng;
    const type = r.pick([3, 4, 5, 6] as const);
    const o: OrderSpec = { ...this.spec_(symbol_id, user_id), order_type: type };
    const buy = o.side === 1;
    const rises = (type === 3 || type === 4) === buy;
    const last = this.last[symbol_id] ?? 1000;
    const away = r.chance(0.08) ? -r.int(0, 2) : r.int(1, this.band);
    o.stop_price_ticks = rises ? last + away : last - away;
    o.qty_lots = r.int(1, 50);
    if (type === 3 || type === 5) {
      o.tif = r.chance(0.85) ? 2 : 3;
    } else {
      const tifRoll = r.next();
      o.tif = tifRoll < 0.7 ? 1 : tifRoll < 0.85 ? 2 : 3;
      // Limits around the trigger: some cross at once when triggered, some rest.
      o.price_ticks = o.stop_price_ticks + (buy ? r.int(-3, 6) : -r.int(-3, 6));
      if (o.tif === 1 && r.chance(0.15)) o.post_only = true;
    }
    if (r.chance(0.005)) o.stop_price_ticks = 0;
    if (r.chance(0.005)) o.tif = 1;
    if (r.chance(0.003)) o.price_ticks = 9;
    return o;
  }

  private stop(): Command {
    const user_id = this.user();
    return this.place(this.stopSpec(this.symbolId(), user_id), user_id);
  }

  private oco(): Command {
    const r = this.rng;
    const user_id = this.user();
    const symbol_id = this.symbolId();
    const side = r.chance(0.5) ? 1 : 2;
    const buy = side === 1;
    const last = this.last[symbol_id] ?? 1000;
    const stop_type = r.chance(0.9) ? r.pick([3, 4] as const) : r.pick([5, 6, 1] as const);
    const stop_price_ticks = buy ? last + r.int(-1, this.band) : last - r.int(-1, this.band);
    const limit_stop = stop_type === 4 || stop_type === 6;
    const cid = this.cid(user_id);
    return {
      kind: 5,
      user_id,
      symbol_id,
      side,
      stp: r.pick([1, 2, 3] as const),
      qty_lots: r.int(1, 40),
      // The limit leg on the passive side of the last price (sometimes crossing).
      price_ticks: buy ? last - r.int(-2, this.band) : last + r.int(-2, this.band),
      post_only: r.chance(0.3),
      cid,
      stop_type,
      stop_price_ticks,
      stop_limit_price_ticks: limit_stop
        ? stop_price_ticks + (buy ? r.int(0, 4) : -r.int(0, 4))
        : 0,
      stop_tif: limit_stop ? r.pick([1, 1, 2, 3] as const) : r.pick([2, 2, 3] as const),
      stop_cid: r.chance(0.05) ? cid : this.cid(user_id),
      ts_ms: this.ts,
      corr: "",
    };
  }

  /** An order believed open (mostly), with its owner; or a random id. */
  private target(): { user_id: number; order_id: number; cid: string; symbol: number } {
    const r = this.rng;
    if (this.liveIds.length > 0 && r.chance(0.85)) {
      const order_id = r.pick(this.liveIds);
      const live = this.live.get(order_id);
      // Mostly the owner; sometimes someone else, who must be refused.
      const user_id = live !== undefined && r.chance(0.93) ? live.user : this.user();
      const symbol = live?.symbol ?? this.symbolId();
      if (live !== undefined && live.cid !== "" && r.chance(0.25)) {
        return { user_id, order_id: 0, cid: live.cid, symbol };
      }
      return { user_id, order_id, cid: "", symbol };
    }
    const user_id = this.user();
    const order_id =
      this.maxOrderId > 0 ? r.int(Math.max(1, this.maxOrderId - 60), this.maxOrderId + 2) : 1;
    return { user_id, order_id, cid: "", symbol: this.symbolId() };
  }

  private amend(): Command {
    const r = this.rng;
    const t = this.target();
    const mid = this.mid[t.symbol] ?? 1000;
    const roll = r.next();
    let price_ticks = 0;
    let qty_lots = 0;
    if (roll < 0.45) qty_lots = r.int(1, 70);
    else if (roll < 0.8) price_ticks = mid + r.int(-this.band, this.band);
    else {
      qty_lots = r.int(1, 70);
      price_ticks = mid + r.int(-this.band, this.band);
    }
    if (r.chance(0.01)) qty_lots = 10 ** 12;
    if (r.chance(0.01)) {
      price_ticks = 0;
      qty_lots = 0;
    }
    return {
      kind: 6,
      user_id: t.user_id,
      symbol_id: r.chance(0.03) ? this.symbolId() : t.symbol,
      order_id: t.order_id,
      cid: t.cid,
      price_ticks,
      qty_lots,
      ts_ms: this.ts,
      corr: "",
    };
  }

  private cancelReplace(): Command {
    const r = this.rng;
    const t = this.target();
    const symbol = r.chance(0.03) ? this.symbolId() : t.symbol;
    const roll = r.next();
    const order =
      roll < 0.7
        ? this.limitSpec(symbol, t.user_id)
        : roll < 0.85
          ? this.stopSpec(symbol, t.user_id)
          : this.marketSpec(symbol, t.user_id);
    // Replacing an order under its own client order id is what market makers do.
    const live = this.live.get(t.order_id);
    if (live !== undefined && live.cid !== "" && r.chance(0.3)) order.cid = live.cid;
    if (order.order_type === 1 && order.tif === 1 && r.chance(0.2)) order.post_only = true;
    return {
      kind: 7,
      user_id: t.user_id,
      order_id: t.order_id,
      cid: t.cid,
      mode: r.chance(0.02) ? (3 as 1) : r.pick([1, 2] as const),
      order,
      ts_ms: this.ts,
      corr: "",
    };
  }

  private cancelAll(): Command {
    const r = this.rng;
    return {
      kind: 8,
      user_id: this.user(),
      symbol_id: r.chance(0.5) ? 0 : this.symbolId(),
      ts_ms: this.ts,
      corr: "",
    };
  }

  private cancelAllAfter(): Command {
    const r = this.rng;
    let timeout_ms = r.chance(0.15) ? 0 : r.int(1, 400);
    if (r.chance(0.01)) timeout_ms = -5;
    if (r.chance(0.01)) timeout_ms = this.spec.limits.max_cancel_all_after_ms + 1;
    return { kind: 9, user_id: this.user(), timeout_ms, ts_ms: this.ts, corr: "" };
  }

  private tick(): Command {
    // The sequencer's ticks come with time passing; sometimes a long pause.
    this.ts += this.rng.chance(0.1) ? this.rng.int(200, 1000) : this.rng.int(0, 40);
    return { kind: 10, ts_ms: this.ts, corr: "" };
  }

  private cancel(): Command {
    const r = this.rng;
    const x = r.next();
    if (x < 0.55 && this.liveIds.length > 0) {
      const order_id = r.pick(this.liveIds);
      const owner = this.live.get(order_id)?.user;
      // Mostly the owner; sometimes someone else, who must be refused.
      const user_id = owner !== undefined && r.chance(0.9) ? owner : this.user();
      return { kind: 4, user_id, order_id, cid: "", ts_ms: this.ts, corr: "" };
    }
    const user_id = this.user();
    if (x < 0.6 && this.maxOrderId > 0) {
      const lo = Math.max(1, this.maxOrderId - 60);
      return {
        kind: 4,
        user_id,
        order_id: r.int(lo, this.maxOrderId),
        cid: "",
        ts_ms: this.ts,
        corr: "",
      };
    }
    if (x < 0.92) {
      const list = this.cidsByUser.get(user_id) ?? [];
      const cid = list.length > 0 ? r.pick(list) : "none";
      return { kind: 4, user_id, order_id: 0, cid, ts_ms: this.ts, corr: "" };
    }
    return {
      kind: 4,
      user_id,
      order_id: this.maxOrderId + r.int(1, 5),
      cid: "",
      ts_ms: this.ts,
      corr: "",
    };
  }
}
