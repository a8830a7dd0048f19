// Serialisation of the whole core state: the snapshot format and the input of
// the state hash. Maps are written in their iteration (insertion) order, which
// is itself a function of the input log, and a restore re-inserts in the same
// order; so a live core and one restored and replayed from the same log write
// the same bytes, without sorting anything on the live side. Open orders are
// written in order-id order with their entry sequence (time priority, which
// an amend can change) and where they are (resting or waiting for a trigger);
// a restore puts resting orders back in entry order and waiting stops back in
// their heaps. Timers are written in firing order.

import { RestingOrder, Where } from "./book.ts";
import type { Reader, Writer } from "./codec.ts";
import type { Spec } from "./config.ts";
import { triggersOnRise } from "./enums.ts";
import { InvariantError } from "./errors.ts";
import { MatchingEngine, type MatchingOptions, type SymbolBook } from "./matching.ts";
import { type TransferRecord, UbsCore, type UbsOptions } from "./ubscore.ts";
import { readEventItem, writeEventItem } from "./wire.ts";

// UBS3 leaves out UBSCore's open-order registry: every field of it is also in
// the engine's order nodes (validateInternalState checks they agree), so a
// restore rebuilds it from them, and the snapshot pause skips a pass over
// every open order. UBS2 snapshots, which carry it, still restore.
const UBS_MAGIC = 0x55425333; // "UBS3"
const UBS2_MAGIC = 0x55425332;
const ME_MAGIC = 0x4d454e32; // "MEN2"

export function writeUbsState(w: Writer, u: UbsCore): void {
  const slots = u.supply.length;
  w.u32(UBS_MAGIC);
  w.int(u.next_order_id);
  w.int(u.input_seq);
  w.int(u.output_seq);
  w.u64(u.prev_hash);
  w.int(u.time_ms);
  w.int(u.transfer_horizon_ms);
  w.u16(slots);
  for (let i = 0; i < slots; i++) w.int(u.supply[i] as number);
  const symbols = u.spec.symbols.map((s) => s.id).sort((a, b) => a - b);
  w.u16(symbols.length);
  for (const id of symbols) {
    w.u16(id);
    w.int(u.best_bid[id] as number);
    w.int(u.best_ask[id] as number);
  }
  // Maps are walked with forEach: a for-of loop with destructuring allocated
  // an entry, an iterator and results per element, inside the snapshot pause.
  w.u32(u.accounts.size);
  u.accounts.forEach((a, user_id) => {
    w.int(user_id);
    for (let i = 0; i < slots; i++) {
      w.int(a.avail[i] as number);
      w.int(a.frozen[i] as number);
      w.int(a.seq[i] as number);
    }
  });
  // Insertion order is the order they are forgotten in; a restore keeps it.
  w.u32(u.transfers.size);
  u.transfers.forEach((t, request_id) => {
    w.str(request_id);
    w.u8(t.kind);
    w.int(t.user_id);
    w.u16(t.asset_id);
    w.int(t.amount_units);
    w.int(t.ts_ms);
    w.u16(t.reject);
    w.bool(t.event !== null);
    if (t.event !== null) writeEventItem(w, t.event);
    w.int(t.seen_ms);
  });
  w.u32(u.completed.count());
  u.completed.forEach((order_id, user_id) => {
    w.int(order_id);
    w.int(user_id);
  });
  const timers = u.timers.sorted();
  w.u32(timers.length);
  for (const [user_id, deadline_ms] of timers) {
    w.int(user_id);
    w.int(deadline_ms);
  }
}

export function readUbsState(r: Reader, spec: Spec, options: UbsOptions = {}): UbsCore {
  const magic = r.u32();
  if (magic !== UBS_MAGIC && magic !== UBS2_MAGIC) {
    throw new InvariantError("snapshot: UBSCore section missing");
  }
  const u = new UbsCore(spec, options);
  u.next_order_id = r.int();
  u.input_seq = r.int();
  u.output_seq = r.int();
  u.prev_hash = r.u64();
  u.time_ms = r.int();
  u.transfer_horizon_ms = r.int();
  const slots = r.u16();
  if (slots !== u.supply.length) throw new InvariantError("snapshot: asset configuration differs");
  for (let i = 0; i < slots; i++) u.supply[i] = r.int();
  const nsym = r.u16();
  for (let i = 0; i < nsym; i++) {
    const id = r.u16();
    u.best_bid[id] = r.int();
    u.best_ask[id] = r.int();
  }
  const naccounts = r.u32();
  for (let i = 0; i < naccounts; i++) {
    const a = u.account(r.int());
    for (let j = 0; j < slots; j++) {
      a.avail[j] = r.int();
      a.frozen[j] = r.int();
      a.seq[j] = r.int();
    }
  }
  const norders = magic === UBS2_MAGIC ? r.u32() : 0;
  for (let i = 0; i < norders; i++) {
    const order_id = r.int();
    const user_id = r.int();
    const symbol_id = r.u16();
    const side = r.u8();
    const cid = r.str();
    const link = r.int();
    u.orders.add(order_id, user_id, symbol_id, side, cid, link);
    const a = u.account(user_id);
    a.open_orders++;
  }
  const ntransfers = r.u32();
  for (let i = 0; i < ntransfers; i++) {
    const request_id = r.str();
    const t: TransferRecord = {
      kind: r.u8() as TransferRecord["kind"],
      user_id: r.int(),
      asset_id: r.u16(),
      amount_units: r.int(),
      ts_ms: r.int(),
      reject: r.u16(),
      event: r.bool() ? readEventItem(r) : null,
      seen_ms: r.int(),
    };
    u.transfers.set(request_id, t);
  }
  const ncompleted = r.u32();
  for (let i = 0; i < ncompleted; i++) {
    const order_id = r.int();
    u.completed.remember(order_id, r.int());
  }
  const ntimers = r.u32();
  for (let i = 0; i < ntimers; i++) {
    const user_id = r.int();
    u.timers.arm(user_id, r.int());
  }
  return u;
}

