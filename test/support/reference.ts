// A deliberately simple reference exchange, written apart from src/core to be
// checked against it: bigint arithmetic, string-keyed maps, flat arrays of
// resting orders and waiting stops searched linearly, no indexes, no heaps.
// Slow and obvious on purpose. It implements the rules in docs/engine.md,
// not the engine's code; where the engine checks in advance (a cancel-replace
// that must change nothing if its new order would be refused), the reference
// simply tries it on a copy of itself.

import type { Command, OrderSpec, Spec, SymbolSpec } from "../../src/core/mod.ts";

export interface RefTrade {
  trade_id: number;
  price_ticks: number;
  qty_lots: number;
  quote_units: number;
  maker_order_id: number;
  taker_order_id: number;
  maker_user_id: number;
  taker_user_id: number;
  buyer_fee_units: number;
  seller_fee_units: number;
}

export interface RefUpdate {
  order_id: number;
  status: number;
  filled_lots: number;
  remaining_lots: number;
  filled_quote_units: number;
  reason: number;
}

export interface RefResult {
  reject: number;
  order_id: number;
  other_order_id: number;
  other_reject: number;
  duplicate: boolean;
  trades: RefTrade[];
  updates: RefUpdate[];
}

interface RefOrder {
  id: number;
  user: number;
  symbol: number;
  buy: boolean;
  type: number;
  tif: number;
  post_only: boolean;
  stp: number;
  /** Limit price; a market order's collar; a waiting StopLoss/TakeProfit buy's cap. */
  price: number;
  stop: number;
  qty: number;
  remaining: number;
  filled: number;
  filled_quote: bigint;
  frozen: bigint;
  cid: string;
  /** Time priority on the book. */
  seq: number;
  oco: RefOrder | null;
}

// Error ids, spelled out here rather than imported, so a renumbering in the
// registry shows up as a difference.
const R = {
  INSUFFICIENT_BALANCE: 1,
  UNKNOWN_SYMBOL: 2,
  UNKNOWN_ASSET: 3,
  BELOW_MIN_NOTIONAL: 5,
  DUPLICATE_CLIENT_ORDER_ID: 6,
  POST_ONLY_WOULD_TAKE: 7,
  UNKNOWN_ORDER: 8,
  ORDER_ALREADY_DONE: 10,
  DUPLICATE_REQUEST_ID: 11,
  INVALID_AMOUNT: 12,
  AMOUNT_OVERFLOW: 13,
  PRICE_OUT_OF_RANGE: 14,
  QUANTITY_OUT_OF_RANGE: 15,
  NO_LIQUIDITY: 16,
  INVALID_ORDER: 17,
  TOO_MANY_OPEN_ORDERS: 18,
  UNKNOWN_USER: 19,
  SELF_TRADE_PREVENTED: 20,
  NOT_FILLED: 21,
  USER_CANCELLED: 22,
  INVALID_REQUEST_ID: 23,
  PRICE_NOT_ALLOWED: 25,
  QUANTITY_CONFLICT: 27,
  QUOTE_QUANTITY_NOT_ALLOWED: 28,
  TIME_IN_FORCE_NOT_ALLOWED: 29,
  POST_ONLY_NOT_ALLOWED: 30,
  CID_TOO_LONG: 31,
  INVALID_CID: 32,
  STOP_WOULD_TRIGGER: 40,
  OCO_CANCELLED: 41,
  AUTO_CANCELLED: 42,
  ORDER_AMENDED: 43,
  AMEND_NOT_ALLOWED: 44,
  NOT_ATTEMPTED: 45,
  REQUEST_EXPIRED: 46,
  TOO_MANY_TIMERS: 47,
  INVALID_TIMEOUT: 48,
  STOP_PRICE_NOT_ALLOWED: 50,
};
const ST = {
  New: 1,
  Partial: 2,
  Filled: 3,
  Cancelled: 4,
  Rejected: 5,
  Expired: 6,
  Untriggered: 7,
  Triggered: 8,
};
const T = { Limit: 1, Market: 2, StopLoss: 3, StopLossLimit: 4, TakeProfit: 5, TakeProfitLimit: 6 };
const MAX = BigInt(Number.MAX_SAFE_INTEGER);

const isStop = (t: number) => t >= 3 && t <= 6;
const marketLike = (t: number) => t === T.Market || t === T.StopLoss || t === T.TakeProfit;
/** StopLoss buys and TakeProfit sells trigger on a rise to the stop price; the others on a fall. */
const rising = (o: { type: number; buy: boolean }) =>
  (o.type === T.StopLoss || o.type === T.StopLossLimit) === o.buy;

interface Transfer {
  kind: number;
  user: number;
  asset: number;
  amount: number;
  reject: number;
  seen: number;
}

export class Reference {
  bal = new Map<string, { avail: bigint; frozen: bigint }>();
  supply = new Map<number, bigint>();
  fees = new Map<number, bigint>();
  private transfers = new Map<string, Transfer>();
  private horizon = Number.MIN_SAFE_INTEGER;
  private time = 0;
  private book: RefOrder[] = [];
  private stops: RefOrder[] = [];
  private done = new Map<number, number>();
  private tradeSeq = new Map<number, number>();
  private lastTrade = new Map<number, number>();
  private timers = new Map<number, number>();
  private nextId = 1;
  private entrySeq = 0;
  private queue: RefOrder[] = [];

