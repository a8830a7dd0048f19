// Encoders and decoders of the core's wire types (types.ts) over the canonical
// layout (codec.ts). Each top-level message starts with a format version byte.
// The hash of a chained message covers every byte before its trailing hash.

import { Reader, Writer } from "./codec.ts";
import { CommandKind } from "./enums.ts";
import { InvariantError } from "./errors.ts";
import { type HashHalves, hash64, hash64Into, joinHash, splitHash } from "./hash.ts";
import type {
  BalanceDelta,
  BalanceEvent,
  BalanceOutput,
  Command,
  Completion,
  CoreOutput,
  EngineOutput,
  MatchInput,
  OrderSpec,
  OrderUpdate,
  Trade,
} from "./types.ts";

/**
 * 2 added the stop price to orders (behind a flags byte that replaced the
 * post-only byte), the commands PlaceOco to Tick, the engine inputs OcoIn and
 * AmendIn, a cancel's reason, and a CoreOutput's other_order_id and
 * other_reject (only after the commands that name a second order). Messages
 * of the older kinds are laid out as in version 1, and version 1 messages
 * (journals, output batches written before) still decode: the new fields
 * read as 0 (a cancel's reason as USER_CANCELLED).
 */
export const WIRE_VERSION = 2;
const USER_CANCELLED = 22;

/** The flags byte of an order: post-only, and whether a stop price follows the client order id. */
const FLAG_POST_ONLY = 1;
const FLAG_STOP_PRICE = 2;

/**
 * An order's fields. Version 1 had a post-only byte where version 2 has a
 * flags byte, and appends the stop price only when there is one: an order
 * without a stop price is encoded exactly as version 1 encoded it.
 */
function writeOrderSpec(w: Writer, o: OrderSpec): void {
  w.u16(o.symbol_id);
  w.u8(o.side);
  w.u8(o.order_type);
  w.u8(o.tif);
  w.u8((o.post_only ? FLAG_POST_ONLY : 0) | (o.stop_price_ticks !== 0 ? FLAG_STOP_PRICE : 0));
  w.u8(o.stp);
  w.int(o.price_ticks);
  w.int(o.qty_lots);
  w.int(o.quote_units);
  w.str(o.cid);
  if (o.stop_price_ticks !== 0) w.int(o.stop_price_ticks);
}

function readOrderSpec(r: Reader, v: number): OrderSpec {
  const symbol_id = r.u16();
  const side = r.u8() as OrderSpec["side"];
  const order_type = r.u8() as OrderSpec["order_type"];
  const tif = r.u8() as OrderSpec["tif"];
  const flags = v >= 2 ? r.u8() : r.bool() ? FLAG_POST_ONLY : 0;
  if (flags > (FLAG_POST_ONLY | FLAG_STOP_PRICE)) {
    throw new InvariantError(`decode: bad order flags ${flags}`);
  }
  const post_only = (flags & FLAG_POST_ONLY) !== 0;
  const stp = r.u8() as OrderSpec["stp"];
  const price_ticks = r.int();
  const qty_lots = r.int();
  const quote_units = r.int();
  const cid = r.str();
  const stop_price_ticks = (flags & FLAG_STOP_PRICE) !== 0 ? r.int() : 0;
  return {
    symbol_id,
    side,
    order_type,
    tif,
    post_only,
    stp,
    price_ticks,
    stop_price_ticks,
    qty_lots,
    quote_units,
    cid,
  };
}

