// The user data stream's events, derived from core outputs alone: every
// status change of a user's orders with its fills and fees (Binance's
// executionReport), deposits and withdrawals (balanceUpdate) and the user's
// balances after every change (outboundAccountPosition), in output order.
// An output carries the taker's command, every order update and trade, and
// the balance events with the balances after; what it does not repeat about
// a resting maker (its client order id, creation time, flags) comes from the
// OrderMetaBook, which holds every open order's facts.

import {
  CommandKind,
  type CoreOutput,
  isTransferCmd,
  OrderStatus,
  OrderType,
  type OrderUpdate,
  Reject,
  Side,
  type Spec,
  Stp,
  type SymbolSpec,
  TimeInForce,
  type Trade,
} from "../core/mod.ts";
import { binanceSymbol, priceText, qtyText, unitsText } from "./decimals.ts";
import type { OrderMeta } from "./types.ts";

/** Every open order's facts, by order id: added when an order rests, dropped when it completes. */
export class OrderMetaBook {
  private readonly byId = new Map<number, OrderMeta>();

  get size(): number {
    return this.byId.size;
  }

  get(order_id: number): OrderMeta | undefined {
    return this.byId.get(order_id);
  }

  set(m: OrderMeta): void {
    this.byId.set(m.order_id, m);
  }

  delete(order_id: number): void {
    this.byId.delete(order_id);
  }
}

const SIDE = { [Side.Buy]: "BUY", [Side.Sell]: "SELL" } as Record<number, string>;
const TIF = {
  [TimeInForce.GTC]: "GTC",
  [TimeInForce.IOC]: "IOC",
  [TimeInForce.FOK]: "FOK",
} as Record<number, string>;
const STP = {
  [Stp.ExpireTaker]: "EXPIRE_TAKER",
  [Stp.ExpireMaker]: "EXPIRE_MAKER",
  [Stp.ExpireBoth]: "EXPIRE_BOTH",
} as Record<number, string>;

/** Binance's order status name of a Bourse status (an STP expiry is EXPIRED_IN_MATCH). */
function statusText(status: number, reason: number): string {
  switch (status) {
    case OrderStatus.New:
      return "NEW";
    case OrderStatus.PartiallyFilled:
      return "PARTIALLY_FILLED";
    case OrderStatus.Filled:
      return "FILLED";
    case OrderStatus.Cancelled:
      return "CANCELED";
    case OrderStatus.Rejected:
      return "REJECTED";
    default:
      return reason === Reject.SELF_TRADE_PREVENTED.id ? "EXPIRED_IN_MATCH" : "EXPIRED";
  }
}

function reasonText(reason: number): string {
  if (reason === 0) return "NONE";
  for (const e of Object.values(Reject)) if (e.id === reason) return e.code;
  return String(reason);
}

export function metaOfPlace(out: CoreOutput): OrderMeta | null {
  const c = out.input;
  if (c.kind !== CommandKind.Place || out.order_id === 0) return null;
  return {
    order_id: out.order_id,
    user_id: c.user_id,
    symbol_id: c.symbol_id,
    side: c.side,
    order_type: c.order_type,
    tif: c.tif,
    post_only: c.post_only,
    stp: c.stp,
    price_ticks: c.price_ticks,
    qty_lots: c.qty_lots,
    quote_units: c.quote_units,
    cid: c.cid,
    ts_ms: c.ts_ms,
  };
}

/** Where user events go: `open` is the event's JSON without its closing brace. */
export type UserEmit = (user_id: number, open: string) => void;

interface Fill {
  trade: Trade;
  is_maker: boolean;
}

/** An order's status as one report states it; on_book: it rests after this event. */
interface StatusView {
  status: number;
  reason: number;
  on_book: boolean;
}

function viewOf(u: OrderUpdate): StatusView {
  const open = u.status === OrderStatus.New || u.status === OrderStatus.PartiallyFilled;
  return { status: u.status, reason: u.reason, on_book: open && u.remaining_lots > 0 };
}

/** A running view of one order while an output is walked. */
interface Progress {
  meta: OrderMeta;
  filled_lots: number;
  filled_quote_units: number;
}

export class UserEvents {
  constructor(
    private readonly spec: Spec,
    readonly meta: OrderMetaBook = new OrderMetaBook(),
  ) {}