  constructor(private readonly spec: Spec) {}

  balance(user: number, asset: number): { avail: bigint; frozen: bigint } {
    const k = `${user}:${asset}`;
    let b = this.bal.get(k);
    if (b === undefined) {
      b = { avail: 0n, frozen: 0n };
      this.bal.set(k, b);
    }
    return b;
  }

  restingCount(): number {
    return this.book.length;
  }

  waitingCount(): number {
    return this.stops.length;
  }

  armedTimers(): number {
    return this.timers.size;
  }

  private open(): RefOrder[] {
    return [...this.book, ...this.stops];
  }

  private best(symbol: number, buySide: boolean): number {
    let best = 0;
    for (const o of this.book) {
      if (o.symbol !== symbol || o.buy !== buySide) continue;
      if (best === 0 || (buySide ? o.price > best : o.price < best)) best = o.price;
    }
    return best;
  }

  apply(cmd: Command): RefResult {
    const res: RefResult = {
      reject: 0,
      order_id: 0,
      other_order_id: 0,
      other_reject: 0,
      duplicate: false,
      trades: [],
      updates: [],
    };
    if (cmd.ts_ms > this.time) this.time = cmd.ts_ms;
    const due = [...this.timers].filter(([, d]) => d <= this.time);
    due.sort((a, b) => a[1] - b[1] || a[0] - b[0]);
    for (const [user] of due) {
      this.timers.delete(user);
      this.cancelAll(user, 0, R.AUTO_CANCELLED, res);
    }
    switch (cmd.kind) {
      case 1:
      case 2:
        this.transfer(cmd, res);
        break;
      case 3:
        this.place(cmd.user_id, cmd, res);
        break;
      case 4:
        this.cancel(cmd.user_id, cmd.order_id, cmd.cid, 0, res);
        break;
      case 5:
        this.oco(cmd, res);
        break;
      case 6:
        this.amend(cmd, res);
        break;
      case 7:
        this.cancelReplace(cmd, res);
        break;
      case 8:
        if (!this.validUser(cmd.user_id)) res.reject = R.UNKNOWN_USER;
        else if (cmd.symbol_id !== 0 && !this.spec.symbolById[cmd.symbol_id]) {
          res.reject = R.UNKNOWN_SYMBOL;
        } else this.cancelAll(cmd.user_id, cmd.symbol_id, R.USER_CANCELLED, res);
        break;
      case 9:
        this.cancelAllAfter(cmd, res);
        break;
      case 10:
        break;
    }
    return res;
  }

  private validUser(u: number): boolean {
    return Number.isSafeInteger(u) && u >= 1 && u <= this.spec.limits.max_user_id;
  }

  // ---- transfers ----

  private transfer(cmd: Extract<Command, { kind: 1 | 2 }>, res: RefResult): void {
    this.forget(false);
    const seen = this.transfers.get(cmd.request_id);
    if (seen) {
      if (
        seen.kind === cmd.kind &&
        seen.user === cmd.user_id &&
        seen.asset === cmd.asset_id &&
        seen.amount === cmd.amount_units
      ) {
        res.duplicate = true;
        res.reject = seen.reject;
      } else {
        res.reject = R.DUPLICATE_REQUEST_ID;
      }
      return;
    }
    if (cmd.ts_ms <= this.horizon) {
      res.reject = R.REQUEST_EXPIRED;
      return;
    }
    let reject = 0;
    if (
      cmd.request_id.length < 1 ||
      cmd.request_id.length > this.spec.limits.max_id_length ||
      !/^[\x21-\x7e]+$/.test(cmd.request_id)
    ) {
      res.reject = R.INVALID_REQUEST_ID;
      return;
    }
    const amount = BigInt(cmd.amount_units);
    if (!this.validUser(cmd.user_id)) reject = R.UNKNOWN_USER;
    else if (!this.spec.assetById[cmd.asset_id]) reject = R.UNKNOWN_ASSET;
    else if (cmd.amount_units <= 0) reject = R.INVALID_AMOUNT;
    else if (cmd.kind === 1) {
      if ((this.supply.get(cmd.asset_id) ?? 0n) + amount > MAX) reject = R.AMOUNT_OVERFLOW;
    } else if (this.balance(cmd.user_id, cmd.asset_id).avail < amount) {
      reject = R.INSUFFICIENT_BALANCE;
    }
    if (reject === 0) {
      const b = this.balance(cmd.user_id, cmd.asset_id);
      const signed = cmd.kind === 1 ? amount : -amount;
      b.avail += signed;
      this.supply.set(cmd.asset_id, (this.supply.get(cmd.asset_id) ?? 0n) + signed);
    }
    res.reject = reject;
    this.transfers.set(cmd.request_id, {
      kind: cmd.kind,
      user: cmd.user_id,
      asset: cmd.asset_id,
      amount: cmd.amount_units,
      reject,
      seen: this.time,
    });
    this.forget(true);
  }