export function writeCommand(w: Writer, c: Command): void {
  w.u8(c.kind);
  switch (c.kind) {
    case CommandKind.Deposit:
    case CommandKind.Withdraw:
      w.str(c.request_id);
      w.int(c.user_id);
      w.u16(c.asset_id);
      w.int(c.amount_units);
      break;
    case CommandKind.Place:
      w.int(c.user_id);
      writeOrderSpec(w, c);
      break;
    case CommandKind.Cancel:
      w.int(c.user_id);
      w.int(c.order_id);
      w.str(c.cid);
      break;
    case CommandKind.PlaceOco:
      w.int(c.user_id);
      w.u16(c.symbol_id);
      w.u8(c.side);
      w.u8(c.stp);
      w.int(c.qty_lots);
      w.int(c.price_ticks);
      w.bool(c.post_only);
      w.str(c.cid);
      w.u8(c.stop_type);
      w.int(c.stop_price_ticks);
      w.int(c.stop_limit_price_ticks);
      w.u8(c.stop_tif);
      w.str(c.stop_cid);
      break;
    case CommandKind.Amend:
      w.int(c.user_id);
      w.u16(c.symbol_id);
      w.int(c.order_id);
      w.str(c.cid);
      w.int(c.price_ticks);
      w.int(c.qty_lots);
      break;
    case CommandKind.CancelReplace:
      w.int(c.user_id);
      w.int(c.order_id);
      w.str(c.cid);
      w.u8(c.mode);
      writeOrderSpec(w, c.order);
      break;
    case CommandKind.CancelAll:
      w.int(c.user_id);
      w.u16(c.symbol_id);
      break;
    case CommandKind.CancelAllAfter:
      w.int(c.user_id);
      w.int(c.timeout_ms);
      break;
    case CommandKind.Tick:
      break;
  }
  w.int(c.ts_ms);
  w.str(c.corr);
}

/** Read a command of wire version `v` (the version byte of the message that carries it). */
export function readCommand(r: Reader, v: number = WIRE_VERSION): Command {
  const kind = r.u8();
  if (kind > CommandKind.Cancel && v < 2) {
    throw new InvariantError(`decode: command kind ${kind} in a version ${v} message`);
  }
  switch (kind) {
    case CommandKind.Deposit:
    case CommandKind.Withdraw:
      return {
        kind,
        request_id: r.str(),
        user_id: r.int(),
        asset_id: r.u16(),
        amount_units: r.int(),
        ts_ms: r.int(),
        corr: r.str(),
      };
    case CommandKind.Place: {
      const user_id = r.int();
      const o = readOrderSpec(r, v);
      return { kind, user_id, ...o, ts_ms: r.int(), corr: r.str() };
    }
    case CommandKind.Cancel:
      return {
        kind,
        user_id: r.int(),
        order_id: r.int(),
        cid: r.str(),
        ts_ms: r.int(),
        corr: r.str(),
      };
    case CommandKind.PlaceOco:
      return {
        kind,
        user_id: r.int(),
        symbol_id: r.u16(),
        side: r.u8() as 1 | 2,
        stp: r.u8() as 1 | 2 | 3,
        qty_lots: r.int(),
        price_ticks: r.int(),
        post_only: r.bool(),
        cid: r.str(),
        stop_type: r.u8() as OrderSpec["order_type"],
        stop_price_ticks: r.int(),
        stop_limit_price_ticks: r.int(),
        stop_tif: r.u8() as OrderSpec["tif"],
        stop_cid: r.str(),
        ts_ms: r.int(),
        corr: r.str(),
      };
    case CommandKind.Amend:
      return {
        kind,
        user_id: r.int(),
        symbol_id: r.u16(),
        order_id: r.int(),
        cid: r.str(),
        price_ticks: r.int(),
        qty_lots: r.int(),
        ts_ms: r.int(),
        corr: r.str(),
      };
    case CommandKind.CancelReplace:
      return {
        kind,
        user_id: r.int(),
        order_id: r.int(),
        cid: r.str(),
        mode: r.u8() as 1 | 2,
        order: readOrderSpec(r, v),
        ts_ms: r.int(),
        corr: r.str(),
      };
    case CommandKind.CancelAll:
      return { kind, user_id: r.int(), symbol_id: r.u16(), ts_ms: r.int(), corr: r.str() };
    case CommandKind.CancelAllAfter:
      return { kind, user_id: r.int(), timeout_ms: r.int(), ts_ms: r.int(), corr: r.str() };
    case CommandKind.Tick:
      return { kind, ts_ms: r.int(), corr: r.str() };
    default:
      throw new InvariantError(`decode: unknown command kind ${kind}`);
  }
}

