// The planned rows of each table (writes.ts says what a Planned is): the
// objects a batch's rows come from, and each table's two accessors, which
// read their values in the spec's column order. One class per table, next
// to each other, so that a column added to a spec is added here in the same
// place twice (rows.test.ts checks that row() and run() agree with the spec).

import type { BalanceEvent, OrderSpec, Trade, TransferCmd } from "../core/mod.ts";
import { StoreError } from "./errors.ts";
import { transferEventId } from "./event-id.ts";
import { hashToHex } from "./hex.ts";
import type { Candle } from "./klines.ts";
import type { StoredPosition } from "./types.ts";
import {
  KLINE_UPSERT,
  LEDGER_INSERT,
  ORDER_INSERT,
  ORDER_UPDATE,
  type Planned,
  POSITION_UPSERT,
  type Runnable,
  type SqlValue,
  TRADE_INSERT,
  TRANSFER_UPSERT,
} from "./writes.ts";

/** A safe integer, or the batch fails: amounts are never stored as floats. */
export function int(v: number): number {
  if (!Number.isSafeInteger(v)) {
    throw new StoreError("BATCH_INVALID", `${v} is not a safe integer`);
  }
  return v;
}

/**
 * An accepted order's terms, whichever command placed it: a Place, either leg
 * of an OCO, a cancel-replace's new order. An amend in the same batch changes
 * price_ticks and qty_lots here.
 */
export interface PlacedOrder extends OrderSpec {
  user_id: number;
  /** The other leg of its OCO; absent or 0 when none (a Place is stored as it came). */
  oco_order_id?: number;
}

/** An order's state at the end of the batch, and its terms when the batch accepted it. */
export interface OrderFold {
  order_id: number;
  /** Its terms, when the order was accepted in this batch. */
  placed: PlacedOrder | null;
  /** An amend's new price and total quantity for an order accepted before the batch; 0: unchanged. */
  amended_price_ticks: number;
  amended_qty_lots: number;
  created_ts_ms: number;
  status: number;
  filled_lots: number;
  remaining_lots: number;
  filled_quote_units: number;
  reason: number;
  updated_ts_ms: number;
  output_seq: number;
}

export class OrderInserts implements Planned {
  readonly spec = ORDER_INSERT;
  readonly items: OrderFold[] = [];

  get count(): number {
    return this.items.length;
  }

  row(i: number, out: SqlValue[]): void {
    const f = this.items[i] as OrderFold;
    const c = f.placed as PlacedOrder;
    out[0] = int(f.order_id);
    out[1] = int(c.user_id);
    out[2] = c.symbol_id;
    out[3] = c.side;
    out[4] = c.order_type;
    out[5] = c.tif;
    out[6] = c.post_only ? 1 : 0;
    out[7] = c.stp;
    out[8] = int(c.price_ticks);
    out[9] = int(c.qty_lots);
    out[10] = int(c.quote_units);
    out[11] = c.cid;
    out[12] = int(f.created_ts_ms);
    out[13] = int(c.stop_price_ticks);
    out[14] = int(c.oco_order_id ?? 0);
    out[15] = f.status;
    out[16] = int(f.filled_lots);
    out[17] = int(f.remaining_lots);
    out[18] = int(f.filled_quote_units);
    out[19] = f.reason;
    out[20] = int(f.updated_ts_ms);
    out[21] = f.output_seq;
  }

  run(stmt: Runnable, i: number): void {
    const f = this.items[i] as OrderFold;
    const c = f.placed as PlacedOrder;
    stmt.run(
      int(f.order_id),
      int(c.user_id),
      c.symbol_id,
      c.side,
      c.order_type,
      c.tif,
      c.post_only ? 1 : 0,
      c.stp,
      int(c.price_ticks),
      int(c.qty_lots),
      int(c.quote_units),
      c.cid,
      int(f.created_ts_ms),
      int(c.stop_price_ticks),
      int(c.oco_order_id ?? 0),
      f.status,
      int(f.filled_lots),
      int(f.remaining_lots),
      int(f.filled_quote_units),
      f.reason,
      int(f.updated_ts_ms),
      f.output_seq,
    );
  }
}