  /** Forget request ids seen before the window; with `capped`, also the oldest beyond the count. */
  private forget(capped: boolean): void {
    const limits = this.spec.limits;
    for (const [id, t] of [...this.transfers]) {
      const old = t.seen < this.time - limits.transfer_window_ms;
      const over = capped && this.transfers.size > limits.transfers_remembered;
      if (!old && !over) break;
      this.transfers.delete(id);
      this.horizon = Math.max(this.horizon, t.seen);
    }
  }

  // ---- orders: checks and freezes ----

  private openCount(user: number): number {
    return this.open().filter((o) => o.user === user).length;
  }

  private cidTaken(user: number, cid: string): boolean {
    return cid !== "" && this.open().some((o) => o.user === user && o.cid === cid);
  }

  private check(user: number, cmd: OrderSpec, s: SymbolSpec): number {
    if (!this.validUser(user)) return R.UNKNOWN_USER;
    if (cmd.side !== 1 && cmd.side !== 2) return R.INVALID_ORDER;
    if (![1, 2, 3].includes(cmd.stp)) return R.INVALID_ORDER;
    if (cmd.cid.length > this.spec.limits.max_id_length) return R.CID_TOO_LONG;
    if (cmd.cid !== "" && !/^[A-Za-z0-9_.:-]+$/.test(cmd.cid)) return R.INVALID_CID;
    const npt = BigInt(s.notional_per_tick_lot);
    const min = BigInt(s.min_notional_units);
    const priceOk = (p: number) => p >= 1 && p <= s.max_price_ticks;
    const qtyOk = (q: number) => q >= 1 && q <= s.max_qty_lots;
    const t = cmd.order_type;
    if (t === T.Limit || t === T.StopLossLimit || t === T.TakeProfitLimit) {
      if (![1, 2, 3].includes(cmd.tif)) return R.INVALID_ORDER;
      if (cmd.post_only && cmd.tif !== 1) return R.POST_ONLY_NOT_ALLOWED;
      if (cmd.quote_units !== 0) return R.QUOTE_QUANTITY_NOT_ALLOWED;
      if (t === T.Limit && cmd.stop_price_ticks !== 0) return R.STOP_PRICE_NOT_ALLOWED;
      if (t !== T.Limit && !priceOk(cmd.stop_price_ticks)) return R.PRICE_OUT_OF_RANGE;
      if (!priceOk(cmd.price_ticks)) return R.PRICE_OUT_OF_RANGE;
      if (!qtyOk(cmd.qty_lots)) return R.QUANTITY_OUT_OF_RANGE;
      if (BigInt(cmd.price_ticks) * BigInt(cmd.qty_lots) * npt < min) return R.BELOW_MIN_NOTIONAL;
      return 0;
    }
    if (t === T.StopLoss || t === T.TakeProfit) {
      if (cmd.tif !== 2 && cmd.tif !== 3) return R.TIME_IN_FORCE_NOT_ALLOWED;
      if (cmd.post_only) return R.POST_ONLY_NOT_ALLOWED;
      if (cmd.price_ticks !== 0) return R.PRICE_NOT_ALLOWED;
      if (cmd.quote_units !== 0) return R.QUOTE_QUANTITY_NOT_ALLOWED;
      if (!priceOk(cmd.stop_price_ticks)) return R.PRICE_OUT_OF_RANGE;
      if (!qtyOk(cmd.qty_lots)) return R.QUANTITY_OUT_OF_RANGE;
      if (BigInt(cmd.stop_price_ticks) * BigInt(cmd.qty_lots) * npt < min) {
        return R.BELOW_MIN_NOTIONAL;
      }
      return 0;
    }
    if (t !== T.Market) return R.INVALID_ORDER;
    if (cmd.tif !== 2 && cmd.tif !== 3) return R.TIME_IN_FORCE_NOT_ALLOWED;
    if (cmd.post_only) return R.POST_ONLY_NOT_ALLOWED;
    if (cmd.price_ticks !== 0) return R.PRICE_NOT_ALLOWED;
    if (cmd.stop_price_ticks !== 0) return R.STOP_PRICE_NOT_ALLOWED;
    const buy = cmd.side === 1;
    const ref = this.best(s.id, !buy);
    if (buy && cmd.qty_lots === 0) {
      if (cmd.tif === 3) return R.TIME_IN_FORCE_NOT_ALLOWED;
      if (cmd.quote_units <= 0) return R.INVALID_AMOUNT;
      if (cmd.quote_units < s.min_notional_units) return R.BELOW_MIN_NOTIONAL;
      if (ref === 0) return R.NO_LIQUIDITY;
      return 0;
    }
    if (cmd.quote_units !== 0) return buy ? R.QUANTITY_CONFLICT : R.QUOTE_QUANTITY_NOT_ALLOWED;
    if (!qtyOk(cmd.qty_lots)) return R.QUANTITY_OUT_OF_RANGE;
    if (ref === 0) return R.NO_LIQUIDITY;
    if (BigInt(ref) * BigInt(cmd.qty_lots) * npt < min) return R.BELOW_MIN_NOTIONAL;
    return 0;
  }

  private buyCollar(s: SymbolSpec, ask: number): number {
    const num = BigInt(ask) * (10000n + BigInt(s.market_collar_bps));
    return Math.min(Number((num + 9999n) / 10000n), s.max_price_ticks);
  }

