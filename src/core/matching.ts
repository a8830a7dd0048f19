// The matching engine: one book per symbol, price-time priority, trades at the
// maker's price. It owns no balances, but every order carries what UBSCore
// froze for it, so the engine can say exactly how each fill moves money
// (BalanceDelta) and release the rest when an order ends. Pure and
// deterministic: no clock, no randomness, no I/O.

import { BookSide, type Level, OrderPool, type RestingOrder, Where } from "./book.ts";
import { Writer } from "./codec.ts";
import { buyCollarTicks, sellCollarTicks } from "./collar.ts";
import type { Spec, SymbolSpec } from "./config.ts";
import { FEE_USER_ID, tradeIdOf } from "./constants.ts";
import {
  BalanceKind,
  isMarketLike,
  isStopType,
  OrderStatus,
  OrderType,
  Side,
  Stp,
  TimeInForce,
  triggersOnRise,
} from "./enums.ts";
import { assert, InvariantError, Reject } from "./errors.ts";
import { GENESIS_HASH } from "./hash.ts";
import { mulPpmFloor } from "./money.ts";
import { OrderIndex } from "./order-index.ts";
import type { OutputSections } from "./output-sections.ts";
import { StopHeap } from "./stops.ts";
import type {
  AmendIn,
  CancelIn,
  EngineOutput,
  MatchInput,
  OcoIn,
  OrderIn,
  Trade,
} from "./types.ts";
import { writeEngineOutput, writeTradeItem, writeUpdateItem } from "./wire.ts";

export class SymbolBook {
  readonly bids = new BookSide(true);
  readonly asks = new BookSide(false);
  /** Every open order of the symbol: resting on a side or waiting for its trigger. */
  readonly orders = new OrderIndex();
  /** Waiting stops that trigger when the price rises to them, and when it falls to them. */
  readonly rising = new StopHeap(true);
  readonly falling = new StopHeap(false);
  trade_seq = 0;
  output_seq = 0;
  prev_hash = GENESIS_HASH;
  /** Price of the symbol's last trade; 0 before the first. Stops trigger on it. */
  last_trade_ticks = 0;
  /** Counter behind each resting order's entry_seq (time priority). */
  entry_seq = 0;

  constructor(readonly spec: SymbolSpec) {}

  /** Resting orders (on either side), not counting waiting stops. */
  restingCount(): number {
    return this.bids.order_count + this.asks.order_count;
  }

  /** Waiting stops. */
  waitingCount(): number {
    return this.rising.size + this.falling.size;
  }
}

/**
 * What an open order needs frozen: a sell its remaining base, a buy its
 * remaining lots at its own limit (or, for a waiting StopLoss/TakeProfit buy,
 * at its cap).
 */
export function needUnits(s: SymbolSpec, o: RestingOrder): number {
  return o.side === Side.Buy
    ? o.price_ticks * o.remaining_lots * s.notional_per_tick_lot
    : o.remaining_lots * s.lot_units;
}

/** Would a stop trigger at a trade at `price_ticks` (0: no trade yet, never)? */
export function stopReached(o: RestingOrder, price_ticks: number): boolean {
  if (price_ticks === 0) return false;
  return triggersOnRise(o.order_type, o.side)
    ? price_ticks >= o.stop_price_ticks
    : price_ticks <= o.stop_price_ticks;
}

export interface MatchingOptions {
  /** Symbols this engine owns; all configured symbols when omitted. */
  symbols?: readonly number[];
  /** Hash-chain each output; the combined core turns this off and chains its own outputs. */
  hash_outputs?: boolean;
}

function crosses(is_buy: boolean, limit_ticks: number, level_ticks: number): boolean {
  return is_buy ? level_ticks <= limit_ticks : level_ticks >= limit_ticks;
}

function engineOutput(input: MatchInput, output_seq: number, prev_hash: bigint): EngineOutput {
  return {
    symbol_id: input.symbol_id,
    output_seq,
    prev_hash,
    hash: 0n,
    input,
    updates: [],
    trades: [],
    deltas: [],
    completions: [],
    best_bid_ticks: 0,
    best_ask_ticks: 0,
    reject: 0,
  };
}

function emptyTrade(): Trade {
  return {
    trade_id: 0,
    symbol_id: 0,
    price_ticks: 0,
    qty_lots: 0,
    quote_units: 0,
    maker_order_id: 0,
    taker_order_id: 0,
    maker_user_id: 0,
    taker_user_id: 0,
    taker_side: Side.Buy,
    buyer_fee_units: 0,
    seller_fee_units: 0,
  };
}