export class OrderUpdates implements Planned {
  readonly spec = ORDER_UPDATE;
  readonly items: OrderFold[] = [];

  get count(): number {
    return this.items.length;
  }

  row(i: number, out: SqlValue[]): void {
    const f = this.items[i] as OrderFold;
    out[0] = f.status;
    out[1] = int(f.filled_lots);
    out[2] = int(f.remaining_lots);
    out[3] = int(f.filled_quote_units);
    out[4] = f.reason;
    out[5] = int(f.updated_ts_ms);
    out[6] = f.output_seq;
    out[7] = int(f.amended_price_ticks);
    out[8] = int(f.amended_qty_lots);
    out[9] = int(f.order_id);
  }

  run(stmt: Runnable, i: number): void {
    const f = this.items[i] as OrderFold;
    stmt.run(
      f.status,
      int(f.filled_lots),
      int(f.remaining_lots),
      int(f.filled_quote_units),
      f.reason,
      int(f.updated_ts_ms),
      f.output_seq,
      int(f.amended_price_ticks),
      int(f.amended_qty_lots),
      int(f.order_id),
    );
  }
}

/** Rows that come straight from an output's list, with the output's settled time and seq. */
abstract class FromOutputs<T> implements Planned {
  abstract readonly spec: Planned["spec"];
  readonly items: T[] = [];
  readonly at_ms: number[] = [];
  readonly output_seq: number[] = [];

  get count(): number {
    return this.items.length;
  }

  add(item: T, at_ms: number, output_seq: number): void {
    this.items.push(item);
    this.at_ms.push(at_ms);
    this.output_seq.push(output_seq);
  }

  abstract row(i: number, out: SqlValue[]): void;
  abstract run(stmt: Runnable, i: number): void;
}

export class TradeRows extends FromOutputs<Trade> {
  readonly spec = TRADE_INSERT;

  row(i: number, out: SqlValue[]): void {
    const t = this.items[i] as Trade;
    out[0] = t.symbol_id;
    out[1] = int(t.trade_id);
    out[2] = int(t.price_ticks);
    out[3] = int(t.qty_lots);
    out[4] = int(t.quote_units);
    out[5] = t.taker_side;
    out[6] = int(t.taker_order_id);
    out[7] = int(t.maker_order_id);
    out[8] = int(t.taker_user_id);
    out[9] = int(t.maker_user_id);
    out[10] = int(t.buyer_fee_units);
    out[11] = int(t.seller_fee_units);
    out[12] = this.at_ms[i] as number;
    out[13] = this.output_seq[i] as number;
  }

  run(stmt: Runnable, i: number): void {
    const t = this.items[i] as Trade;
    stmt.run(
      t.symbol_id,
      int(t.trade_id),
      int(t.price_ticks),
      int(t.qty_lots),
      int(t.quote_units),
      t.taker_side,
      int(t.taker_order_id),
      int(t.maker_order_id),
      int(t.taker_user_id),
      int(t.maker_user_id),
      int(t.buyer_fee_units),
      int(t.seller_fee_units),
      this.at_ms[i] as number,
      this.output_seq[i] as number,
    );
  }
}

export class LedgerRows extends FromOutputs<BalanceEvent> {
  readonly spec = LEDGER_INSERT;

  row(i: number, out: SqlValue[]): void {
    const e = this.items[i] as BalanceEvent;
    out[0] = int(e.user_id);
    out[1] = e.asset_id;
    out[2] = int(e.seq);
    out[3] = e.kind;
    out[4] = int(e.delta_avail);
    out[5] = int(e.delta_frozen);
    out[6] = int(e.avail);
    out[7] = int(e.frozen);
    out[8] = int(e.ref_id);
    out[9] = e.ref;
    out[10] = this.at_ms[i] as number;
    out[11] = this.output_seq[i] as number;
  }