  private sellCollar(s: SymbolSpec, bid: number): number {
    const num = BigInt(bid) * (10000n - BigInt(s.market_collar_bps));
    return Math.max(Number(num / 10000n), 1);
  }

  /** The price an order carries: limit, collar (market), cap (StopLoss/TakeProfit buy), 0 (such a sell). */
  private placedPrice(o: OrderSpec, s: SymbolSpec): number {
    const buy = o.side === 1;
    if (o.order_type === T.Market) {
      return buy
        ? this.buyCollar(s, this.best(s.id, false))
        : this.sellCollar(s, this.best(s.id, true));
    }
    if (marketLike(o.order_type)) return buy ? this.buyCollar(s, o.stop_price_ticks) : 0;
    return o.price_ticks;
  }

  private need(s: SymbolSpec, o: { buy: boolean; price: number; remaining: number }): bigint {
    return o.buy
      ? BigInt(o.price) * BigInt(o.remaining) * BigInt(s.notional_per_tick_lot)
      : BigInt(o.remaining) * BigInt(s.lot_units);
  }

  private place(user: number, cmd: OrderSpec, res: RefResult): void {
    const s = this.spec.symbolById[cmd.symbol_id];
    if (!s) {
      res.reject = R.UNKNOWN_SYMBOL;
      return;
    }
    const c = this.check(user, cmd, s);
    if (c !== 0) {
      res.reject = c;
      return;
    }
    const buy = cmd.side === 1;
    const price = this.placedPrice(cmd, s);
    const byQuote = buy && cmd.qty_lots === 0;
    const freeze = byQuote
      ? BigInt(cmd.quote_units)
      : this.need(s, { buy, price, remaining: cmd.qty_lots });
    const acct = this.balance(user, buy ? s.quote.id : s.base.id);
    if (acct.avail < freeze) {
      res.reject = R.INSUFFICIENT_BALANCE;
      return;
    }
    if (this.openCount(user) >= this.spec.limits.max_open_orders_per_user) {
      res.reject = R.TOO_MANY_OPEN_ORDERS;
      return;
    }
    if (this.cidTaken(user, cmd.cid)) {
      res.reject = R.DUPLICATE_CLIENT_ORDER_ID;
      return;
    }
    const id = this.nextId++;
    res.order_id = id;
    acct.avail -= freeze;
    acct.frozen += freeze;
    const o = this.newOrder(id, user, cmd, price, freeze);
    if (isStop(cmd.order_type)) {
      this.wait(s, o, res);
      return;
    }
    this.execute(s, o, BigInt(cmd.quote_units), res);
    this.runQueue(s, res);
  }

  private newOrder(
    id: number,
    user: number,
    c: OrderSpec,
    price: number,
    frozen: bigint,
  ): RefOrder {
    return {
      id,
      user,
      symbol: c.symbol_id,
      buy: c.side === 1,
      type: c.order_type,
      tif: c.tif,
      post_only: c.post_only,
      stp: c.stp,
      price,
      stop: c.stop_price_ticks,
      qty: c.qty_lots,
      remaining: c.qty_lots,
      filled: 0,
      filled_quote: 0n,
      frozen,
      cid: c.cid,
      seq: 0,
      oco: null,
    };
  }

  private reached(o: RefOrder): boolean {
    const last = this.lastTrade.get(o.symbol) ?? 0;
    if (last === 0) return false;
    return rising(o) ? last >= o.stop : last <= o.stop;
  }

  private wait(s: SymbolSpec, o: RefOrder, res: RefResult): void {
    if (this.reached(o)) {
      this.end(s, o, ST.Rejected, R.STOP_WOULD_TRIGGER, res);
      return;
    }
    this.stops.push(o);
    res.updates.push(this.snap(o, ST.Untriggered, 0));
  }