export function writeMatchInput(w: Writer, m: MatchInput): void {
  w.u8(m.kind);
  w.int(m.ubs_seq);
  w.int(m.order_id);
  w.int(m.user_id);
  w.u16(m.symbol_id);
  switch (m.kind) {
    case 1:
      w.u8(m.side);
      w.u8(m.order_type);
      w.u8(m.tif);
      w.bool(m.post_only);
      w.u8(m.stp);
      w.int(m.price_ticks);
      w.int(m.qty_lots);
      w.int(m.quote_units);
      w.int(m.frozen_units);
      w.str(m.cid);
      w.int(m.stop_price_ticks);
      break;
    case 2:
      w.u16(m.reason);
      break;
    case 3:
      w.int(m.stop_order_id);
      w.u8(m.side);
      w.u8(m.stp);
      w.int(m.qty_lots);
      w.int(m.price_ticks);
      w.bool(m.post_only);
      w.str(m.cid);
      w.u8(m.stop_type);
      w.int(m.stop_price_ticks);
      w.int(m.stop_limit_price_ticks);
      w.u8(m.stop_tif);
      w.str(m.stop_cid);
      w.int(m.frozen_units);
      break;
    case 4:
      w.int(m.price_ticks);
      w.int(m.qty_lots);
      w.int(m.avail_units);
      break;
  }
  w.int(m.ts_ms);
}

export function readMatchInput(r: Reader, v: number = WIRE_VERSION): MatchInput {
  const kind = r.u8();
  const ubs_seq = r.int();
  const order_id = r.int();
  const user_id = r.int();
  const symbol_id = r.u16();
  if (kind === 1) {
    return {
      kind,
      ubs_seq,
      order_id,
      user_id,
      symbol_id,
      side: r.u8() as 1 | 2,
      order_type: r.u8() as OrderSpec["order_type"],
      tif: r.u8() as 1 | 2 | 3,
      post_only: r.bool(),
      stp: r.u8() as 1 | 2 | 3,
      price_ticks: r.int(),
      qty_lots: r.int(),
      quote_units: r.int(),
      frozen_units: r.int(),
      cid: r.str(),
      stop_price_ticks: v >= 2 ? r.int() : 0,
      ts_ms: r.int(),
    };
  }
  if (kind === 2) {
    const reason = v >= 2 ? r.u16() : USER_CANCELLED;
    return { kind, ubs_seq, order_id, user_id, symbol_id, reason, ts_ms: r.int() };
  }
  if (v >= 2 && kind === 3) {
    return {
      kind,
      ubs_seq,
      order_id,
      user_id,
      symbol_id,
      stop_order_id: r.int(),
      side: r.u8() as 1 | 2,
      stp: r.u8() as 1 | 2 | 3,
      qty_lots: r.int(),
      price_ticks: r.int(),
      post_only: r.bool(),
      cid: r.str(),
      stop_type: r.u8() as OrderSpec["order_type"],
      stop_price_ticks: r.int(),
      stop_limit_price_ticks: r.int(),
      stop_tif: r.u8() as 1 | 2 | 3,
      stop_cid: r.str(),
      frozen_units: r.int(),
      ts_ms: r.int(),
    };
  }
  if (v >= 2 && kind === 4) {
    return {
      kind,
      ubs_seq,
      order_id,
      user_id,
      symbol_id,
      price_ticks: r.int(),
      qty_lots: r.int(),
      avail_units: r.int(),
      ts_ms: r.int(),
    };
  }
  throw new InvariantError(`decode: unknown match input kind ${kind}`);
}