  run(stmt: Runnable, i: number): void {
    const e = this.items[i] as BalanceEvent;
    stmt.run(
      int(e.user_id),
      e.asset_id,
      int(e.seq),
      e.kind,
      int(e.delta_avail),
      int(e.delta_frozen),
      int(e.avail),
      int(e.frozen),
      int(e.ref_id),
      e.ref,
      this.at_ms[i] as number,
      this.output_seq[i] as number,
    );
  }
}

/** A transfer's first outcome in the batch. */
export interface TransferFold {
  cmd: TransferCmd;
  reject: number;
  at_ms: number;
  output_seq: number;
}

export class TransferRows implements Planned {
  readonly spec = TRANSFER_UPSERT;
  readonly items: TransferFold[] = [];

  get count(): number {
    return this.items.length;
  }

  row(i: number, out: SqlValue[]): void {
    const t = this.items[i] as TransferFold;
    out[0] = t.cmd.request_id;
    out[1] = t.cmd.kind;
    out[2] = int(t.cmd.user_id);
    out[3] = t.cmd.asset_id;
    out[4] = int(t.cmd.amount_units);
    out[5] = t.reject;
    out[6] = transferEventId(t.cmd);
    out[7] = t.at_ms;
    out[8] = t.output_seq;
  }

  run(stmt: Runnable, i: number): void {
    const t = this.items[i] as TransferFold;
    stmt.run(
      t.cmd.request_id,
      t.cmd.kind,
      int(t.cmd.user_id),
      t.cmd.asset_id,
      int(t.cmd.amount_units),
      t.reject,
      transferEventId(t.cmd),
      t.at_ms,
      t.output_seq,
    );
  }
}

export class KlineRows implements Planned {
  readonly spec = KLINE_UPSERT;

  constructor(readonly items: readonly Candle[]) {}

  get count(): number {
    return this.items.length;
  }

  row(i: number, out: SqlValue[]): void {
    const c = this.items[i] as Candle;
    out[0] = c.symbol_id;
    out[1] = c.interval_s;
    out[2] = c.open_time_ms;
    out[3] = c.open_ticks;
    out[4] = c.high_ticks;
    out[5] = c.low_ticks;
    out[6] = c.close_ticks;
    out[7] = c.volume_lots;
    out[8] = c.quote_units;
    out[9] = c.taker_buy_volume_lots;
    out[10] = c.taker_buy_quote_units;
    out[11] = c.trade_count;
    out[12] = c.first_trade_id;
    out[13] = c.last_trade_id;
  }

  run(stmt: Runnable, i: number): void {
    const c = this.items[i] as Candle;
    stmt.run(
      c.symbol_id,
      c.interval_s,
      c.open_time_ms,
      c.open_ticks,
      c.high_ticks,
      c.low_ticks,
      c.close_ticks,
      c.volume_lots,
      c.quote_units,
      c.taker_buy_volume_lots,
      c.taker_buy_quote_units,
      c.trade_count,
      c.first_trade_id,
      c.last_trade_id,
    );
  }
}

export class PositionRow implements Planned {
  readonly spec = POSITION_UPSERT;
  readonly count = 1;

  constructor(readonly position: StoredPosition) {}

  row(_i: number, out: SqlValue[]): void {
    const p = this.position;
    out[0] = p.stream;
    out[1] = p.seq;
    out[2] = hashToHex(p.hash);
    out[3] = p.clock_ms;
    out[4] = p.source_seq;
  }

  run(stmt: Runnable): void {
    const p = this.position;
    stmt.run(p.stream, p.seq, hashToHex(p.hash), p.clock_ms, p.source_seq);
  }
}