export class MatchingEngine {
  readonly books: (SymbolBook | undefined)[] = [];
  /**
   * Where the combined core takes this engine's output lists as bytes; null
   * (standalone) fills each EngineOutput's lists with objects.
   */
  sections: OutputSections | null = null;
  /** The output apply() fills when the lists go to `sections`. */
  private readonly reused = engineOutput(
    { kind: 2, ubs_seq: 0, order_id: 0, user_id: 0, symbol_id: 0, reason: 0, ts_ms: 0 },
    0,
    GENESIS_HASH,
  );
  /** The trade fill() writes into `sections`; reused. */
  private readonly trade_item = emptyTrade();
  private readonly hash_outputs: boolean;
  private readonly writer = new Writer(64 * 1024);
  private readonly pool = new OrderPool();
  /**
   * Triggered stops waiting to execute, in trigger order; reused for every
   * input (emptied before apply returns).
   */
  private readonly queue: RestingOrder[] = [];
  private queue_head = 0;
  /** Lowest and highest trade price of the execution in progress; 0 when it has not traded. */
  private exec_low_ticks = 0;
  private exec_high_ticks = 0;

  constructor(
    readonly spec: Spec,
    options: MatchingOptions = {},
  ) {
    this.hash_outputs = options.hash_outputs ?? true;
    const ids = options.symbols ?? spec.symbols.map((s) => s.id);
    for (const id of ids) {
      const s = spec.symbolById[id];
      assert(s !== undefined, `matching engine: unknown symbol id ${id}`);
      this.books[id] = new SymbolBook(s);
    }
  }

  /** Order nodes made so far: at most the peak of open orders, while released nodes are reused. */
  get order_nodes_made(): number {
    return this.pool.made;
  }

  book(symbol_id: number): SymbolBook | undefined {
    return this.books[symbol_id];
  }

  /** Apply one input; returns its output (sealed with a hash when hashing is on). */
  apply(input: MatchInput): EngineOutput {
    const book = this.books[input.symbol_id];
    if (book === undefined) {
      throw new InvariantError(`matching engine does not own symbol ${input.symbol_id}`);
    }
    let out: EngineOutput;
    if (this.sections === null) {
      out = engineOutput(input, book.output_seq + 1, book.prev_hash);
    } else {
      // Its lists go to the sections: one output, reused, carries the rest.
      out = this.reused;
      out.symbol_id = input.symbol_id;
      out.output_seq = book.output_seq + 1;
      out.prev_hash = book.prev_hash;
      out.hash = 0n;
      out.input = input;
      out.best_bid_ticks = 0;
      out.best_ask_ticks = 0;
      out.reject = 0;
    }
    switch (input.kind) {
      case 1:
        this.place(book, input, out);
        break;
      case 2:
        this.cancel(book, input, out);
        break;
      case 3:
        this.placeOco(book, input, out);
        break;
      case 4:
        this.amend(book, input, out);
        break;
    }
    out.best_bid_ticks = book.bids.bestPrice();
    out.best_ask_ticks = book.asks.bestPrice();
    book.output_seq = out.output_seq;
    if (this.hash_outputs) {
      this.writer.reset();
      out.hash = writeEngineOutput(this.writer, out);
      book.prev_hash = out.hash;
    }
    return out;
  }

  /** The encoded bytes of the last output (when hashing is on); valid until the next apply. */
  lastEncoded(): Buffer {
    return this.writer.view();
  }

  private place(book: SymbolBook, input: OrderIn, out: EngineOutput): void {
    const o = this.pool.acquire(
      input.order_id,
      input.user_id,
      input.side,
      input.order_type,
      input.tif,
      input.price_ticks,
      input.qty_lots,
      input.frozen_units,
      input.cid,
      input.ts_ms,
      input.stp,
      input.post_only,
      input.stop_price_ticks,
    );
    if (isStopType(input.order_type)) {
      this.wait(book, o, out);
      return;
    }
    this.execute(book, o, input.quote_units, out);
    this.runTriggered(book, out);
  }

  /** A new stop waits for its trigger, unless the last trade price has reached it already. */
  private wait(book: SymbolBook, o: RestingOrder, out: EngineOutput): void {
    if (stopReached(o, book.last_trade_ticks)) {
      this.finish(book, o, OrderStatus.Rejected, Reject.STOP_WOULD_TRIGGER.id, out);
      return;
    }
    (triggersOnRise(o.order_type, o.side) ? book.rising : book.falling).push(o);
    book.orders.set(o.order_id, o);
    this.update(o, OrderStatus.Untriggered, 0, out);
  }