  private oco(cmd: Extract<Command, { kind: 5 }>, res: RefResult): void {
    const s = this.spec.symbolById[cmd.symbol_id];
    if (!s) {
      res.reject = R.UNKNOWN_SYMBOL;
      return;
    }
    const limit: OrderSpec = {
      symbol_id: cmd.symbol_id,
      side: cmd.side,
      order_type: 1,
      tif: 1,
      post_only: cmd.post_only,
      stp: cmd.stp,
      price_ticks: cmd.price_ticks,
      stop_price_ticks: 0,
      qty_lots: cmd.qty_lots,
      quote_units: 0,
      cid: cmd.cid,
    };
    const stop: OrderSpec = {
      ...limit,
      order_type: cmd.stop_type,
      tif: cmd.stop_tif,
      post_only: false,
      price_ticks: cmd.stop_limit_price_ticks,
      stop_price_ticks: cmd.stop_price_ticks,
      cid: cmd.stop_cid,
    };
    let reject = this.check(cmd.user_id, limit, s);
    if (reject === 0 && !isStop(cmd.stop_type)) reject = R.INVALID_ORDER;
    if (reject === 0) reject = this.check(cmd.user_id, stop, s);
    if (reject === 0 && cmd.cid !== "" && cmd.cid === cmd.stop_cid) {
      reject = R.DUPLICATE_CLIENT_ORDER_ID;
    }
    const buy = cmd.side === 1;
    const stopPrice = reject === 0 ? this.placedPrice(stop, s) : 0;
    const freeze = buy
      ? BigInt(Math.max(cmd.price_ticks, stopPrice)) *
        BigInt(cmd.qty_lots) *
        BigInt(s.notional_per_tick_lot)
      : BigInt(cmd.qty_lots) * BigInt(s.lot_units);
    const acct = this.balance(cmd.user_id, buy ? s.quote.id : s.base.id);
    if (reject === 0 && acct.avail < freeze) reject = R.INSUFFICIENT_BALANCE;
    if (
      reject === 0 &&
      this.openCount(cmd.user_id) + 2 > this.spec.limits.max_open_orders_per_user
    ) {
      reject = R.TOO_MANY_OPEN_ORDERS;
    }
    if (
      reject === 0 &&
      (this.cidTaken(cmd.user_id, cmd.cid) || this.cidTaken(cmd.user_id, cmd.stop_cid))
    ) {
      reject = R.DUPLICATE_CLIENT_ORDER_ID;
    }
    if (reject !== 0) {
      res.reject = reject;
      return;
    }
    const id = this.nextId;
    this.nextId += 2;
    res.order_id = id;
    res.other_order_id = id + 1;
    acct.avail -= freeze;
    acct.frozen += freeze;
    const l = this.newOrder(id, cmd.user_id, limit, cmd.price_ticks, freeze);
    const st = this.newOrder(id + 1, cmd.user_id, stop, stopPrice, 0n);
    if (this.reached(st)) {
      this.end(s, l, ST.Cancelled, R.OCO_CANCELLED, res);
      this.end(s, st, ST.Rejected, R.STOP_WOULD_TRIGGER, res);
      return;
    }
    l.oco = st;
    st.oco = l;
    this.stops.push(st);
    res.updates.push(this.snap(st, ST.Untriggered, 0));
    this.execute(s, l, 0n, res);
    this.runQueue(s, res);
  }

  // ---- matching ----

  private crossing(taker: RefOrder): RefOrder[] {
    const c = this.book.filter(
      (o) =>
        o.symbol === taker.symbol &&
        o.buy !== taker.buy &&
        (taker.buy ? o.price <= taker.price : o.price >= taker.price),
    );
    c.sort((a, b) =>
      a.price !== b.price ? (taker.buy ? a.price - b.price : b.price - a.price) : a.seq - b.seq,
    );
    return c;
  }

  /** Match a taker; rest or end it; queue the stops its trades reached, in the documented order. */
  private execute(s: SymbolSpec, taker: RefOrder, budgetIn: bigint, res: RefResult): void {
    const byQuote = taker.qty === 0;
    if (taker.post_only && this.crossing(taker).length > 0) {
      this.end(s, taker, ST.Rejected, R.POST_ONLY_WOULD_TAKE, res);
      return;
    }
    if (taker.tif === 3) {
      let need = taker.remaining;
      let ok = false;
      for (const o of this.crossing(taker)) {
        if (o.user === taker.user) {
          if (taker.stp === 2) continue;
          break;
        }
        need -= o.remaining;
        if (need <= 0) {
          ok = true;
          break;
        }
      }
      if (!ok) {
        this.end(s, taker, ST.Expired, R.NOT_FILLED, res);
        return;
      }
    }
    const npt = BigInt(s.notional_per_tick_lot);
    let budget = budgetIn;
    let stpExpired = false;
    let budgetSpent = false;
    const prices: number[] = [];
    for (;;) {
      if (!byQuote && taker.remaining === 0) break;
      const maker = this.crossing(taker)[0];
      if (maker === undefined) break;
      if (maker.user === taker.user) {
        if (taker.stp === 1) {
          stpExpired = true;
          break;
        }
        this.removeFromBook(maker);
        this.end(s, maker, ST.Expired, R.SELF_TRADE_PREVENTED, res);
        if (taker.stp === 3) {
          stpExpired = true;
          break;
        }
        continue;
      }
      let lots = maker.remaining;
      const perLot = BigInt(maker.price) * npt;
      if (byQuote) {
        const afford = Number(budget / perLot);
        if (afford === 0) {
          budgetSpent = true;
          break;
        }
        lots = Math.min(lots, afford);
        budget -= perLot * BigInt(lots);
      } else {
        lots = Math.min(lots, taker.remaining);
      }
      prices.push(maker.price);
      this.trade(s, taker, maker, lots, byQuote, res);
    }
    if (stpExpired) this.end(s, taker, ST.Expired, R.SELF_TRADE_PREVENTED, res);
    else if (byQuote) {
      if ((budgetSpent || budget === 0n) && taker.filled > 0) this.end(s, taker, ST.Filled, 0, res);
      else this.end(s, taker, ST.Expired, R.NOT_FILLED, res);
    } else if (taker.remaining === 0) this.end(s, taker, ST.Filled, 0, res);
    else if (!marketLike(taker.type) && taker.tif === 1) {
      taker.seq = ++this.entrySeq;
      this.book.push(taker);
      res.updates.push(this.snap(taker, taker.filled > 0 ? ST.Partial : ST.New, 0));
    } else this.end(s, taker, ST.Expired, R.NOT_FILLED, res);
    if (prices.length > 0) this.reach(s, taker.buy, Math.min(...prices), Math.max(...prices), res);
  }