/** The fields of an order update that writeUpdateItem reads from an object (an engine order node is one). */
export type UpdateFields = Pick<
  OrderUpdate,
  "order_id" | "user_id" | "filled_lots" | "remaining_lots" | "filled_quote_units"
>;

/**
 * One order update's bytes: shared by the list encoder and OutputSections, so
 * both write the same. The item encoders take their numbers in an object, not
 * as arguments: passed to a call the optimiser does not inline, every amount
 * beyond a small integer would be boxed on the heap, an allocation per number
 * per item on the hot path.
 */
export function writeUpdateItem(w: Writer, u: UpdateFields, status: number, reason: number): void {
  w.int(u.order_id);
  w.int(u.user_id);
  w.u8(status);
  w.int(u.filled_lots);
  w.int(u.remaining_lots);
  w.int(u.filled_quote_units);
  w.u16(reason);
}

function writeUpdates(w: Writer, list: OrderUpdate[]): void {
  w.u32(list.length);
  for (let i = 0; i < list.length; i++) {
    const u = list[i] as OrderUpdate;
    writeUpdateItem(w, u, u.status, u.reason);
  }
}

function readUpdates(r: Reader): OrderUpdate[] {
  const n = r.u32();
  const out: OrderUpdate[] = new Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = {
      order_id: r.int(),
      user_id: r.int(),
      status: r.u8() as OrderUpdate["status"],
      filled_lots: r.int(),
      remaining_lots: r.int(),
      filled_quote_units: r.int(),
      reason: r.u16(),
    };
  }
  return out;
}

/** One trade's bytes (see writeUpdateItem). */
export function writeTradeItem(w: Writer, t: Trade): void {
  w.int(t.trade_id);
  w.u16(t.symbol_id);
  w.int(t.price_ticks);
  w.int(t.qty_lots);
  w.int(t.quote_units);
  w.int(t.maker_order_id);
  w.int(t.taker_order_id);
  w.int(t.maker_user_id);
  w.int(t.taker_user_id);
  w.u8(t.taker_side);
  w.int(t.buyer_fee_units);
  w.int(t.seller_fee_units);
}

function writeTrades(w: Writer, list: Trade[]): void {
  w.u32(list.length);
  for (let i = 0; i < list.length; i++) writeTradeItem(w, list[i] as Trade);
}

function readTrades(r: Reader): Trade[] {
  const n = r.u32();
  const out: Trade[] = new Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = {
      trade_id: r.int(),
      symbol_id: r.u16(),
      price_ticks: r.int(),
      qty_lots: r.int(),
      quote_units: r.int(),
      maker_order_id: r.int(),
      taker_order_id: r.int(),
      maker_user_id: r.int(),
      taker_user_id: r.int(),
      taker_side: r.u8() as 1 | 2,
      buyer_fee_units: r.int(),
      seller_fee_units: r.int(),
    };
  }
  return out;
}

function writeDeltas(w: Writer, list: BalanceDelta[]): void {
  w.u32(list.length);
  for (let i = 0; i < list.length; i++) {
    const d = list[i] as BalanceDelta;
    w.int(d.user_id);
    w.u16(d.asset_id);
    w.u8(d.kind);
    w.int(d.delta_avail);
    w.int(d.delta_frozen);
    w.int(d.ref_id);
  }
}

function readDeltas(r: Reader): BalanceDelta[] {
  const n = r.u32();
  const out: BalanceDelta[] = new Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = {
      user_id: r.int(),
      asset_id: r.u16(),
      kind: r.u8() as BalanceDelta["kind"],
      delta_avail: r.int(),
      delta_frozen: r.int(),
      ref_id: r.int(),
    };
  }
  return out;
}

/** One completion's bytes (see writeUpdateItem). */
export function writeCompletionItem(
  w: Writer,
  order_id: number,
  user_id: number,
  status: number,
  reason: number,
): void {
  w.int(order_id);
  w.int(user_id);
  w.u8(status);
  w.u16(reason);
}