  /**
   * An OCO: the stop leg waits (or, if the last trade price has reached it
   * already, is Rejected and takes the limit leg with it), then the limit leg
   * executes as a taker. The pair's funds are held on the limit leg.
   */
  private placeOco(book: SymbolBook, input: OcoIn, out: EngineOutput): void {
    const limit = this.pool.acquire(
      input.order_id,
      input.user_id,
      input.side,
      OrderType.Limit,
      TimeInForce.GTC,
      input.price_ticks,
      input.qty_lots,
      input.frozen_units,
      input.cid,
      input.ts_ms,
      input.stp,
      input.post_only,
      0,
    );
    const stop = this.pool.acquire(
      input.stop_order_id,
      input.user_id,
      input.side,
      input.stop_type,
      input.stop_tif,
      input.stop_limit_price_ticks,
      input.qty_lots,
      0,
      input.stop_cid,
      input.ts_ms,
      input.stp,
      false,
      input.stop_price_ticks,
    );
    if (stopReached(stop, book.last_trade_ticks)) {
      this.finish(book, limit, OrderStatus.Cancelled, Reject.OCO_CANCELLED.id, out);
      this.finish(book, stop, OrderStatus.Rejected, Reject.STOP_WOULD_TRIGGER.id, out);
      return;
    }
    limit.oco = stop;
    stop.oco = limit;
    this.wait(book, stop, out);
    this.execute(book, limit, 0, out);
    this.runTriggered(book, out);
  }

  /**
   * Match a taker (a new order, a triggered stop, an amended order at a new
   * price) against the book; rest or end it. Stops its trades reach join the
   * trigger queue.
   */
  private execute(
    book: SymbolBook,
    taker: RestingOrder,
    quote_units: number,
    out: EngineOutput,
  ): void {
    const s = book.spec;
    const is_buy = taker.side === Side.Buy;
    const by_quote = taker.qty_lots === 0;
    const stp = taker.stp;
    const opp = is_buy ? book.asks : book.bids;
    const limit = taker.price_ticks;
    this.exec_low_ticks = 0;
    this.exec_high_ticks = 0;

    if (taker.post_only) {
      const best = opp.best();
      if (best !== null && crosses(is_buy, limit, best.price_ticks)) {
        this.finish(book, taker, OrderStatus.Rejected, Reject.POST_ONLY_WOULD_TAKE.id, out);
        return;
      }
    }
    if (taker.tif === TimeInForce.FOK && !this.fokFillable(taker, opp, stp)) {
      this.finish(book, taker, OrderStatus.Expired, Reject.NOT_FILLED.id, out);
      return;
    }

    let budget_units = by_quote ? quote_units : 0;
    let stp_expired = false;
    let budget_spent = false;
    const npt = s.notional_per_tick_lot;
    outer: for (;;) {
      if (!by_quote && taker.remaining_lots === 0) break;
      const level = opp.best();
      if (level === null || !crosses(is_buy, limit, level.price_ticks)) break;
      const price = level.price_ticks;
      const per_lot = price * npt;
      let maker = level.head;
      while (maker !== null) {
        const next = maker.next;
        if (maker.user_id === taker.user_id) {
          if (stp === Stp.ExpireTaker) {
            stp_expired = true;
            break outer;
          }
          this.expireMaker(book, opp, maker, out);
          if (stp === Stp.ExpireBoth) {
            stp_expired = true;
            break outer;
          }
          maker = next;
          continue;
        }
        let lots = maker.remaining_lots;
        if (by_quote) {
          const afford = Math.floor(budget_units / per_lot);
          if (afford === 0) {
            budget_spent = true;
            break outer;
          }
          if (afford < lots) lots = afford;
          budget_units -= per_lot * lots;
        } else if (taker.remaining_lots < lots) {
          lots = taker.remaining_lots;
        }
        if (!this.fill(book, opp, taker, maker, price, lots, per_lot * lots, by_quote, out)) {
          // The maker outlived the taker: its quantity, or its budget at this price, is used up.
          if (by_quote) budget_spent = true;
          break outer;
        }
        if (!by_quote && taker.remaining_lots === 0) break outer;
        maker = next;
      }
    }
    const low = this.exec_low_ticks;
    const high = this.exec_high_ticks;

    if (stp_expired) {
      this.finish(book, taker, OrderStatus.Expired, Reject.SELF_TRADE_PREVENTED.id, out);
    } else if (by_quote) {
      const done = budget_spent || budget_units === 0;
      if (done && taker.filled_lots > 0) this.finish(book, taker, OrderStatus.Filled, 0, out);
      else this.finish(book, taker, OrderStatus.Expired, Reject.NOT_FILLED.id, out);
    } else if (taker.remaining_lots === 0) {
      this.finish(book, taker, OrderStatus.Filled, 0, out);
    } else if (!isMarketLike(taker.order_type) && taker.tif === TimeInForce.GTC) {
      this.rest(book, taker, out);
    } else {
      this.finish(book, taker, OrderStatus.Expired, Reject.NOT_FILLED.id, out);
    }
    if (low !== 0) this.collectTriggered(book, is_buy, low, high, out);
  }