/**
 * Register the engine's open orders in UBSCore, in ascending id (the order
 * they were opened in, as a live core registered them). For a state whose
 * UBSCore section did not carry them; a no-op when it did.
 */
export function registerOpenOrders(u: UbsCore, me: MatchingEngine): void {
  if (u.orders.size > 0) return;
  const all: { o: RestingOrder; symbol_id: number }[] = [];
  for (const b of me.books) {
    if (b === undefined) continue;
    for (const o of b.orders.values()) all.push({ o, symbol_id: b.spec.id });
  }
  all.sort((x, y) => x.o.order_id - y.o.order_id);
  for (const { o, symbol_id } of all) {
    u.orders.add(o.order_id, o.user_id, symbol_id, o.side, o.cid, o.oco?.order_id ?? 0);
    const a = u.account(o.user_id);
    a.open_orders++;
  }
}

function writeOrder(w: Writer, o: RestingOrder): void {
  w.int(o.order_id);
  w.int(o.user_id);
  w.u8(o.side);
  w.u8(o.order_type);
  w.u8(o.tif);
  w.int(o.price_ticks);
  w.int(o.qty_lots);
  w.int(o.remaining_lots);
  w.int(o.filled_lots);
  w.int(o.filled_quote_units);
  w.int(o.frozen_units);
  w.str(o.cid);
  w.int(o.ts_ms);
  w.u8(o.stp);
  w.bool(o.post_only);
  w.int(o.stop_price_ticks);
  w.u8(o.where);
  w.int(o.entry_seq);
  w.int(o.oco === null ? 0 : o.oco.order_id);
}

interface SavedOrder {
  o: RestingOrder;
  where: number;
  oco_id: number;
}

function readOrder(r: Reader): SavedOrder {
  const o = new RestingOrder(
    r.int(),
    r.int(),
    r.u8() as RestingOrder["side"],
    r.u8() as RestingOrder["order_type"],
    r.u8() as RestingOrder["tif"],
    r.int(),
    r.int(),
    r.int(),
    r.int(),
    r.int(),
    r.int(),
    r.str(),
    r.int(),
    r.u8() as RestingOrder["stp"],
    r.bool(),
    r.int(),
  );
  const where = r.u8();
  if (where !== Where.Resting && where !== Where.Waiting) {
    throw new InvariantError(`snapshot: order ${o.order_id} is neither resting nor waiting`);
  }
  o.entry_seq = r.int();
  return { o, where, oco_id: r.int() };
}

function writeBook(w: Writer, b: SymbolBook): void {
  w.u16(b.spec.id);
  w.int(b.trade_seq);
  w.int(b.output_seq);
  w.u64(b.prev_hash);
  w.int(b.last_trade_ticks);
  w.int(b.entry_seq);
  w.u32(b.orders.size);
  b.orders.forEachAscending((o) => writeOrder(w, o));
}

export function writeEngineState(w: Writer, me: MatchingEngine): void {
  w.u32(ME_MAGIC);
  const books = me.books.filter((b): b is SymbolBook => b !== undefined);
  w.u16(books.length);
  for (const b of books) writeBook(w, b);
}

export function readEngineState(
  r: Reader,
  spec: Spec,
  options: MatchingOptions = {},
): MatchingEngine {
  if (r.u32() !== ME_MAGIC) throw new InvariantError("snapshot: matching engine section missing");
  const nbooks = r.u16();
  const books: {
    id: number;
    trade_seq: number;
    output_seq: number;
    prev_hash: bigint;
    last_trade_ticks: number;
    entry_seq: number;
    orders: SavedOrder[];
  }[] = [];
  for (let i = 0; i < nbooks; i++) {
    const id = r.u16();
    const trade_seq = r.int();
    const output_seq = r.int();
    const prev_hash = r.u64();
    const last_trade_ticks = r.int();
    const entry_seq = r.int();
    const n = r.u32();
    const orders: SavedOrder[] = new Array(n);
    for (let j = 0; j < n; j++) orders[j] = readOrder(r);
    books.push({ id, trade_seq, output_seq, prev_hash, last_trade_ticks, entry_seq, orders });
  }
  const me = new MatchingEngine(spec, { ...options, symbols: books.map((b) => b.id) });
  for (const saved of books) {
    const b = me.books[saved.id] as SymbolBook;
    b.trade_seq = saved.trade_seq;
    b.output_seq = saved.output_seq;
    b.prev_hash = saved.prev_hash;
    b.last_trade_ticks = saved.last_trade_ticks;
    b.entry_seq = saved.entry_seq;
    const byId = new Map<number, RestingOrder>();
    for (const { o } of saved.orders) byId.set(o.order_id, o);
    for (const { o, oco_id } of saved.orders) {
      if (oco_id === 0) continue;
      const other = byId.get(oco_id);
      if (other === undefined) throw new InvariantError(`snapshot: OCO partner ${oco_id} missing`);
      o.oco = other;
    }
    // Entry order is time priority: appending in it rebuilds each level's FIFO.
    const resting = saved.orders.filter((x) => x.where === Where.Resting).map((x) => x.o);
    resting.sort((x, y) => x.entry_seq - y.entry_seq);
    for (const o of resting) (o.side === 1 ? b.bids : b.asks).insert(o);
    for (const { o, where } of saved.orders) {
      if (where === Where.Waiting) {
        (triggersOnRise(o.order_type, o.side) ? b.rising : b.falling).push(o);
      }
      b.orders.set(o.order_id, o);
    }
  }
  return me;
}
