// The matching engine: one book per symbol, price-time priority, trades at the
// maker's price. It owns no balances, but every order carries what UBSCore
// froze for it, so the engine can say exactly how each fill moves money
// (BalanceDelta) and release the rest when an order ends. Pure and
// deterministic: no clock, no randomness, no I/O.

import { BookSide, type Level, OrderPool, type RestingOrder } from "./book.ts";
import { Writer } from "./codec.ts";
import type { Spec, SymbolSpec } from "./config.ts";
import { FEE_USER_ID, tradeIdOf } from "./constants.ts";
import { BalanceKind, OrderStatus, OrderType, Side, Stp, TimeInForce } from "./enums.ts";
import { assert, Reject } from "./errors.ts";
import { GENESIS_HASH } from "./hash.ts";
import { mulPpmFloor } from "./money.ts";
import { OrderIndex } from "./order-index.ts";
import type { CancelIn, EngineOutput, MatchInput, OrderIn } from "./types.ts";
import { writeEngineOutput } from "./wire.ts";

export class SymbolBook {
  readonly bids = new BookSide(true);
  readonly asks = new BookSide(false);
  readonly orders = new OrderIndex();
  trade_seq = 0;
  output_seq = 0;
  prev_hash = GENESIS_HASH;

  constructor(readonly spec: SymbolSpec) {}
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

export class MatchingEngine {
  readonly books: (SymbolBook | undefined)[] = [];
  private readonly hash_outputs: boolean;
  private readonly writer = new Writer(64 * 1024);
  private readonly pool = new OrderPool();

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

  book(symbol_id: number): SymbolBook | undefined {
    return this.books[symbol_id];
  }