  /**
   * Pop the stops an execution's trades reached, in the order its prices
   * reached them: a buy's trades rise, so falling stops (all reached by its
   * first, lowest trade) come first, then rising stops from the lowest stop
   * price up; a sell the mirror image. Equal stop prices go by order id.
   */
  private collectTriggered(
    book: SymbolBook,
    is_buy: boolean,
    low_ticks: number,
    high_ticks: number,
    out: EngineOutput,
  ): void {
    const first = is_buy ? book.falling : book.rising;
    const second = is_buy ? book.rising : book.falling;
    const first_at = is_buy ? low_ticks : high_ticks;
    const second_at = is_buy ? high_ticks : low_ticks;
    while (first.triggersAt(first_at)) this.trigger(book, first.pop(), out);
    while (second.triggersAt(second_at)) this.trigger(book, second.pop(), out);
  }

  private trigger(book: SymbolBook, o: RestingOrder, out: EngineOutput): void {
    book.orders.delete(o.order_id);
    if (o.oco !== null) this.breakOco(book, o, true, out);
    this.update(o, OrderStatus.Triggered, 0, out);
    this.queue.push(o);
  }

  /** Execute triggered stops one at a time, in trigger order, until none is left. */
  private runTriggered(book: SymbolBook, out: EngineOutput): void {
    const q = this.queue;
    // Nearly always empty; setting an array's length is a runtime call even then.
    if (q.length === 0) return;
    while (this.queue_head < q.length) {
      const o = q[this.queue_head++] as RestingOrder;
      this.activate(book, o, out);
    }
    q.length = 0;
    this.queue_head = 0;
  }

  /** A triggered stop acts as the market or limit order it stands for. */
  private activate(book: SymbolBook, o: RestingOrder, out: EngineOutput): void {
    if (isMarketLike(o.order_type)) {
      const s = book.spec;
      if (o.side === Side.Buy) {
        const ask = book.asks.bestPrice();
        if (ask === 0) {
          this.finish(book, o, OrderStatus.Expired, Reject.NO_LIQUIDITY.id, out);
          return;
        }
        // No higher than the cap it froze for, nor than the collar of this moment.
        const collar = buyCollarTicks(s, ask);
        if (collar < o.price_ticks) o.price_ticks = collar;
      } else {
        const bid = book.bids.bestPrice();
        if (bid === 0) {
          this.finish(book, o, OrderStatus.Expired, Reject.NO_LIQUIDITY.id, out);
          return;
        }
        o.price_ticks = sellCollarTicks(s, bid);
      }
    }
    this.execute(book, o, 0, out);
  }

  /**
   * Unlink an OCO pair because `leg` traded, triggered or is ending: the
   * other leg is cancelled (its update comes first) and the pair's funds
   * move to `leg`. A leg that goes on keeps only what it needs itself; the
   * rest is released at once.
   */
  private breakOco(book: SymbolBook, leg: RestingOrder, goes_on: boolean, out: EngineOutput): void {
    const other = leg.oco as RestingOrder;
    leg.oco = null;
    other.oco = null;
    leg.frozen_units += other.frozen_units;
    other.frozen_units = 0;
    if (other.where === Where.Resting) {
      (other.side === Side.Buy ? book.bids : book.asks).remove(other);
    } else {
      assert(other.where === Where.Waiting, () => `OCO leg ${other.order_id} is in flight`);
      (triggersOnRise(other.order_type, other.side) ? book.rising : book.falling).remove(other);
    }
    book.orders.delete(other.order_id);
    this.finish(book, other, OrderStatus.Cancelled, Reject.OCO_CANCELLED.id, out);
    if (goes_on) {
      const excess = leg.frozen_units - needUnits(book.spec, leg);
      assert(excess >= 0, () => `OCO leg ${leg.order_id} holds less than it needs`);
      if (excess > 0) {
        leg.frozen_units -= excess;
        this.releaseUnits(book.spec, leg, excess, out);
      }
    }
  }

  /**
   * FOK: could the order fill completely now? Own orders are skipped when they
   * would be expired (ExpireMaker) and end the check otherwise, exactly as the
   * execution would treat them, so a fillable FOK never leaves a remainder.
   */
  private fokFillable(taker: RestingOrder, opp: BookSide, stp: Stp): boolean {
    const is_buy = taker.side === Side.Buy;
    const levels: Level[] = [];
    for (const l of opp.crossingLevels(taker.price_ticks, is_buy)) levels.push(l);
    let need = taker.remaining_lots;
    for (const level of levels) {
      for (let o = level.head; o !== null; o = o.next) {
        if (o.user_id === taker.user_id) {
          if (stp === Stp.ExpireMaker) continue;
          return false;
        }
        need -= o.remaining_lots;
        if (need <= 0) return true;
      }
    }
    return false;
  }