  /**
   * The events of one output, in order, for the users `wants` accepts; keeps
   * the order facts current whether or not anyone listens.
   */
  apply(
    out: CoreOutput,
    at_ms: number,
    event_ms: number,
    wants: (user_id: number) => boolean,
    emit: UserEmit,
  ): void {
    const cmd = out.input;
    if (isTransferCmd(cmd)) {
      if (out.events.length > 0 && wants(cmd.user_id)) {
        const a = this.spec.assetById[cmd.asset_id];
        if (a !== undefined) {
          const d = cmd.kind === CommandKind.Deposit ? cmd.amount_units : -cmd.amount_units;
          emit(
            cmd.user_id,
            `{"e":"balanceUpdate","E":${event_ms},"a":"${a.name}","d":"${unitsText(a, d)}","T":${at_ms},"output_seq":${out.output_seq}`,
          );
        }
      }
      this.positions(out, event_ms, wants, emit);
      return;
    }
    if (out.updates.length > 0) this.orders(out, at_ms, event_ms, wants, emit);
    this.positions(out, event_ms, wants, emit);
    for (const c of out.completions) this.meta.delete(c.order_id);
  }

  private orders(
    out: CoreOutput,
    at_ms: number,
    event_ms: number,
    wants: (user_id: number) => boolean,
    emit: UserEmit,
  ): void {
    const s = this.spec.symbolById[out.symbol_id];
    if (s === undefined) return;
    const taker_meta = metaOfPlace(out);
    const taker: Progress | null =
      taker_meta === null ? null : { meta: taker_meta, filled_lots: 0, filled_quote_units: 0 };
    const final = out.updates[out.updates.length - 1] as OrderUpdate;
    const report = (p: Progress, x: string, u: StatusView, fill: Fill | null) => {
      if (!wants(p.meta.user_id)) return;
      emit(p.meta.user_id, this.report(s, p, x, u, fill, out.output_seq, at_ms, event_ms));
    };
    if (taker !== null && final.order_id === taker.meta.order_id) {
      if (final.status === OrderStatus.Rejected) {
        report(taker, "REJECTED", viewOf(final), null);
        return;
      }
      const rests =
        final.status === OrderStatus.New || final.status === OrderStatus.PartiallyFilled;
      report(taker, "NEW", { status: OrderStatus.New, reason: 0, on_book: rests }, null);
    }
    let ti = 0;
    for (const u of out.updates) {
      if (taker !== null && u.order_id === taker.meta.order_id) continue;
      const m = this.meta.get(u.order_id) ?? restedMeta(u, out, s);
      const maker: Progress = {
        meta: m,
        filled_lots: u.filled_lots,
        filled_quote_units: u.filled_quote_units,
      };
      if (u.status === OrderStatus.Filled || u.status === OrderStatus.PartiallyFilled) {
        const t = out.trades[ti++];
        if (t === undefined || t.maker_order_id !== u.order_id) continue;
        report(maker, "TRADE", viewOf(u), { trade: t, is_maker: true });
        if (taker !== null) {
          taker.filled_lots += t.qty_lots;
          taker.filled_quote_units += t.quote_units;
          const last = ti === out.trades.length;
          const status =
            last && final.status === OrderStatus.Filled
              ? OrderStatus.Filled
              : OrderStatus.PartiallyFilled;
          const rests = !last || final.status === OrderStatus.PartiallyFilled;
          report(
            taker,
            "TRADE",
            { status, reason: 0, on_book: rests },
            {
              trade: t,
              is_maker: false,
            },
          );
        }
      } else if (u.status === OrderStatus.Cancelled) {
        report(maker, "CANCELED", viewOf(u), null);
      } else {
        const x = u.reason === Reject.SELF_TRADE_PREVENTED.id ? "TRADE_PREVENTION" : "EXPIRED";
        report(maker, x, viewOf(u), null);
      }
    }
    if (taker !== null && final.order_id === taker.meta.order_id) {
      if (final.status === OrderStatus.Expired || final.status === OrderStatus.Cancelled) {
        taker.filled_lots = final.filled_lots;
        taker.filled_quote_units = final.filled_quote_units;
        const x = final.reason === Reject.SELF_TRADE_PREVENTED.id ? "TRADE_PREVENTION" : "EXPIRED";
        report(taker, x, viewOf(final), null);
      } else if (final.status === OrderStatus.New || final.status === OrderStatus.PartiallyFilled) {
        this.meta.set(taker.meta);
      }
    }
  }