  /** Apply one input; returns its output (sealed with a hash when hashing is on). */
  apply(input: MatchInput): EngineOutput {
    const book = this.books[input.symbol_id];
    assert(book !== undefined, () => `matching engine does not own symbol ${input.symbol_id}`);
    const out: EngineOutput = {
      symbol_id: input.symbol_id,
      output_seq: book.output_seq + 1,
      prev_hash: book.prev_hash,
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
    if (input.kind === 1) this.place(book, input, out);
    else this.cancel(book, input, out);
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
    const s = book.spec;
    const is_buy = input.side === Side.Buy;
    const by_quote = input.qty_lots === 0;
    const taker = this.pool.acquire(
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
    );
    const opp = is_buy ? book.asks : book.bids;
    const limit = input.price_ticks;

    if (input.post_only) {
      const best = opp.best();
      if (best !== null && crosses(is_buy, limit, best.price_ticks)) {
        this.finish(book, taker, OrderStatus.Rejected, Reject.POST_ONLY_WOULD_TAKE.id, out);
        return;
      }
    }
    if (input.tif === TimeInForce.FOK && !this.fokFillable(taker, opp, input.stp)) {
      this.finish(book, taker, OrderStatus.Expired, Reject.NOT_FILLED.id, out);
      return;
    }

    let budget_units = by_quote ? input.quote_units : 0;
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
          if (input.stp === Stp.ExpireTaker) {
            stp_expired = true;
            break outer;
          }
          this.expireMaker(book, opp, maker, out);
          if (input.stp === Stp.ExpireBoth) {
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

    if (stp_expired) {
      this.finish(book, taker, OrderStatus.Expired, Reject.SELF_TRADE_PREVENTED.id, out);
    } else if (by_quote) {
      const done = budget_spent || budget_units === 0;
      if (done && taker.filled_lots > 0) this.finish(book, taker, OrderStatus.Filled, 0, out);
      else this.finish(book, taker, OrderStatus.Expired, Reject.NOT_FILLED.id, out);
    } else if (taker.remaining_lots === 0) {
      this.finish(book, taker, OrderStatus.Filled, 0, out);
    } else if (input.order_type === OrderType.Limit && input.tif === TimeInForce.GTC) {
      this.rest(book, taker, out);
    } else {
      this.finish(book, taker, OrderStatus.Expired, Reject.NOT_FILLED.id, out);
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
    let need = taker.qty_lots;
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
    assert(
      buyer.frozen_units >= 0 && seller.frozen_units >= 0,
      () => `trade ${trade_id}: frozen funds exhausted`,
    );

    opp.reduce(maker, lots);
    maker.filled_lots += lots;
    maker.filled_quote_units += notional_units;
    if (!by_quote) taker.remaining_lots -= lots;
    taker.filled_lots += lots;
    taker.filled_quote_units += notional_units;

    out.trades.push({
      trade_id,
      symbol_id: s.id,
      price_ticks,
      qty_lots: lots,
      quote_units: notional_units,
      maker_order_id: maker.order_id,
      taker_order_id: taker.order_id,
      maker_user_id: maker.user_id,
      taker_user_id: taker.user_id,
      taker_side: taker.side,
      buyer_fee_units: buyer_fee,
      seller_fee_units: seller_fee,
    });
    const base = s.base.id;
    const quote = s.quote.id;
    const d = out.deltas;
    d.push({
      user_id: buyer.user_id,
      asset_id: quote,
      kind: BalanceKind.TradeDebit,
      delta_avail: improvement,
      delta_frozen: -consumed,
      ref_id: trade_id,
    });
    d.push({
      user_id: buyer.user_id,
      asset_id: base,
      kind: BalanceKind.TradeCredit,
      delta_avail: base_units - buyer_fee,
      delta_frozen: 0,
      ref_id: trade_id,
    });
    d.push({
      user_id: seller.user_id,
      asset_id: base,
      kind: BalanceKind.TradeDebit,
      delta_avail: 0,
      delta_frozen: -base_units,
      ref_id: trade_id,
    });
    d.push({
      user_id: seller.user_id,
      asset_id: quote,
      kind: BalanceKind.TradeCredit,
      delta_avail: notional_units - seller_fee,
      delta_frozen: 0,
      ref_id: trade_id,
    });
    if (buyer_fee > 0) {
      d.push({
        user_id: FEE_USER_ID,
        asset_id: base,
        kind: BalanceKind.FeeCredit,
        delta_avail: buyer_fee,
        delta_frozen: 0,
        ref_id: trade_id,
      });
    }
    if (seller_fee > 0) {
      d.push({
        user_id: FEE_USER_ID,
        asset_id: quote,
        kind: BalanceKind.FeeCredit,
        delta_avail: seller_fee,
        delta_frozen: 0,
        ref_id: trade_id,
      });
    }

    if (maker.remaining_lots === 0) {
      opp.remove(maker);
      book.orders.delete(maker.order_id);
      // A maker's freeze is its own price for its whole quantity: nothing is left once filled.
      assert(
        maker.frozen_units === 0,
        () => `maker ${maker.order_id} filled with funds still frozen`,
      );
      this.update(maker, OrderStatus.Filled, 0, out);
      out.completions.push({
        order_id: maker.order_id,
        user_id: maker.user_id,
        status: OrderStatus.Filled,
        reason: 0,
      });
      this.pool.release(maker);
      return true;
    }
    this.update(maker, OrderStatus.PartiallyFilled, 0, out);
    return false;
  }

  private rest(book: SymbolBook, o: RestingOrder, out: EngineOutput): void {
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
    this.releaseFrozen(book.spec, o, out);
    this.update(o, status, reason, out);
    out.completions.push({ order_id: o.order_id, user_id: o.user_id, status, reason });
    // Every caller has taken the order off the book (or never put it there).
    this.pool.release(o);
  }

  private releaseFrozen(s: SymbolSpec, o: RestingOrder, out: EngineOutput): void {
    if (o.frozen_units === 0) return;
    const amount = o.frozen_units;
    o.frozen_units = 0;
    out.deltas.push({
      user_id: o.user_id,
      asset_id: o.side === Side.Buy ? s.quote.id : s.base.id,
      kind: BalanceKind.Release,
      delta_avail: amount,
      delta_frozen: -amount,
      ref_id: o.order_id,
    });
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
    (o.side === Side.Buy ? book.bids : book.asks).remove(o);
    book.orders.delete(o.order_id);
    this.finish(book, o, OrderStatus.Cancelled, Reject.USER_CANCELLED.id, out);
  }
}