  /** One trade between the taker and a maker; true when the maker is filled (and recycled). */
  private fill(
    book: SymbolBook,
    opp: BookSide,
    taker: RestingOrder,
    maker: RestingOrder,
    price_ticks: number,
    lots: number,
    notional_units: number,
    by_quote: boolean,
    out: EngineOutput,
  ): boolean {
    const s = book.spec;
    const trade_id = tradeIdOf(s.id, ++book.trade_seq);
    const taker_buys = taker.side === Side.Buy;
    const buyer = taker_buys ? taker : maker;
    const seller = taker_buys ? maker : taker;
    const base_units = lots * s.lot_units;
    const buyer_fee = mulPpmFloor(base_units, taker_buys ? s.taker_fee_ppm : s.maker_fee_ppm);
    const seller_fee = mulPpmFloor(notional_units, taker_buys ? s.maker_fee_ppm : s.taker_fee_ppm);
    // A buy froze its own limit (or collar) price for every lot; the difference
    // to the maker's price is released as the trade happens.
    const consumed =
      buyer === taker && by_quote
        ? notional_units
        : buyer.price_ticks * lots * s.notional_per_tick_lot;
    const improvement = consumed - notional_units;
    buyer.frozen_units -= consumed;
    seller.frozen_units -= base_units;
    if (buyer.frozen_units < 0 || seller.frozen_units < 0) {
      throw new InvariantError(`trade ${trade_id}: frozen funds exhausted`);
    }

    opp.reduce(maker, lots);
    maker.filled_lots += lots;
    maker.filled_quote_units += notional_units;
    if (!by_quote) taker.remaining_lots -= lots;
    taker.filled_lots += lots;
    taker.filled_quote_units += notional_units;
    book.last_trade_ticks = price_ticks;
    if (this.exec_low_ticks === 0 || price_ticks < this.exec_low_ticks) {
      this.exec_low_ticks = price_ticks;
    }
    if (price_ticks > this.exec_high_ticks) this.exec_high_ticks = price_ticks;

    // One reused trade for the sections (written as bytes at once), a new one for the list.
    const sections = this.sections;
    const t = sections !== null ? this.trade_item : emptyTrade();
    t.trade_id = trade_id;
    t.symbol_id = s.id;
    t.price_ticks = price_ticks;
    t.qty_lots = lots;
    t.quote_units = notional_units;
    t.maker_order_id = maker.order_id;
    t.taker_order_id = taker.order_id;
    t.maker_user_id = maker.user_id;
    t.taker_user_id = taker.user_id;
    t.taker_side = taker.side;
    t.buyer_fee_units = buyer_fee;
    t.seller_fee_units = seller_fee;
    if (sections !== null) writeTradeItem(sections.trades.item(), t);
    else out.trades.push(t);
    const base = s.base.id;
    const quote = s.quote.id;
    const B = BalanceKind;
    this.delta(out, buyer.user_id, quote, B.TradeDebit, improvement, -consumed, trade_id);
    this.delta(out, buyer.user_id, base, B.TradeCredit, base_units - buyer_fee, 0, trade_id);
    this.delta(out, seller.user_id, base, B.TradeDebit, 0, -base_units, trade_id);
    this.delta(out, seller.user_id, quote, B.TradeCredit, notional_units - seller_fee, 0, trade_id);
    if (buyer_fee > 0) this.delta(out, FEE_USER_ID, base, B.FeeCredit, buyer_fee, 0, trade_id);
    if (seller_fee > 0) this.delta(out, FEE_USER_ID, quote, B.FeeCredit, seller_fee, 0, trade_id);

    // An OCO leg's first trade cancels the other leg.
    if (taker.oco !== null) this.breakOco(book, taker, true, out);
    if (maker.oco !== null) this.breakOco(book, maker, true, out);
    if (maker.remaining_lots === 0) {
      opp.remove(maker);
      book.orders.delete(maker.order_id);
      // A maker's freeze is its own price for its whole quantity: nothing is left once filled.
      if (maker.frozen_units !== 0) {
        throw new InvariantError(`maker ${maker.order_id} filled with funds still frozen`);
      }
      this.update(maker, OrderStatus.Filled, 0, out);
      this.completion(maker, OrderStatus.Filled, 0, out);
      this.pool.release(maker);
      return true;
    }
    this.update(maker, OrderStatus.PartiallyFilled, 0, out);
    return false;
  }