  private report(
    s: SymbolSpec,
    p: Progress,
    x: string,
    u: StatusView,
    fill: Fill | null,
    output_seq: number,
    at_ms: number,
    event_ms: number,
  ): string {
    const m = p.meta;
    const market = m.order_type === OrderType.Market;
    const type = market ? "MARKET" : m.post_only ? "LIMIT_MAKER" : "LIMIT";
    let last = `"l":"${qtyText(s, 0)}","L":"${priceText(s, 0)}","n":"0","N":null,"t":-1,"Y":"${unitsText(s.quote, 0)}"`;
    let is_maker = false;
    if (fill !== null) {
      const t = fill.trade;
      const buys = m.side === Side.Buy;
      const fee_asset = buys ? s.base : s.quote;
      const fee = buys ? t.buyer_fee_units : t.seller_fee_units;
      last = `"l":"${qtyText(s, t.qty_lots)}","L":"${priceText(s, t.price_ticks)}","n":"${unitsText(fee_asset, fee)}","N":"${fee_asset.name}","t":${t.trade_id},"Y":"${unitsText(s.quote, t.quote_units)}"`;
      is_maker = fill.is_maker;
    }
    return `{"e":"executionReport","E":${event_ms},"s":"${binanceSymbol(s.name)}","c":${JSON.stringify(m.cid)},"S":"${SIDE[m.side]}","o":"${type}","f":"${TIF[m.tif]}","q":"${qtyText(s, m.qty_lots)}","p":"${priceText(s, market ? 0 : m.price_ticks)}","P":"${priceText(s, 0)}","F":"${qtyText(s, 0)}","g":-1,"C":"","x":"${x}","X":"${statusText(u.status, u.reason)}","r":"${reasonText(u.reason)}","i":${m.order_id},${last},"z":"${qtyText(s, p.filled_lots)}","T":${at_ms},"w":${u.on_book},"m":${is_maker},"M":false,"O":${m.ts_ms},"Z":"${unitsText(s.quote, p.filled_quote_units)}","Q":"${unitsText(s.quote, m.quote_units)}","W":${m.ts_ms},"V":"${STP[m.stp] ?? "NONE"}","output_seq":${output_seq}`;
  }

  /** The balances each user holds after this output, one event per user (assets in first-change order). */
  private positions(
    out: CoreOutput,
    event_ms: number,
    wants: (user_id: number) => boolean,
    emit: UserEmit,
  ): void {
    const ev = out.events;
    if (ev.length === 0) return;
    let users: Map<number, Map<number, { avail: number; frozen: number }>> | null = null;
    for (const e of ev) {
      if (!wants(e.user_id)) continue;
      users ??= new Map();
      let assets = users.get(e.user_id);
      if (assets === undefined) {
        assets = new Map();
        users.set(e.user_id, assets);
      }
      assets.set(e.asset_id, { avail: e.avail, frozen: e.frozen });
    }
    if (users === null) return;
    const at = out.input.ts_ms;
    for (const [user_id, assets] of users) {
      let b = "";
      for (const [asset_id, v] of assets) {
        const a = this.spec.assetById[asset_id];
        if (a === undefined) continue;
        if (b !== "") b += ",";
        b += `{"a":"${a.name}","f":"${unitsText(a, v.avail)}","l":"${unitsText(a, v.frozen)}"}`;
      }
      emit(
        user_id,
        `{"e":"outboundAccountPosition","E":${event_ms},"u":${at},"B":[${b}],"output_seq":${out.output_seq}`,
      );
    }
  }
}

/**
 * A maker the book of facts does not hold (it rested before this process
 * started following and was not seeded): what the output itself proves. A
 * resting order is always a good-till-cancelled limit at its trade price.
 */
function restedMeta(u: OrderUpdate, out: CoreOutput, s: SymbolSpec): OrderMeta {
  const t = out.trades.find((x) => x.maker_order_id === u.order_id);
  const taker_side = t?.taker_side ?? Side.Buy;
  return {
    order_id: u.order_id,
    user_id: u.user_id,
    symbol_id: s.id,
    side: taker_side === Side.Buy ? Side.Sell : Side.Buy,
    order_type: OrderType.Limit,
    tif: TimeInForce.GTC,
    post_only: false,
    stp: Stp.ExpireMaker,
    price_ticks: t?.price_ticks ?? 0,
    qty_lots: u.filled_lots + u.remaining_lots,
    quote_units: 0,
    cid: "",
    ts_ms: 0,
  };
}
