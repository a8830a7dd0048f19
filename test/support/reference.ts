// A deliberately simple reference exchange, written apart from src/core to be
// checked against it: bigint arithmetic, string-keyed maps, one flat array of
// resting orders searched linearly. Slow and obvious on purpose. It implements
// the rules in docs/engine.md, not the engine's code.

import type { Command, Spec, SymbolSpec } from "../../src/core/mod.ts";

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
  duplicate: boolean;
  trades: RefTrade[];
  updates: RefUpdate[];
}

interface RefOrder {
  id: number;
  user: number;
  symbol: number;
  buy: boolean;
  price: number;
  qty: number;
  remaining: number;
  filled: number;
  filled_quote: bigint;
  frozen: bigint;
  cid: string;
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
};
const ST = { New: 1, Partial: 2, Filled: 3, Cancelled: 4, Rejected: 5, Expired: 6 };
const MAX = BigInt(Number.MAX_SAFE_INTEGER);

export class Reference {
  readonly bal = new Map<string, { avail: bigint; frozen: bigint }>();
  readonly supply = new Map<number, bigint>();
  readonly fees = new Map<number, bigint>();
  private readonly transfers = new Map<
    string,
    { kind: number; user: number; asset: number; amount: number; reject: number }
  >();
  private book: RefOrder[] = [];
  private readonly done = new Map<number, number>();
  private readonly tradeSeq = new Map<number, number>();
  private nextId = 1;

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

  private best(symbol: number, buySide: boolean): number {
    let best = 0;
    for (const o of this.book) {
      if (o.symbol !== symbol || o.buy !== buySide) continue;
      if (best === 0 || (buySide ? o.price > best : o.price < best)) best = o.price;
    }
    return best;
  }

  apply(cmd: Command): RefResult {
    const res: RefResult = { reject: 0, order_id: 0, duplicate: false, trades: [], updates: [] };
    switch (cmd.kind) {
      case 1:
      case 2:
        this.transfer(cmd, res);
        break;
      case 3:
        this.place(cmd, res);
        break;
      case 4:
        this.cancel(cmd, res);
        break;
    }
    return res;
  }