  /**
   * Stops whose trigger a trade price between low and high reached: for a
   * buying taker falling stops first (highest stop first), then rising stops
   * (lowest first); for a selling taker the other way round; ties by id.
   */
  private reach(
    s: SymbolSpec,
    takerBuys: boolean,
    low: number,
    high: number,
    res: RefResult,
  ): void {
    const up = this.stops
      .filter((o) => o.symbol === s.id && rising(o) && high >= o.stop)
      .sort((a, b) => a.stop - b.stop || a.id - b.id);
    const down = this.stops
      .filter((o) => o.symbol === s.id && !rising(o) && low <= o.stop)
      .sort((a, b) => b.stop - a.stop || a.id - b.id);
    for (const o of takerBuys ? [...down, ...up] : [...up, ...down]) {
      this.stops = this.stops.filter((x) => x !== o);
      if (o.oco !== null) this.breakOco(s, o, true, res);
      res.updates.push(this.snap(o, ST.Triggered, 0));
      this.queue.push(o);
    }
  }

  private runQueue(s: SymbolSpec, res: RefResult): void {
    while (this.queue.length > 0) {
      const o = this.queue.shift() as RefOrder;
      if (marketLike(o.type)) {
        const opposite = this.best(s.id, !o.buy);
        if (opposite === 0) {
          this.end(s, o, ST.Expired, R.NO_LIQUIDITY, res);
          continue;
        }
        o.price = o.buy
          ? Math.min(o.price, this.buyCollar(s, opposite))
          : this.sellCollar(s, opposite);
      }
      this.execute(s, o, 0n, res);
    }
  }

  private trade(
    s: SymbolSpec,
    taker: RefOrder,
    maker: RefOrder,
    lots: number,
    byQuote: boolean,
    res: RefResult,
  ): void {
    const npt = BigInt(s.notional_per_tick_lot);
    const L = BigInt(lots);
    const notional = BigInt(maker.price) * L * npt;
    const baseUnits = L * BigInt(s.lot_units);
    const buyer = taker.buy ? taker : maker;
    const seller = taker.buy ? maker : taker;
    const buyerRate = BigInt(taker.buy ? s.taker_fee_ppm : s.maker_fee_ppm);
    const sellerRate = BigInt(taker.buy ? s.maker_fee_ppm : s.taker_fee_ppm);
    const buyerFee = (baseUnits * buyerRate) / 1_000_000n;
    const sellerFee = (notional * sellerRate) / 1_000_000n;
    const consumed = buyer === taker && byQuote ? notional : BigInt(buyer.price) * L * npt;
    const bq = this.balance(buyer.user, s.quote.id);
    bq.frozen -= consumed;
    bq.avail += consumed - notional;
    this.balance(buyer.user, s.base.id).avail += baseUnits - buyerFee;
    this.balance(seller.user, s.base.id).frozen -= baseUnits;
    this.balance(seller.user, s.quote.id).avail += notional - sellerFee;
    this.fees.set(s.base.id, (this.fees.get(s.base.id) ?? 0n) + buyerFee);
    this.fees.set(s.quote.id, (this.fees.get(s.quote.id) ?? 0n) + sellerFee);
    this.balance(0, s.base.id).avail += buyerFee;
    this.balance(0, s.quote.id).avail += sellerFee;
    buyer.frozen -= consumed;
    seller.frozen -= baseUnits;
    const n = (this.tradeSeq.get(s.id) ?? 0) + 1;
    this.tradeSeq.set(s.id, n);
    this.lastTrade.set(s.id, maker.price);
    res.trades.push({
      trade_id: s.id * 2 ** 40 + n,
      price_ticks: maker.price,
      qty_lots: lots,
      quote_units: Number(notional),
      maker_order_id: maker.id,
      taker_order_id: taker.id,
      maker_user_id: maker.user,
      taker_user_id: taker.user,
      buyer_fee_units: Number(buyerFee),
      seller_fee_units: Number(sellerFee),
    });
    maker.remaining -= lots;
    maker.filled += lots;
    maker.filled_quote += notional;
    if (!byQuote) taker.remaining -= lots;
    taker.filled += lots;
    taker.filled_quote += notional;
    // An OCO leg's first trade cancels the other leg.
    if (taker.oco !== null) this.breakOco(s, taker, true, res);
    if (maker.oco !== null) this.breakOco(s, maker, true, res);
    if (maker.remaining === 0) {
      this.removeFromBook(maker);
      if (maker.frozen !== 0n) throw new Error(`reference: maker ${maker.id} left frozen funds`);
      this.done.set(maker.id, maker.user);
      res.updates.push(this.snap(maker, ST.Filled, 0));
    } else {
      res.updates.push(this.snap(maker, ST.Partial, 0));
    }
  }