  private rest(book: SymbolBook, o: RestingOrder, out: EngineOutput): void {
    o.entry_seq = ++book.entry_seq;
    (o.side === Side.Buy ? book.bids : book.asks).insert(o);
    book.orders.set(o.order_id, o);
    this.update(o, o.filled_lots > 0 ? OrderStatus.PartiallyFilled : OrderStatus.New, 0, out);
  }

  /** End an order that is not (or no longer) on the book: release what it still has frozen, recycle its node. */
  private finish(
    book: SymbolBook,
    o: RestingOrder,
    status: OrderStatus,
    reason: number,
    out: EngineOutput,
  ): void {
    if (o.oco !== null) this.breakOco(book, o, false, out);
    this.releaseFrozen(book.spec, o, out);
    this.update(o, status, reason, out);
    this.completion(o, status, reason, out);
    // Every caller has taken the order off the book (or never put it there).
    this.pool.release(o);
  }

  private releaseFrozen(s: SymbolSpec, o: RestingOrder, out: EngineOutput): void {
    if (o.frozen_units === 0) return;
    const amount = o.frozen_units;
    o.frozen_units = 0;
    this.releaseUnits(s, o, amount, out);
  }

  private releaseUnits(s: SymbolSpec, o: RestingOrder, amount: number, out: EngineOutput): void {
    const asset_id = o.side === Side.Buy ? s.quote.id : s.base.id;
    this.delta(out, o.user_id, asset_id, BalanceKind.Release, amount, -amount, o.order_id);
  }

  private expireMaker(
    book: SymbolBook,
    side: BookSide,
    maker: RestingOrder,
    out: EngineOutput,
  ): void {
    side.remove(maker);
    book.orders.delete(maker.order_id);
    this.finish(book, maker, OrderStatus.Expired, Reject.SELF_TRADE_PREVENTED.id, out);
  }

  private update(o: RestingOrder, status: OrderStatus, reason: number, out: EngineOutput): void {
    if (this.sections !== null) {
      writeUpdateItem(this.sections.updates.item(), o, status, reason);
      return;
    }
    out.updates.push({
      order_id: o.order_id,
      user_id: o.user_id,
      status,
      filled_lots: o.filled_lots,
      remaining_lots: o.remaining_lots,
      filled_quote_units: o.filled_quote_units,
      reason,
    });
  }
  private completion(
    o: RestingOrder,
    status: OrderStatus,
    reason: number,
    out: EngineOutput,
  ): void {
    if (this.sections !== null) this.sections.completion(o.order_id, o.user_id, status, reason);
    else out.completions.push({ order_id: o.order_id, user_id: o.user_id, status, reason });
  }

  /** A balance change for UBSCore to apply when it settles this input. */
  private delta(
    out: EngineOutput,
    user_id: number,
    asset_id: number,
    kind: BalanceKind,
    delta_avail: number,
    delta_frozen: number,
    ref_id: number,
  ): void {
    if (this.sections !== null) {
      this.sections.delta(user_id, asset_id, kind, delta_avail, delta_frozen, ref_id);
    } else {
      out.deltas.push({ user_id, asset_id, kind, delta_avail, delta_frozen, ref_id });
    }
  }

  private cancel(book: SymbolBook, input: CancelIn, out: EngineOutput): void {
    const o = book.orders.get(input.order_id);
    if (o === undefined) {
      out.reject = Reject.ORDER_ALREADY_DONE.id;
      return;
    }
    if (o.user_id !== input.user_id) {
      // As UBSCore answers: another user's order is not told apart from an unknown one.
      out.reject = Reject.UNKNOWN_ORDER.id;
      return;
    }
    this.unlink(book, o);
    this.finish(book, o, OrderStatus.Cancelled, input.reason, out);
  }

  /** Take an open order out of its side or stop heap and the index. */
  private unlink(book: SymbolBook, o: RestingOrder): void {
    if (o.where === Where.Resting) (o.side === Side.Buy ? book.bids : book.asks).remove(o);
    else (triggersOnRise(o.order_type, o.side) ? book.rising : book.falling).remove(o);
    book.orders.delete(o.order_id);
  }