function writeCompletions(w: Writer, list: Completion[]): void {
  w.u32(list.length);
  for (let i = 0; i < list.length; i++) {
    const c = list[i] as Completion;
    writeCompletionItem(w, c.order_id, c.user_id, c.status, c.reason);
  }
}

function readCompletions(r: Reader): Completion[] {
  const n = r.u32();
  const out: Completion[] = new Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = {
      order_id: r.int(),
      user_id: r.int(),
      status: r.u8() as Completion["status"],
      reason: r.u16(),
    };
  }
  return out;
}

// A balance change as a row of numbers, from the engine's delta to the
// ledger event it becomes: who, which asset, why and by how much (the
// engine's part, OutputSections.delta), then what applying it gave
// (UBSCore's part, UbsCore.stampAt), at these offsets. writeEventRow encodes
// a row; the core's settlement never builds an event object.
export const BAL_USER = 0;
export const BAL_ASSET = 1;
export const BAL_KIND = 2;
export const BAL_DELTA_AVAIL = 3;
export const BAL_DELTA_FROZEN = 4;
export const BAL_REF_ID = 5;
export const BAL_SEQ = 6;
export const BAL_AVAIL = 7;
export const BAL_FROZEN = 8;
/** Numbers in a balance row. */
export const BALANCE_ROW = 9;

/**
 * One balance event from the balance row at `at`: the event's one encoding.
 * The core's settlement writes its rows as they are, with no object between:
 * a double stored into an object's field, or passed to a call that is not
 * inlined, is boxed on the heap, several per trade.
 */
export function writeEventRow(w: Writer, row: Float64Array, at: number, ref: string): void {
  w.int(row[at + BAL_USER] as number);
  w.u16(row[at + BAL_ASSET] as number);
  w.int(row[at + BAL_SEQ] as number);
  w.u8(row[at + BAL_KIND] as number);
  w.int(row[at + BAL_DELTA_AVAIL] as number);
  w.int(row[at + BAL_DELTA_FROZEN] as number);
  w.int(row[at + BAL_AVAIL] as number);
  w.int(row[at + BAL_FROZEN] as number);
  w.int(row[at + BAL_REF_ID] as number);
  w.str(ref);
}

/** One balance event's bytes (see writeUpdateItem); snapshots write a transfer record's event with it too. */
export function writeEventItem(w: Writer, e: BalanceEvent): void {
  const r = event_row;
  r[BAL_USER] = e.user_id;
  r[BAL_ASSET] = e.asset_id;
  r[BAL_KIND] = e.kind;
  r[BAL_DELTA_AVAIL] = e.delta_avail;
  r[BAL_DELTA_FROZEN] = e.delta_frozen;
  r[BAL_REF_ID] = e.ref_id;
  r[BAL_SEQ] = e.seq;
  r[BAL_AVAIL] = e.avail;
  r[BAL_FROZEN] = e.frozen;
  writeEventRow(w, r, 0, e.ref);
}
const event_row = new Float64Array(BALANCE_ROW);

function writeEvents(w: Writer, list: BalanceEvent[]): void {
  w.u32(list.length);
  for (let i = 0; i < list.length; i++) writeEventItem(w, list[i] as BalanceEvent);
}

/** One balance event, as writeEventItem wrote it (also a transfer record's event in snapshots). */
export function readEventItem(r: Reader): BalanceEvent {
  return {
    user_id: r.int(),
    asset_id: r.u16(),
    seq: r.int(),
    kind: r.u8() as BalanceEvent["kind"],
    delta_avail: r.int(),
    delta_frozen: r.int(),
    avail: r.int(),
    frozen: r.int(),
    ref_id: r.int(),
    ref: r.str(),
  };
}

