// Random command streams for property tests: every command kind, valid and
// invalid, with many self-trades, duplicates and races between cancels and
// fills. Integers only, in the core's own units.

import type { Command, CoreOutput, PlaceCmd, Spec } from "../../src/core/mod.ts";
import { Rng } from "./random.ts";

export interface StreamOptions {
  users?: number;
  /** Price band around the mid, in ticks; narrow bands cross often. */
  band_ticks?: number;
}

export class CommandStream {
  private readonly rng: Rng;
  private readonly users: number[];
  private readonly band: number;
  private readonly mid: number[] = [];
  private readonly home: number[] = [];
  private ts = 1_700_000_000_000;
  private requestIds: string[] = [];
  private sent: Command[] = [];
  private cidsByUser = new Map<number, string[]>();
  private n = 0;
  private maxOrderId = 0;
  private readonly live = new Map<number, number>();
  private liveIds: number[] = [];

  constructor(
    private readonly spec: Spec,
    seed: number,
    options: StreamOptions = {},
  ) {
    this.rng = new Rng(seed);
    this.users = Array.from({ length: options.users ?? 6 }, (_, i) => i + 1);
    this.band = options.band_ticks ?? 12;
    for (const s of spec.symbols) {
      const home = Math.floor(s.max_price_ticks / 20);
      this.home[s.id] = home;
      this.mid[s.id] = home;
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

  /** Follow the core's answers, so cancels can aim at orders that are really open. */
  observe(out: CoreOutput): void {
    if (out.order_id > this.maxOrderId) this.maxOrderId = out.order_id;
    for (const u of out.updates) {
      if (u.status === 1 || u.status === 2) {
        if (!this.live.has(u.order_id)) {
          this.live.set(u.order_id, u.user_id);
          this.liveIds.push(u.order_id);
        }
      } else {
        this.live.delete(u.order_id);
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
    if (x < 0.05) return this.transfer(1);
    if (x < 0.08) return this.transfer(2);
    if (x < 0.63) return this.limit();
    if (x < 0.75) return this.market();
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
    if (this.sent.length > 0 && r.chance(0.05)) return { ...r.pick(this.sent), ts_ms: this.ts };
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

  private base(
    symbol_id: number,
  ): Omit<PlaceCmd, "order_type" | "tif" | "price_ticks" | "qty_lots"> {
    const r = this.rng;
    const user_id = this.user();
    return {
      kind: 3,
      user_id,
      symbol_id,
      side: r.chance(0.5) ? 1 : 2,
      post_only: false,
      stp: r.pick([1, 2, 3] as const),
      quote_units: 0,
      stop_price_ticks: 0,
      cid: this.cid(user_id),
      ts_ms: this.ts,
      corr: "",
    };
  }

  private limit(): Command {
    const r = this.rng;
    const symbol_id = this.symbolId();
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
    const cmd: PlaceCmd = {
      ...this.base(symbol_id),
      order_type: 1,
      tif,
      price_ticks: 0,
      qty_lots: r.int(1, 60),
    };
    // Mostly passive prices build a book; a few ticks of overlap keep trades frequent.
    const offset = r.int(-3, this.band);
    cmd.price_ticks = cmd.side === 1 ? mid - offset : mid + offset;
    if (tif === 1 && r.chance(0.1)) cmd.post_only = true;
    if (r.chance(0.005)) cmd.post_only = true;
    if (r.chance(0.004)) cmd.price_ticks = r.pick([0, 10 ** 12]);
    if (r.chance(0.004)) cmd.qty_lots = r.pick([0, 10 ** 12]);
    if (r.chance(0.004)) {
      // One lot at one tick: below any sensible minimum notional.
      cmd.price_ticks = 1;
      cmd.qty_lots = 1;
    }
    if (r.chance(0.002)) cmd.quote_units = 5;
    return cmd;
  }

  private market(): Command {
    const r = this.rng;
    const symbol_id = this.symbolId();
    const cmd: PlaceCmd = {
      ...this.base(symbol_id),
      order_type: 2,
      tif: r.chance(0.85) ? 2 : 3,
      price_ticks: 0,
      qty_lots: r.int(1, 120),
    };
    if (cmd.side === 1 && r.chance(0.4)) {
      cmd.qty_lots = 0;
      cmd.quote_units = r.int(0, 800) * 1_000_000 + r.int(0, 999_999);
    }
    if (r.chance(0.01)) cmd.tif = 1;
    if (r.chance(0.005)) cmd.price_ticks = 5;
    return cmd;
  }

  private cancel(): Command {
    const r = this.rng;
    const x = r.next();
    if (x < 0.55 && this.liveIds.length > 0) {
      const order_id = r.pick(this.liveIds);
      const owner = this.live.get(order_id);
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