  /**
   * Unlink an OCO because `leg` traded, triggered or ends: the other leg is
   * cancelled first, the pair's funds move to `leg`, and a leg that goes on
   * keeps only what it needs.
   */
  private breakOco(s: SymbolSpec, leg: RefOrder, goesOn: boolean, res: RefResult): void {
    const other = leg.oco as RefOrder;
    leg.oco = null;
    other.oco = null;
    leg.frozen += other.frozen;
    other.frozen = 0n;
    this.removeFromBook(other);
    this.stops = this.stops.filter((x) => x !== other);
    this.end(s, other, ST.Cancelled, R.OCO_CANCELLED, res);
    if (goesOn) {
      const excess = leg.frozen - this.need(s, leg);
      if (excess < 0n) throw new Error(`reference: OCO leg ${leg.id} holds too little`);
      this.release(s, leg, excess);
    }
  }

  private release(s: SymbolSpec, o: RefOrder, amount: bigint): void {
    if (amount === 0n) return;
    const b = this.balance(o.user, o.buy ? s.quote.id : s.base.id);
    b.frozen -= amount;
    b.avail += amount;
    o.frozen -= amount;
  }

  private removeFromBook(o: RefOrder): void {
    this.book = this.book.filter((x) => x !== o);
  }

  private end(s: SymbolSpec, o: RefOrder, status: number, reason: number, res: RefResult): void {
    if (o.oco !== null) this.breakOco(s, o, false, res);
    this.release(s, o, o.frozen);
    this.done.set(o.id, o.user);
    res.updates.push(this.snap(o, status, reason));
  }

  private snap(o: RefOrder, status: number, reason: number): RefUpdate {
    return {
      order_id: o.id,
      status,
      filled_lots: o.filled,
      remaining_lots: o.remaining,
      filled_quote_units: Number(o.filled_quote),
      reason,
    };
  }

  // ---- cancels, amends ----

  /** The open order a command names, or the refusal; sets res.order_id when one was named. */
  private find(
    user: number,
    order_id: number,
    cid: string,
  ): { o?: RefOrder; reject: number; id: number } {
    let id = order_id;
    if (id === 0) {
      const o = cid === "" ? undefined : this.open().find((x) => x.user === user && x.cid === cid);
      if (o === undefined) return { reject: R.UNKNOWN_ORDER, id: 0 };
      id = o.id;
    }
    const o = this.open().find((x) => x.id === id);
    if (o === undefined) {
      return { reject: this.done.get(id) === user ? R.ORDER_ALREADY_DONE : R.UNKNOWN_ORDER, id };
    }
    // Another user's order answers as an unknown one: ids cannot be probed.
    if (o.user !== user) return { reject: R.UNKNOWN_ORDER, id };
    return { o, reject: 0, id };
  }

  private cancel(
    user: number,
    order_id: number,
    cid: string,
    symbol: number,
    res: RefResult,
  ): void {
    const f = this.find(user, order_id, cid);
    res.order_id = f.id;
    if (f.reject !== 0 || f.o === undefined) {
      res.reject = f.reject;
      return;
    }
    if (symbol !== 0 && f.o.symbol !== symbol) {
      res.reject = R.UNKNOWN_ORDER;
      return;
    }
    this.cancelOpen(f.o, R.USER_CANCELLED, res);
  }

  private cancelOpen(o: RefOrder, reason: number, res: RefResult): void {
    this.removeFromBook(o);
    this.stops = this.stops.filter((x) => x !== o);
    this.end(this.spec.symbolById[o.symbol] as SymbolSpec, o, ST.Cancelled, reason, res);
  }

  private cancelAll(user: number, symbol: number, reason: number, res: RefResult): void {
    const mine = this.open()
      .filter((o) => o.user === user && (symbol === 0 || o.symbol === symbol))
      .sort((a, b) => a.id - b.id);
    for (const o of mine) {
      if (!this.open().includes(o)) continue;
      this.cancelOpen(o, reason, res);
    }
  }

  private cancelAllAfter(cmd: Extract<Command, { kind: 9 }>, res: RefResult): void {
    if (!this.validUser(cmd.user_id)) {
      res.reject = R.UNKNOWN_USER;
      return;
    }
    const t = cmd.timeout_ms;
    if (!Number.isSafeInteger(t) || t < 0 || t > this.spec.limits.max_cancel_all_after_ms) {
      res.reject = R.INVALID_TIMEOUT;
      return;
    }
    if (t === 0) {
      this.timers.delete(cmd.user_id);
      return;
    }
    if (!this.timers.has(cmd.user_id) && this.timers.size >= this.spec.limits.max_armed_timers) {
      res.reject = R.TOO_MANY_TIMERS;
      return;
    }
    this.timers.set(cmd.user_id, this.time + t);
  }