function readEvents(r: Reader): BalanceEvent[] {
  const n = r.u32();
  const out: BalanceEvent[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = readEventItem(r);
  return out;
}

/** The version byte of a message; versions 1 and 2 are readable. */
function version(r: Reader, what: string): number {
  const v = r.u8();
  if (v !== 1 && v !== WIRE_VERSION) {
    throw new InvariantError(`decode ${what}: unsupported version ${v}`);
  }
  return v;
}

/**
 * Hash what w holds from start on, append the hash, which goes into `out`
 * at `at` as halves: nothing allocated, the combined core's every output.
 */
export function sealInto(w: Writer, start: number, out: HashHalves, at: number): void {
  if (start === 0) hash64Into(w.prefixCovering(w.pos), out, at, w.pos);
  else hash64Into(w.view(start), out, at);
  w.u64Halves(out, at);
}

/** sealInto() returning the hash, for outputs that keep it as a BigInt. */
export function seal(w: Writer, start: number): bigint {
  sealInto(w, start, seal_scratch, 0);
  return joinHash(seal_scratch, 0);
}

const seal_scratch: HashHalves = new Uint32Array(2);
const prev_scratch: HashHalves = new Uint32Array(2);

export function writeEngineOutput(w: Writer, o: EngineOutput): bigint {
  const start = w.pos;
  w.u8(WIRE_VERSION);
  w.u16(o.symbol_id);
  w.int(o.output_seq);
  w.u64(o.prev_hash);
  writeMatchInput(w, o.input);
  writeUpdates(w, o.updates);
  writeTrades(w, o.trades);
  writeDeltas(w, o.deltas);
  writeCompletions(w, o.completions);
  w.int(o.best_bid_ticks);
  w.int(o.best_ask_ticks);
  w.u16(o.reject);
  return seal(w, start);
}

export function readEngineOutput(r: Reader): EngineOutput {
  const v = version(r, "EngineOutput");
  return {
    symbol_id: r.u16(),
    output_seq: r.int(),
    prev_hash: r.u64(),
    input: readMatchInput(r, v),
    updates: readUpdates(r),
    trades: readTrades(r),
    deltas: readDeltas(r),
    completions: readCompletions(r),
    best_bid_ticks: r.int(),
    best_ask_ticks: r.int(),
    reject: r.u16(),
    hash: r.u64(),
  };
}

export function writeBalanceOutput(w: Writer, o: BalanceOutput): bigint {
  const start = w.pos;
  w.u8(WIRE_VERSION);
  w.int(o.output_seq);
  w.u64(o.prev_hash);
  w.u8(o.cause);
  w.bool(o.command !== null);
  if (o.command !== null) writeCommand(w, o.command);
  w.u16(o.engine_symbol_id);
  w.int(o.engine_output_seq);
  w.int(o.order_id);
  w.u16(o.reject);
  w.bool(o.duplicate);
  writeEvents(w, o.events);
  return seal(w, start);
}

export function readBalanceOutput(r: Reader): BalanceOutput {
  const v = version(r, "BalanceOutput");
  const output_seq = r.int();
  const prev_hash = r.u64();
  const cause = r.u8() as BalanceOutput["cause"];
  const command = r.bool() ? readCommand(r, v) : null;
  return {
    output_seq,
    prev_hash,
    cause,
    command,
    engine_symbol_id: r.u16(),
    engine_output_seq: r.int(),
    order_id: r.int(),
    reject: r.u16(),
    duplicate: r.bool(),
    events: readEvents(r),
    hash: r.u64(),
  };
}

export function writeCoreOutput(w: Writer, o: CoreOutput): bigint {
  const start = w.pos;
  splitHash(o.prev_hash, prev_scratch, 0);
  writeCoreOutputHead(w, o, prev_scratch, 0);
  writeUpdates(w, o.updates);
  writeTrades(w, o.trades);
  writeEvents(w, o.events);
  writeCompletions(w, o.completions);
  return seal(w, start);
}

/** A CoreOutput's fields before its lists (its lists are not read; its prev_hash is given in halves at `at`). */
export function writeCoreOutputHead(
  w: Writer,
  o: CoreOutput,
  prev_hash: HashHalves,
  at: number,
): void {
  w.u8(WIRE_VERSION);
  w.int(o.output_seq);
  w.u64Halves(prev_hash, at);
  writeCommand(w, o.input);
  w.u16(o.symbol_id);
  w.int(o.order_id);
  w.u16(o.reject);
  w.bool(o.duplicate);
  // Only the two commands that name a second order carry the other_* fields;
  // for every other command they are 0 and take no bytes.
  if (namesOther(o.input.kind)) {
    w.int(o.other_order_id);
    w.u16(o.other_reject);
  } else if (o.other_order_id !== 0 || o.other_reject !== 0) {
    throw new InvariantError(`encode: other_* fields on a command of kind ${o.input.kind}`);
  }
}

function namesOther(kind: number): boolean {
  return kind === CommandKind.PlaceOco || kind === CommandKind.CancelReplace;
}

export function readCoreOutput(r: Reader): CoreOutput {
  const v = version(r, "CoreOutput");
  const output_seq = r.int();
  const prev_hash = r.u64();
  const input = readCommand(r, v);
  // Version 1 outputs named no symbol; none was kept on disk in that form.
  const symbol_id = v === 1 ? 0 : r.u16();
  const order_id = r.int();
  const reject = r.u16();
  const duplicate = r.bool();
  const other = namesOther(input.kind);
  return {
    output_seq,
    prev_hash,
    input,
    symbol_id,
    order_id,
    reject,
    duplicate,
    other_order_id: other ? r.int() : 0,
    other_reject: other ? r.u16() : 0,
    updates: readUpdates(r),
    trades: readTrades(r),
    events: readEvents(r),
    completions: readCompletions(r),
    hash: r.u64(),
  };
}

/** Recompute the hash of an encoded chained message (all bytes but the last 8). */
export function verifySealed(bytes: Uint8Array): boolean {
  if (bytes.length < 9) return false;
  const body = bytes.subarray(0, bytes.length - 8);
  const stored = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).readBigUInt64LE(
    bytes.length - 8,
  );
  return hash64(body) === stored;
}

