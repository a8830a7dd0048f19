// The combined core's output lists (order updates, trades, balance events,
// completions) written as bytes while a command runs, instead of as objects
// encoded afterwards. The lists of one output interleave (a fill adds to all
// of them), so each has a buffer of its own, reused from command to command;
// sealing appends them to the output's head in wire order. The bytes are the
// very ones writeCoreOutput writes for the same lists (both use the item
// encoders of wire.ts), so the hash chain does not change. Consumers that
// want objects decode the sealed bytes (readCoreOutput).
//
// The engine's balance deltas and completed order ids are also kept here, in
// reused number arrays: UBSCore settles them as soon as the engine returns.

import { Writer } from "./codec.ts";
import { assert } from "./errors.ts";
import type { CoreOutput } from "./types.ts";
import {
  seal,
  writeCompletionItem,
  writeCoreOutputHead,
  writeEventItem,
  writeTradeItem,
  writeUpdateItem,
} from "./wire.ts";

/** Fields per delta in OutputSections.deltas. */
export const DELTA_FIELDS = 6;

export class OutputSections {
  private readonly updates = new Writer(16 * 1024);
  private readonly trades = new Writer(16 * 1024);
  private readonly events = new Writer(16 * 1024);
  private readonly completions = new Writer(4 * 1024);
  update_count = 0;
  trade_count = 0;
  event_count = 0;
  completion_count = 0;
  /**
   * The engine's deltas of the input being settled: user, asset, kind,
   * delta_avail, delta_frozen, ref_id, DELTA_FIELDS numbers each, in a typed
   * array (a JS array emptied by length = 0 gives its memory back, and the
   * next push allocates again).
   */
  deltas: Float64Array = new Float64Array(64 * DELTA_FIELDS);
  delta_count = 0;
  /** Orders the engine completed in the input being settled. */
  done_order_ids: Float64Array = new Float64Array(64);
  done_count = 0;

  /** Empty every list, for the next command. */
  reset(): void {
    this.updates.reset();
    this.trades.reset();
    this.events.reset();
    this.completions.reset();
    this.update_count = 0;
    this.trade_count = 0;
    this.event_count = 0;
    this.completion_count = 0;
    this.delta_count = 0;
    this.done_count = 0;
  }

  update(
    order_id: number,
    user_id: number,
    status: number,
    filled_lots: number,
    remaining_lots: number,
    filled_quote_units: number,
    reason: number,
  ): void {
    writeUpdateItem(
      this.updates,
      order_id,
      user_id,
      status,
      filled_lots,
      remaining_lots,
      filled_quote_units,
      reason,
    );
    this.update_count++;
  }

  trade(
    trade_id: number,
    symbol_id: number,
    price_ticks: number,
    qty_lots: number,
    quote_units: number,
    maker_order_id: number,
    taker_order_id: number,
    maker_user_id: number,
    taker_user_id: number,
    taker_side: number,
    buyer_fee_units: number,
    seller_fee_units: number,
  ): void {
    writeTradeItem(
      this.trades,
      trade_id,
      symbol_id,
      price_ticks,
      qty_lots,
      quote_units,
      maker_order_id,
      taker_order_id,
      maker_user_id,
      taker_user_id,
      taker_side,
      buyer_fee_units,
      seller_fee_units,
    );
    this.trade_count++;
  }

  event(
    user_id: number,
    asset_id: number,
    seq: number,
    kind: number,
    delta_avail: number,
    delta_frozen: number,
    avail: number,
    frozen: number,
    ref_id: number,
    ref: string,
  ): void {
    writeEventItem(
      this.events,
      user_id,
      asset_id,
      seq,
      kind,
      delta_avail,
      delta_frozen,
      avail,
      frozen,
      ref_id,
      ref,
    );
    this.event_count++;
  }

  completion(order_id: number, user_id: number, status: number, reason: number): void {
    writeCompletionItem(this.completions, order_id, user_id, status, reason);
    this.completion_count++;
    if (this.done_count === this.done_order_ids.length) {
      this.done_order_ids = grown(this.done_order_ids);
    }
    this.done_order_ids[this.done_count++] = order_id;
  }

  delta(
    user_id: number,
    asset_id: number,
    kind: number,
    delta_avail: number,
    delta_frozen: number,
    ref_id: number,
  ): void {
    let at = this.delta_count * DELTA_FIELDS;
    if (at + DELTA_FIELDS > this.deltas.length) this.deltas = grown(this.deltas);
    const d = this.deltas;
    d[at++] = user_id;
    d[at++] = asset_id;
    d[at++] = kind;
    d[at++] = delta_avail;
    d[at++] = delta_frozen;
    d[at] = ref_id;
    this.delta_count++;
  }

  /**
   * The sealed output: `head`'s fields (its lists unread), these lists, the
   * hash. Returns the hash; the bytes are what w holds from where it was.
   */
  seal(w: Writer, head: CoreOutput): bigint {
    assert(this.delta_count === 0, "output sections: engine deltas left unsettled");
    const start = w.pos;
    writeCoreOutputHead(w, head);
    w.u32(this.update_count);
    w.append(this.updates);
    w.u32(this.trade_count);
    w.append(this.trades);
    w.u32(this.event_count);
    w.append(this.events);
    w.u32(this.completion_count);
    w.append(this.completions);
    return seal(w, start);
  }
}

function grown(a: Float64Array): Float64Array {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}