  private transfer(cmd: Extract<Command, { kind: 1 | 2 }>, res: RefResult): void {
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
    if (cmd.user_id < 1 || cmd.user_id > this.spec.limits.max_user_id) reject = R.UNKNOWN_USER;
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
    });
  }

  private openCount(user: number): number {
    return this.book.filter((o) => o.user === user).length;
  }

  private check(cmd: Extract<Command, { kind: 3 }>, s: SymbolSpec): number {
    if (cmd.user_id < 1 || cmd.user_id > this.spec.limits.max_user_id) return R.UNKNOWN_USER;
    if (cmd.side !== 1 && cmd.side !== 2) return R.INVALID_ORDER;
    if (![1, 2, 3].includes(cmd.stp)) return R.INVALID_ORDER;
    if (cmd.cid.length > this.spec.limits.max_id_length) return R.CID_TOO_LONG;
    if (cmd.cid !== "" && !/^[A-Za-z0-9_.:-]+$/.test(cmd.cid)) return R.INVALID_CID;
    const npt = BigInt(s.notional_per_tick_lot);
    if (cmd.order_type === 1) {
      if (![1, 2, 3].includes(cmd.tif)) return R.INVALID_ORDER;
      if (cmd.post_only && cmd.tif !== 1) return R.POST_ONLY_NOT_ALLOWED;
      if (cmd.quote_units !== 0) return R.QUOTE_QUANTITY_NOT_ALLOWED;
      if (cmd.price_ticks < 1 || cmd.price_ticks > s.max_price_ticks) return R.PRICE_OUT_OF_RANGE;
      if (cmd.qty_lots < 1 || cmd.qty_lots > s.max_qty_lots) return R.QUANTITY_OUT_OF_RANGE;
      if (BigInt(cmd.price_ticks) * BigInt(cmd.qty_lots) * npt < BigInt(s.min_notional_units)) {
        return R.BELOW_MIN_NOTIONAL;
      }
      return 0;
    }
    if (cmd.order_type !== 2) return R.INVALID_ORDER;
    if (cmd.tif !== 2 && cmd.tif !== 3) return R.TIME_IN_FORCE_NOT_ALLOWED;
    if (cmd.post_only) return R.POST_ONLY_NOT_ALLOWED;
    if (cmd.price_ticks !== 0) return R.PRICE_NOT_ALLOWED;
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
    if (cmd.qty_lots < 1 || cmd.qty_lots > s.max_qty_lots) return R.QUANTITY_OUT_OF_RANGE;
    if (ref === 0) return R.NO_LIQUIDITY;
    if (BigInt(ref) * BigInt(cmd.qty_lots) * npt < BigInt(s.min_notional_units)) {
      return R.BELOW_MIN_NOTIONAL;
    }
    return 0;
  }

  private place(cmd: Extract<Command, { kind: 3 }>, res: RefResult): void {
    const s = this.spec.symbolById[cmd.symbol_id];
    if (!s) {
      res.reject = R.UNKNOWN_SYMBOL;
      return;
    }
    const c = this.check(cmd, s);
    if (c !== 0) {
      res.reject = c;
      return;
    }
    const buy = cmd.side === 1;
    const market = cmd.order_type === 2;
    const npt = BigInt(s.notional_per_tick_lot);
    let limit = cmd.price_ticks;
    if (market) {
      const bps = BigInt(s.market_collar_bps);
      if (buy) {
        const num = BigInt(this.best(s.id, false)) * (10000n + bps);
        limit = Math.min(Number((num + 9999n) / 10000n), s.max_price_ticks);
      } else {
        const num = BigInt(this.best(s.id, true)) * (10000n - bps);
        limit = Math.max(Number(num / 10000n), 1);
      }
    }
    const byQuote = buy && cmd.qty_lots === 0;
    const freeze = !buy
      ? BigInt(cmd.qty_lots) * BigInt(s.lot_units)
      : byQuote
        ? BigInt(cmd.quote_units)
        : BigInt(limit) * BigInt(cmd.qty_lots) * npt;
    const asset = buy ? s.quote.id : s.base.id;
    const acct = this.balance(cmd.user_id, asset);
    if (acct.avail < freeze) {
      res.reject = R.INSUFFICIENT_BALANCE;
      return;
    }
    if (this.openCount(cmd.user_id) >= this.spec.limits.max_open_orders_per_user) {
      res.reject = R.TOO_MANY_OPEN_ORDERS;
      return;
    }
    if (cmd.cid !== "" && this.book.some((o) => o.user === cmd.user_id && o.cid === cmd.cid)) {
      res.reject = R.DUPLICATE_CLIENT_ORDER_ID;
      return;
    }
    const id = this.nextId++;
    res.order_id = id;
    acct.avail -= freeze;
    acct.frozen += freeze;
    const taker: RefOrder = {
      id,
      user: cmd.user_id,
      symbol: s.id,
      buy,
      price: limit,
      qty: cmd.qty_lots,
      remaining: cmd.qty_lots,
      filled: 0,
      filled_quote: 0n,
      frozen: freeze,
      cid: cmd.cid,
    };
    this.match(cmd, s, taker, byQuote, res);
  }

  private crossing(taker: RefOrder): RefOrder[] {
    const c = this.book.filter(
      (o) =>
        o.symbol === taker.symbol &&
        o.buy !== taker.buy &&
        (taker.buy ? o.price <= taker.price : o.price >= taker.price),
    );
    c.sort((a, b) =>
      a.price !== b.price ? (taker.buy ? a.price - b.price : b.price - a.price) : a.id - b.id,
    );
    return c;
  }

  private match(
    cmd: Extract<Command, { kind: 3 }>,
    s: SymbolSpec,
    taker: RefOrder,
    byQuote: boolean,
    res: RefResult,
  ): void {
    if (cmd.post_only && this.crossing(taker).length > 0) {
      this.end(s, taker, ST.Rejected, R.POST_ONLY_WOULD_TAKE, res);
      return;
    }
    if (cmd.tif === 3) {
      let need = taker.qty;
      let ok = false;
      for (const o of this.crossing(taker)) {
        if (o.user === taker.user) {
          if (cmd.stp === 2) continue;
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
    let budget = BigInt(cmd.quote_units);
    let stpExpired = false;
    let budgetSpent = false;
    for (;;) {
      if (!byQuote && taker.remaining === 0) break;
      const maker = this.crossing(taker)[0];
      if (maker === undefined) break;
      if (maker.user === taker.user) {
        if (cmd.stp === 1) {
          stpExpired = true;
          break;
        }
        this.removeFromBook(maker);
        this.end(s, maker, ST.Expired, R.SELF_TRADE_PREVENTED, res);
        if (cmd.stp === 3) {
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
      this.trade(s, taker, maker, lots, byQuote, res);
    }
    if (stpExpired) this.end(s, taker, ST.Expired, R.SELF_TRADE_PREVENTED, res);
    else if (byQuote) {
      if ((budgetSpent || budget === 0n) && taker.filled > 0) this.end(s, taker, ST.Filled, 0, res);
      else this.end(s, taker, ST.Expired, R.NOT_FILLED, res);
    } else if (taker.remaining === 0) this.end(s, taker, ST.Filled, 0, res);
    else if (cmd.order_type === 1 && cmd.tif === 1) {
      this.book.push(taker);
      res.updates.push(this.snap(taker, taker.filled > 0 ? ST.Partial : ST.New, 0));
    } else this.end(s, taker, ST.Expired, R.NOT_FILLED, res);
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
    if (maker.remaining === 0) {
      this.removeFromBook(maker);
      if (maker.frozen !== 0n) throw new Error(`reference: maker ${maker.id} left frozen funds`);
      this.done.set(maker.id, maker.user);
      res.updates.push(this.snap(maker, ST.Filled, 0));
    } else {
      res.updates.push(this.snap(maker, ST.Partial, 0));
    }
  }

  private removeFromBook(o: RefOrder): void {
    this.book = this.book.filter((x) => x !== o);
  }

  private end(s: SymbolSpec, o: RefOrder, status: number, reason: number, res: RefResult): void {
    if (o.frozen > 0n) {
      const b = this.balance(o.user, o.buy ? s.quote.id : s.base.id);
      b.frozen -= o.frozen;
      b.avail += o.frozen;
      o.frozen = 0n;
    }
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

  private cancel(cmd: Extract<Command, { kind: 4 }>, res: RefResult): void {
    let id = cmd.order_id;
    if (id === 0) {
      const o =
        cmd.cid === ""
          ? undefined
          : this.book.find((x) => x.user === cmd.user_id && x.cid === cmd.cid);
      if (o === undefined) {
        res.reject = R.UNKNOWN_ORDER;
        return;
      }
      id = o.id;
    }
    res.order_id = id;
    const o = this.book.find((x) => x.id === id);
    if (o === undefined) {
      res.reject = this.done.get(id) === cmd.user_id ? R.ORDER_ALREADY_DONE : R.UNKNOWN_ORDER;
      return;
    }
    if (o.user !== cmd.user_id) {
      res.reject = R.UNKNOWN_ORDER;
      return;
    }
    this.removeFromBook(o);
    const s = this.spec.symbolById[o.symbol] as SymbolSpec;
    this.end(s, o, ST.Cancelled, R.USER_CANCELLED, res);
  }
}