  private amend(cmd: Extract<Command, { kind: 6 }>, res: RefResult): void {
    const f = this.find(cmd.user_id, cmd.order_id, cmd.cid);
    res.order_id = f.id;
    let reject = f.reject;
    const o = f.o;
    if (reject === 0 && o !== undefined && o.symbol !== cmd.symbol_id) reject = R.UNKNOWN_ORDER;
    if (reject !== 0 || o === undefined) {
      res.reject = reject;
      return;
    }
    const s = this.spec.symbolById[o.symbol] as SymbolSpec;
    const npt = BigInt(s.notional_per_tick_lot);
    const price = cmd.price_ticks === 0 ? o.price : cmd.price_ticks;
    const qty = cmd.qty_lots === 0 ? o.qty : cmd.qty_lots;
    const resting = this.book.includes(o);
    if (cmd.price_ticks === 0 && cmd.qty_lots === 0) reject = R.INVALID_ORDER;
    else if (cmd.price_ticks !== 0 && (price < 1 || price > s.max_price_ticks)) {
      reject = R.PRICE_OUT_OF_RANGE;
    } else if (cmd.qty_lots !== 0 && (qty < 1 || qty > s.max_qty_lots)) {
      reject = R.QUANTITY_OUT_OF_RANGE;
    } else if (o.oco !== null) reject = R.AMEND_NOT_ALLOWED;
    else if (marketLike(o.type) && cmd.price_ticks !== 0) reject = R.AMEND_NOT_ALLOWED;
    else if (qty <= o.filled) reject = R.QUANTITY_OUT_OF_RANGE;
    else if (
      BigInt(marketLike(o.type) ? o.stop : price) * BigInt(qty) * npt <
      BigInt(s.min_notional_units)
    ) {
      reject = R.BELOW_MIN_NOTIONAL;
    } else {
      const need = this.need(s, { buy: o.buy, price, remaining: qty - o.filled });
      const acct = this.balance(o.user, o.buy ? s.quote.id : s.base.id);
      if (need - o.frozen > acct.avail) reject = R.INSUFFICIENT_BALANCE;
      else if (
        o.post_only &&
        resting &&
        price !== o.price &&
        this.crossing({ ...o, price }).length > 0
      ) {
        reject = R.POST_ONLY_WOULD_TAKE;
      }
    }
    if (reject !== 0) {
      res.reject = reject;
      return;
    }
    const moved = price !== o.price;
    const grew = qty > o.qty;
    if (resting && (moved || grew)) this.removeFromBook(o);
    o.price = price;
    o.qty = qty;
    o.remaining = qty - o.filled;
    const delta = this.need(s, o) - o.frozen;
    const acct = this.balance(o.user, o.buy ? s.quote.id : s.base.id);
    acct.avail -= delta;
    acct.frozen += delta;
    o.frozen += delta;
    const status = !resting ? ST.Untriggered : o.filled > 0 ? ST.Partial : ST.New;
    res.updates.push(this.snap(o, status, R.ORDER_AMENDED));
    if (!resting || !(moved || grew)) return;
    if (moved && this.crossing(o).length > 0) {
      this.execute(s, o, 0n, res);
      this.runQueue(s, res);
      return;
    }
    o.seq = ++this.entrySeq;
    this.book.push(o);
  }

  // ---- cancel-replace ----

  private cancelReplace(cmd: Extract<Command, { kind: 7 }>, res: RefResult): void {
    if (cmd.mode !== 1 && cmd.mode !== 2) {
      res.reject = R.INVALID_ORDER;
      res.other_reject = R.NOT_ATTEMPTED;
      return;
    }
    const f = this.find(cmd.user_id, cmd.order_id, cmd.cid);
    res.other_order_id = f.id;
    let cancelReject = f.reject;
    if (cancelReject === 0 && f.o !== undefined && f.o.symbol !== cmd.order.symbol_id) {
      cancelReject = R.UNKNOWN_ORDER;
    }
    if (cmd.mode === 1) {
      if (cancelReject !== 0) {
        res.other_reject = cancelReject;
        res.reject = R.NOT_ATTEMPTED;
        return;
      }
      // All or nothing: try it on a copy; if the new order would be refused, do nothing.
      const trial = this.copy();
      const tried: RefResult = { ...res, trades: [], updates: [] };
      trial.cancelOpen(
        trial.open().find((x) => x.id === f.id) as RefOrder,
        R.USER_CANCELLED,
        tried,
      );
      trial.place(cmd.user_id, cmd.order, tried);
      const first = tried.updates.find((u) => u.order_id === tried.order_id);
      const refused =
        tried.reject !== 0
          ? tried.reject
          : first !== undefined &&
              first.status === ST.Rejected &&
              (first.reason === R.POST_ONLY_WOULD_TAKE || first.reason === R.STOP_WOULD_TRIGGER)
            ? first.reason
            : 0;
      if (refused !== 0) {
        res.reject = refused;
        res.other_reject = R.NOT_ATTEMPTED;
        return;
      }
    }
    if (cancelReject === 0) this.cancelOpen(f.o as RefOrder, R.USER_CANCELLED, res);
    else res.other_reject = cancelReject;
    const placed: RefResult = { ...res, reject: 0, order_id: 0 };
    this.place(cmd.user_id, cmd.order, placed);
    res.reject = placed.reject;
    res.order_id = placed.order_id;
  }

  /** A deep copy of this reference (links between orders kept). */
  private copy(): Reference {
    const c = new Reference(this.spec);
    const state = structuredClone({
      bal: this.bal,
      supply: this.supply,
      fees: this.fees,
      transfers: this.transfers,
      horizon: this.horizon,
      time: this.time,
      book: this.book,
      stops: this.stops,
      done: this.done,
      tradeSeq: this.tradeSeq,
      lastTrade: this.lastTrade,
      timers: this.timers,
      nextId: this.nextId,
      entrySeq: this.entrySeq,
      queue: this.queue,
    });
    Object.assign(c, state);
    return c;
  }
}
