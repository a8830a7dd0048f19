// The combined core's output lists (order updates, trades, balance events,
// completions) written as bytes while a command runs, instead of as objects
// encoded afterwards. The lists of one output interleave (a fill adds to all
// of them), so each has a buffer of its own, reused from command to command;
// sealing appends them to the output's head in wire order. Writers of an item
// use wire.ts's item encoders on `section.item()`, as writeCoreOutput does
// for the same lists, so the bytes, and the hash chain, do not change. Consumers that
// want objects decode the sealed bytes (readCoreOutput).
//
// The engine's balance deltas and completed order ids are also kept here, in
// reused number arrays: UBSCore settles them as soon as the engine returns.

import { Writer } from "./codec.ts";
import { assert } from "./errors.ts";
import type { HashHalves } from "./hash.ts";
import type { CoreOutput } from "./types.ts";
import {
  BAL_ASSET,
  BAL_DELTA_AVAIL,
  BAL_DELTA_FROZEN,
  BAL_KIND,
  BAL_REF_ID,
  BAL_USER,
  BALANCE_ROW,
  sealInto,
  writeCompletionItem,
  writeCoreOutputHead,
} from "./wire.ts";

/** One list of an output: its items' bytes and how many there are. */
export class Section {
  readonly w: Writer;
  count = 0;

  constructor(size_bytes: number) {
    this.w = new Writer(size_bytes);
  }

  /** The writer to put one more item into (with wire.ts's item encoder). */
  item(): Writer {
    this.count++;
    return this.w;
  }

  reset(): void {
    this.w.reset();
    this.count = 0;
  }

  /** Appends the list as the wire has it: the count, then the items. */
  writeTo(w: Writer): void {
    w.u32(this.count);
    w.append(this.w);
  }
}

export class OutputSections {
  readonly updates = new Section(16 * 1024);
  readonly trades = new Section(16 * 1024);
  readonly events = new Section(16 * 1024);
  private readonly completions = new Section(4 * 1024);
  /**
   * The engine's deltas of the input being settled, a balance row each
   * (wire.ts's BAL_* offsets; UBSCore fills in the rest as it applies them),
   * in a typed array (a JS array emptied by length = 0 gives its memory
   * back, and the next push allocates again).
   */
  deltas: Float64Array = new Float64Array(64 * BALANCE_ROW);
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
    this.delta_count = 0;
    this.done_count = 0;
  }

  completion(order_id: number, user_id: number, status: number, reason: number): void {
    writeCompletionItem(this.completions.item(), order_id, user_id, status, reason);
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
    const at = this.delta_count * BALANCE_ROW;
    if (at + BALANCE_ROW > this.deltas.length) this.deltas = grown(this.deltas);
    const d = this.deltas;
    d[at + BAL_USER] = user_id;
    d[at + BAL_ASSET] = asset_id;
    d[at + BAL_KIND] = kind;
    d[at + BAL_DELTA_AVAIL] = delta_avail;
    d[at + BAL_DELTA_FROZEN] = delta_frozen;
    d[at + BAL_REF_ID] = ref_id;
    this.delta_count++;
  }

  /**
   * The sealed output: `head`'s fields (its lists and hashes unread), the
   * previous output's hash (halves at `prev_at`), these lists, the hash,
   * which goes into `chain` at `at`; the bytes are what w holds from where
   * it was.
   */
  seal(w: Writer, head: CoreOutput, chain: HashHalves, prev_at: number, at: number): void {
    assert(this.delta_count === 0, "output sections: engine deltas left unsettled");
    const start = w.pos;
    writeCoreOutputHead(w, head, chain, prev_at);
    this.updates.writeTo(w);
    this.trades.writeTo(w);
    this.events.writeTo(w);
    this.completions.writeTo(w);
    sealInto(w, start, chain, at);
  }
}

function grown(a: Float64Array): Float64Array {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}