export function encodeCommand(c: Command): Buffer {
  const w = new Writer(128);
  w.u8(WIRE_VERSION);
  writeCommand(w, c);
  return w.copy();
}

export function decodeCommand(r: Reader): Command {
  return readCommand(r, version(r, "Command"));
}

export function encodeMatchInput(m: MatchInput): Buffer {
  const w = new Writer(128);
  w.u8(WIRE_VERSION);
  writeMatchInput(w, m);
  return w.copy();
}

export function decodeMatchInput(r: Reader): MatchInput {
  return readMatchInput(r, version(r, "MatchInput"));
}

export { Writer };

/** Command bytes for journals: one reused buffer, so encode() returns a view valid until the next call. */
export function commandCodec(): {
  encode(c: Command): Uint8Array;
  decode(bytes: Uint8Array): Command;
} {
  const w = new Writer(256);
  return {
    encode(c: Command): Uint8Array {
      w.reset();
      w.u8(WIRE_VERSION);
      writeCommand(w, c);
      return w.view();
    },
    decode(bytes: Uint8Array): Command {
      const r = new Reader(bytes);
      return readCommand(r, version(r, "Command"));
    },
  };
}

/** The head of a sealed CoreOutput: what recovery needs to apply its command again. */
export function readCoreOutputHead(bytes: Uint8Array): {
  output_seq: number;
  prev_hash: bigint;
  command: Command;
} {
  const r = new Reader(bytes);
  const v = version(r, "CoreOutput");
  const output_seq = r.int();
  const prev_hash = r.u64();
  return { output_seq, prev_hash, command: readCommand(r, v) };
}

/** The hash a sealed message carries in its last 8 bytes. */
export function sealedHash(bytes: Uint8Array): bigint {
  if (bytes.length < 9) throw new InvariantError("sealed message shorter than its hash");
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).readBigUInt64LE(
    bytes.length - 8,
  );
}