  /**
   * Change an open order's quantity and/or price. The checks that need the
   * order (and the owner's available balance UBSCore passed along) are made
   * here; a refusal changes nothing. Lowering the quantity keeps the order's
   * place; a higher quantity sends it to the back of its level; a new price
   * moves it to the new level's back, or, if it crosses, makes it trade.
   */
  private amend(book: SymbolBook, input: AmendIn, out: EngineOutput): void {
    const o = book.orders.get(input.order_id);
    if (o === undefined) {
      out.reject = Reject.ORDER_ALREADY_DONE.id;
      return;
    }
    const reject = this.checkAmend(book, o, input);
    if (reject !== 0) {
      out.reject = reject;
      return;
    }
    const s = book.spec;
    const price = input.price_ticks === 0 ? o.price_ticks : input.price_ticks;
    const qty = input.qty_lots === 0 ? o.qty_lots : input.qty_lots;
    const moved = price !== o.price_ticks;
    const grew = qty > o.qty_lots;
    const resting = o.where === Where.Resting;
    if (resting && (moved || grew)) this.unlink(book, o);
    else if (resting) (o.side === Side.Buy ? book.bids : book.asks).reduce(o, o.qty_lots - qty);
    o.price_ticks = price;
    o.qty_lots = qty;
    o.remaining_lots = qty - o.filled_lots;
    const delta = needUnits(s, o) - o.frozen_units;
    if (delta !== 0) {
      o.frozen_units += delta;
      const asset_id = o.side === Side.Buy ? s.quote.id : s.base.id;
      const kind = delta > 0 ? BalanceKind.Freeze : BalanceKind.Release;
      this.delta(out, o.user_id, asset_id, kind, -delta, delta, o.order_id);
    }
    const status = !resting
      ? OrderStatus.Untriggered
      : o.filled_lots > 0
        ? OrderStatus.PartiallyFilled
        : OrderStatus.New;
    this.update(o, status, Reject.ORDER_AMENDED.id, out);
    if (!resting || !(moved || grew)) return;
    const opp = o.side === Side.Buy ? book.asks : book.bids;
    const best = opp.best();
    if (moved && best !== null && crosses(o.side === Side.Buy, price, best.price_ticks)) {
      this.execute(book, o, 0, out);
      this.runTriggered(book, out);
      return;
    }
    o.entry_seq = ++book.entry_seq;
    (o.side === Side.Buy ? book.bids : book.asks).insert(o);
    book.orders.set(o.order_id, o);
  }

  /** The amend's refusal code, or 0. */
  private checkAmend(book: SymbolBook, o: RestingOrder, input: AmendIn): number {
    if (o.user_id !== input.user_id) return Reject.UNKNOWN_ORDER.id;
    if (o.oco !== null) return Reject.AMEND_NOT_ALLOWED.id;
    const s = book.spec;
    const market = isMarketLike(o.order_type);
    if (market && input.price_ticks !== 0) return Reject.AMEND_NOT_ALLOWED.id;
    const price = input.price_ticks === 0 ? o.price_ticks : input.price_ticks;
    const qty = input.qty_lots === 0 ? o.qty_lots : input.qty_lots;
    if (qty <= o.filled_lots) return Reject.QUANTITY_OUT_OF_RANGE.id;
    const value_ticks = market ? o.stop_price_ticks : price;
    if (value_ticks * qty * s.notional_per_tick_lot < s.min_notional_units) {
      return Reject.BELOW_MIN_NOTIONAL.id;
    }
    const remaining = qty - o.filled_lots;
    const need =
      o.side === Side.Buy ? price * remaining * s.notional_per_tick_lot : remaining * s.lot_units;
    if (need - o.frozen_units > input.avail_units) return Reject.INSUFFICIENT_BALANCE.id;
    if (o.post_only && o.where === Where.Resting && price !== o.price_ticks) {
      const opp = o.side === Side.Buy ? book.asks : book.bids;
      const best = opp.best();
      if (best !== null && crosses(o.side === Side.Buy, price, best.price_ticks)) {
        return Reject.POST_ONLY_WOULD_TAKE.id;
      }
    }
    return 0;
  }

  /**
   * Would a new order be refused by the engine itself (post-only that would
   * take, stop already reached) if order `excluded` were gone? For a
   * cancel-replace that must leave everything untouched when it would be.
   */
  wouldRefuse(
    symbol_id: number,
    side: Side,
    order_type: OrderType,
    post_only: boolean,
    price_ticks: number,
    stop_price_ticks: number,
    excluded_order_id: number,
  ): number {
    const book = this.books[symbol_id] as SymbolBook;
    if (isStopType(order_type)) {
      const last = book.last_trade_ticks;
      const reached =
        last !== 0 &&
        (triggersOnRise(order_type, side) ? last >= stop_price_ticks : last <= stop_price_ticks);
      return reached ? Reject.STOP_WOULD_TRIGGER.id : 0;
    }
    if (!post_only) return 0;
    const best = this.bestPriceExcluding(
      symbol_id,
      side === Side.Buy ? Side.Sell : Side.Buy,
      excluded_order_id,
    );
    return best !== 0 && crosses(side === Side.Buy, price_ticks, best)
      ? Reject.POST_ONLY_WOULD_TAKE.id
      : 0;
  }

  /** The best price of one side of a book were an order (and its resting OCO leg) gone; 0 when empty. */
  bestPriceExcluding(symbol_id: number, side: Side, excluded_order_id: number): number {
    const book = this.books[symbol_id] as SymbolBook;
    let x = excluded_order_id === 0 ? undefined : book.orders.get(excluded_order_id);
    if (x !== undefined && x.where !== Where.Resting) x = x.oco ?? undefined;
    const bs = side === Side.Buy ? book.bids : book.asks;
    return bs.bestPriceExcluding(x !== undefined && x.where === Where.Resting ? x : null);
  }

  /** What an open order (with its OCO leg) holds frozen, and in which asset; null when not open. */
  heldBy(symbol_id: number, order_id: number): { asset_id: number; units: number } | null {
    const book = this.books[symbol_id];
    const o = book?.orders.get(order_id);
    if (book === undefined || o === undefined) return null;
    const s = book.spec;
    return {
      asset_id: o.side === Side.Buy ? s.quote.id : s.base.id,
      units: o.frozen_units + (o.oco === null ? 0 : o.oco.frozen_units),
    };
  }

  /**
   * Check every invariant the books rely on (see docs/engine.md); throws
   * InvariantError. Returns every open order's node for the combined core to
   * cross-check against UBSCore. Walks everything: tests only.
   */
  validateInternalState(): RestingOrder[] {
    const all: RestingOrder[] = [];
    for (const book of this.books) {
      if (book === undefined) continue;
      const where = `book ${book.spec.name}`;
      const fail = (m: string): never => {
        throw new InvariantError(`${where}: ${m}`);
      };
      const resting = [
        ...book.bids.validateInternalState(where),
        ...book.asks.validateInternalState(where),
      ];
      book.rising.validateInternalState(where);
      book.falling.validateInternalState(where);
      const waiting = [...book.rising.values(), ...book.falling.values()];
      if (resting.length + waiting.length !== book.orders.size) {
        fail(
          `index holds ${book.orders.size} orders, sides and stops ${resting.length + waiting.length}`,
        );
      }
      for (const o of resting) {
        if (book.orders.get(o.order_id) !== o) fail(`resting order ${o.order_id} not in the index`);
        if (isMarketLike(o.order_type) || o.tif !== TimeInForce.GTC) {
          fail(`order ${o.order_id} rests but is not a GTC limit`);
        }
        if (o.entry_seq > book.entry_seq) fail(`order ${o.order_id} entered after the counter`);
      }
      for (const o of waiting) {
        if (book.orders.get(o.order_id) !== o) fail(`waiting stop ${o.order_id} not in the index`);
        if (!isStopType(o.order_type)) fail(`order ${o.order_id} waits but is not a stop`);
        const heap = triggersOnRise(o.order_type, o.side) ? book.rising : book.falling;
        if (heap.values()[o.stop_index] !== o) fail(`stop ${o.order_id} in the wrong heap`);
        if (stopReached(o, book.last_trade_ticks)) fail(`stop ${o.order_id} should have triggered`);
        if (o.filled_lots !== 0 || o.remaining_lots !== o.qty_lots) {
          fail(`waiting stop ${o.order_id} has traded`);
        }
      }
      for (const o of [...resting, ...waiting]) this.validateFunds(book, o, fail);
      all.push(...resting, ...waiting);
    }
    return all;
  }

  private validateFunds(book: SymbolBook, o: RestingOrder, fail: (m: string) => never): void {
    const s = book.spec;
    if (o.oco === null) {
      if (o.frozen_units !== needUnits(s, o)) {
        fail(`order ${o.order_id} holds ${o.frozen_units}, needs ${needUnits(s, o)}`);
      }
      return;
    }
    const other = o.oco;
    if (other.oco !== o) fail(`OCO link of ${o.order_id} is not symmetric`);
    if (other.user_id !== o.user_id || other.side !== o.side)
      fail(`OCO ${o.order_id}: legs differ`);
    const limit = o.where === Where.Resting ? o : other;
    const stop = limit === o ? other : o;
    if (limit.where !== Where.Resting || stop.where !== Where.Waiting) {
      fail(`OCO ${o.order_id}: one leg must rest, the other wait`);
    }
    if (limit.filled_lots !== 0) fail(`OCO limit leg ${limit.order_id} traded but is still linked`);
    const need = Math.max(needUnits(s, limit), needUnits(s, stop));
    if (limit.frozen_units !== need || stop.frozen_units !== 0) {
      fail(
        `OCO ${limit.order_id}/${stop.order_id} holds ${limit.frozen_units}+${stop.frozen_units}, needs ${need}`,
      );
    }
  }
}
