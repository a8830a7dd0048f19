// UBSCore: the single writer of balances. Per user and asset it holds available
// and frozen amounts; it decides whether money may move (deposits, withdrawals,
// the freeze an order needs before it reaches the book) and applies what the
// matching engine reports (fills, releases). Pure and deterministic: its state
// is a function of the sequence of inputs it was given, nothing else.

import { Writer } from "./codec.ts";
import { buyCollarTicks, sellCollarTicks, stopBuyCapTicks } from "./collar.ts";
import { CompletedOrders } from "./completed.ts";
import type { Spec, SymbolSpec } from "./config.ts";
import { FEE_USER_ID } from "./constants.ts";
import {
  BalanceKind,
  CommandKind,
  isMarketLike,
  isStopType,
  OrderType,
  Side,
  Stp,
  TimeInForce,
} from "./enums.ts";
import { InvariantError, Reject } from "./errors.ts";
import { GENESIS_HASH } from "./hash.ts";
import { MAX_UNITS } from "./money.ts";
import { OpenOrders } from "./open-orders.ts";
import type { OutputSections } from "./output-sections.ts";
import { Timers } from "./timers.ts";
import {
  type AmendCmd,
  type AmendIn,
  type BalanceEvent,
  type BalanceOutput,
  type CancelAllAfterCmd,
  type CancelCmd,
  type CancelIn,
  Cause,
  type Command,
  type EngineOutput,
  type MatchInput,
  type OcoIn,
  type OrderIn,
  type OrderSpec,
  type PlaceOcoCmd,
  type TransferCmd,
} from "./types.ts";
import {
  BAL_ASSET,
  BAL_AVAIL,
  BAL_DELTA_AVAIL,
  BAL_DELTA_FROZEN,
  BAL_FROZEN,
  BAL_KIND,
  BAL_REF_ID,
  BAL_SEQ,
  BAL_USER,
  BALANCE_ROW,
  writeBalanceOutput,
  writeEventRow,
} from "./wire.ts";

export interface Account {
  /** Indexed by asset id. */
  readonly avail: number[];
  readonly frozen: number[];
  /** Per-asset ledger sequence of the last event. */
  readonly seq: number[];
  open_orders: number;
}

export interface TransferRecord {
  readonly kind: TransferCmd["kind"];
  readonly user_id: number;
  readonly asset_id: number;
  readonly amount_units: number;
  readonly ts_ms: number;
  readonly reject: number;
  /** The balance event it produced; null when rejected. */
  readonly event: BalanceEvent | null;
  /** The core's time when it was applied: it is forgotten transfer_window_ms later. */
  readonly seen_ms: number;
}

/** The part of a BalanceOutput a step of UBSCore writes: its outcome and its balance events. */
export interface UbsAnswer {
  order_id: number;
  reject: number;
  events: BalanceEvent[];
}

/** What a command's step of UBSCore writes: the combined core passes its own output. */
export interface UbsCommandAnswer extends UbsAnswer {
  duplicate: boolean;
}

export interface UbsStep {
  out: BalanceOutput;
  /** What to send the matching engine (validated_orders), or null. */
  forward: MatchInput | null;
}

export interface UbsOptions {
  /** Hash-chain balance outputs; the combined core chains its own outputs instead. */
  hash_outputs?: boolean;
}

const ID_RE = /^[\x21-\x7e]+$/;

/** [A-Za-z0-9_.:-]+, checked by hand: a regular expression costs more than the rest of an order's checks. */
function validCid(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ok =
      (c >= 48 && c <= 58) || // 0-9 and ":"
      (c >= 65 && c <= 90) ||
      (c >= 97 && c <= 122) ||
      c === 95 || // "_"
      c === 46 || // "."
      c === 45; // "-"
    if (!ok) return false;
  }
  return true;
}

function balanceOutOfRange(
  user_id: number,
  asset_id: number,
  avail: number,
  frozen: number,
): never {
  throw new InvariantError(
    `balance of user ${user_id} asset ${asset_id} would become avail=${avail} frozen=${frozen}`,
  );
}

function emptyOrderIn(): OrderIn {
  return {
    kind: 1,
    ubs_seq: 0,
    order_id: 0,
    user_id: 0,
    symbol_id: 0,
    side: Side.Buy,
    order_type: OrderType.Limit,
    tif: TimeInForce.GTC,
    post_only: false,
    stp: Stp.ExpireTaker,
    price_ticks: 0,
    stop_price_ticks: 0,
    qty_lots: 0,
    quote_units: 0,
    frozen_units: 0,
    cid: "",
    ts_ms: 0,
  };
}

function emptyCancelIn(): CancelIn {
  return { kind: 2, ubs_seq: 0, order_id: 0, user_id: 0, symbol_id: 0, reason: 0, ts_ms: 0 };
}

/** The event list stamp() is given when events go to OutputSections instead: never written. */
const NO_EVENTS: BalanceEvent[] = [];
Object.freeze(NO_EVENTS);

export class UbsCore {
  readonly accounts = new Map<number, Account>();
  /**
   * Where the combined core takes balance events as bytes; null (standalone)
   * appends event objects to each output.
   */
  sections: OutputSections | null = null;
  /** The engine inputs reused while `sections` is set (see placeOrder, cancelInput). */
  private readonly order_in = emptyOrderIn();
  /** The balance row stamp() passes to stampAt(). */
  private readonly one_delta = new Float64Array(BALANCE_ROW);
  private readonly cancel_in = emptyCancelIn();
  /** Per asset: deposits minus withdrawals. Conservation says it equals the sum of all balances. */
  readonly supply: number[];
  /** Remembered transfers by request_id, oldest first (insertion order is the core's time order). */
  readonly transfers = new Map<string, TransferRecord>();
  /**
   * The core time at which the newest forgotten request id was first seen
   * (MIN_SAFE_INTEGER while none is forgotten): a transfer stamped at or
   * before it, and not remembered, may be a repeat the core can no longer
   * recognise, so it is refused (REQUEST_EXPIRED).
   */
  transfer_horizon_ms = Number.MIN_SAFE_INTEGER;
  /**
   * At most the oldest transfer record's seen_ms (records are added in time
   * order and forgotten oldest first), so that forgetTransfers knows when
   * nothing is due without walking the map. Not state: a restored core
   * starts from the minimum and finds the value at its first walk.
   */
  private transfers_oldest_ms = Number.MIN_SAFE_INTEGER;
  /** The core's time: the largest ts_ms of any command so far. Timers and the transfer window run on it. */
  time_ms = 0;
  /** Armed cancel-all-after timers (the dead-man's switch). */
  readonly timers = new Timers();
  readonly orders = new OpenOrders();
  /** Recently completed orders, to answer late cancels. */
  readonly completed: CompletedOrders;
  next_order_id = 1;
  input_seq = 0;
  /** Top of each book as last reported by the engine; prices market orders. */
  readonly best_bid: number[] = [];
  readonly best_ask: number[] = [];
  output_seq = 0;
  prev_hash = GENESIS_HASH;
  private readonly hash_outputs: boolean;
  private readonly writer = new Writer(16 * 1024);
  private readonly asset_slots: number;
  /** Set by admit() on acceptance: what the order freezes, at which price, in which asset. */
  private admitted_frozen_units = 0;
  private admitted_price_ticks = 0;
  private admitted_asset_id = 0;
  private admitted_account: Account | null = null;
  /** Set by target(): the order a cancel or amend resolved to (0 when none). */
  target_order_id = 0;

  constructor(
    readonly spec: Spec,
    options: UbsOptions = {},
  ) {
    this.hash_outputs = options.hash_outputs ?? true;
    this.completed = new CompletedOrders(spec.limits.completed_orders_remembered);
    this.asset_slots = spec.maxAssetId + 1;
    this.supply = new Array(this.asset_slots).fill(0);
    for (const s of spec.symbols) {
      this.best_bid[s.id] = 0;
      this.best_ask[s.id] = 0;
    }
    this.account(FEE_USER_ID);
  }

  /** The account of a user, created empty on first use. */
  account(user_id: number): Account {
    let a = this.accounts.get(user_id);
    if (a === undefined) {
      const n = this.asset_slots;
      a = {
        avail: new Array(n).fill(0),
        frozen: new Array(n).fill(0),
        seq: new Array(n).fill(0),
        open_orders: 0,
      };
      this.accounts.set(user_id, a);
    }
    return a;
  }

  balance(user_id: number, asset_id: number): { avail: number; frozen: number } {
    const a = this.accounts.get(user_id);
    if (a === undefined) return { avail: 0, frozen: 0 };
    return { avail: a.avail[asset_id] ?? 0, frozen: a.frozen[asset_id] ?? 0 };
  }

  transferResult(request_id: string): TransferRecord | undefined {
    return this.transfers.get(request_id);
  }

  /** The owner of an open order, or -1 when it is not open. */
  ownerOf(order_id: number): number {
    return this.orders.userOf(order_id);
  }

  /** Move the core's time forward to a command's ts_ms (never back). */
  advance(ts_ms: number): void {
    if (ts_ms > this.time_ms) this.time_ms = ts_ms;
  }

  apply(cmd: Command): UbsStep {
    const out = this.newOutput(Cause.Command, cmd);
    const forward = this.command(cmd, out);
    this.seal(out);
    return { out, forward };
  }

  /**
   * One command's step into `out` (events appended to out.events); returns
   * what the engine must do, or null. apply() without its BalanceOutput: the
   * combined core passes its own output, and counts the output itself.
   */
  command(cmd: Command, out: UbsCommandAnswer): MatchInput | null {
    this.input_seq++;
    this.advance(cmd.ts_ms);
    switch (cmd.kind) {
      case CommandKind.Deposit:
      case CommandKind.Withdraw:
        this.transfer(cmd, out);
        return null;
      case CommandKind.Place:
        return this.placeOrder(cmd.user_id, cmd, cmd.ts_ms, out);
      case CommandKind.Cancel:
        return this.cancel(cmd, out);
      case CommandKind.PlaceOco:
        return this.placeOco(cmd, out);
      case CommandKind.Amend:
        return this.amend(cmd, out);
      case CommandKind.CancelAllAfter:
        this.cancelAllAfter(cmd, out);
        return null;
      default:
        // CancelReplace, CancelAll and Tick take several steps of UBSCore and
        // the engine in turn: only the combined core (core.ts) composes them.
        out.reject = Reject.INVALID_ORDER.id;
        return null;
    }
  }

  /** The output count of a step the combined core recorded in its own output. */
  countOutput(): void {
    this.output_seq++;
  }

  /** Settle what the engine did: fills, releases, completions. */
  applyEngineOutput(eo: EngineOutput): BalanceOutput {
    const out = this.newOutput(Cause.EngineOutput, null);
    out.engine_symbol_id = eo.symbol_id;
    out.engine_output_seq = eo.output_seq;
    out.order_id = eo.input.order_id;
    out.reject = eo.reject;
    this.settle(eo, out.events);
    this.seal(out);
    return out;
  }

  /**
   * The state change of applyEngineOutput without its BalanceOutput: the
   * combined core, which chains its own outputs, appends the events to its own.
   */
  settle(eo: EngineOutput, events: BalanceEvent[]): void {
    if (this.sections !== null) {
      this.settleSections(this.sections, eo);
      return;
    }
    this.input_seq++;
    const deltas = eo.deltas;
    for (let i = 0; i < deltas.length; i++) {
      const d = deltas[i] as EngineOutput["deltas"][number];
      this.stamp(
        d.user_id,
        d.asset_id,
        d.kind,
        d.delta_avail,
        d.delta_frozen,
        d.ref_id,
        "",
        events,
      );
    }
    const completions = eo.completions;
    for (let i = 0; i < completions.length; i++) {
      this.complete((completions[i] as EngineOutput["completions"][number]).order_id);
    }
    this.best_bid[eo.symbol_id] = eo.best_bid_ticks;
    this.best_ask[eo.symbol_id] = eo.best_ask_ticks;
  }

  /** settle() when the engine left its deltas and completions in the core's sections. */
  private settleSections(sections: OutputSections, eo: EngineOutput): void {
    this.input_seq++;
    const d = sections.deltas;
    const end = sections.delta_count * BALANCE_ROW;
    for (let i = 0; i < end; i += BALANCE_ROW) this.stampAt(d, i, "", NO_EVENTS);
    sections.delta_count = 0;
    const done = sections.done_order_ids;
    for (let i = 0; i < sections.done_count; i++) this.complete(done[i] as number);
    sections.done_count = 0;
    this.best_bid[eo.symbol_id] = eo.best_bid_ticks;
    this.best_ask[eo.symbol_id] = eo.best_ask_ticks;
  }

  private newOutput(cause: Cause, command: Command | null): BalanceOutput {
    return {
      output_seq: this.output_seq + 1,
      prev_hash: this.prev_hash,
      hash: 0n,
      cause,
      command,
      engine_symbol_id: 0,
      engine_output_seq: 0,
      order_id: 0,
      reject: 0,
      duplicate: false,
      events: [],
    };
  }

  private seal(out: BalanceOutput): void {
    this.output_seq = out.output_seq;
    if (this.hash_outputs) {
      this.writer.reset();
      out.hash = writeBalanceOutput(this.writer, out);
      this.prev_hash = out.hash;
    }
  }

  /** The encoded bytes of the last output (when hashing is on); valid until the next apply. */
  lastEncoded(): Buffer {
    return this.writer.view();
  }

  /** Apply one balance change and record it as a ledger event (see stampAt). */
  private stamp(
    user_id: number,
    asset_id: number,
    kind: BalanceKind,
    delta_avail: number,
    delta_frozen: number,
    ref_id: number,
    ref: string,
    events: BalanceEvent[],
  ): void {
    const d = this.one_delta;
    d[BAL_USER] = user_id;
    d[BAL_ASSET] = asset_id;
    d[BAL_KIND] = kind;
    d[BAL_DELTA_AVAIL] = delta_avail;
    d[BAL_DELTA_FROZEN] = delta_frozen;
    d[BAL_REF_ID] = ref_id;
    this.stampAt(d, 0, ref, events);
  }

  /**
   * Apply one balance change and record it as a ledger event. It runs for
   * every delta of every trade: the rare path (the broken-invariant error)
   * is a function of its own. The change is the balance row at `at` in `d`
   * (as OutputSections.deltas holds them), not arguments; the balances it
   * gives are written into the same row, which becomes the event's bytes in
   * the sections, with no object between: a number that is not a small
   * integer, passed to a function the optimiser does not inline or stored in
   * an object's field, is boxed on the heap, several per trade. (The
   * standalone service's list gets an object per event.)
   */
  private stampAt(d: Float64Array, at: number, ref: string, events: BalanceEvent[]): void {
    const user_id = d[at + BAL_USER] as number;
    const asset_id = d[at + BAL_ASSET] as number;
    const kind = d[at + BAL_KIND] as BalanceKind;
    const delta_avail = d[at + BAL_DELTA_AVAIL] as number;
    const delta_frozen = d[at + BAL_DELTA_FROZEN] as number;
    const ref_id = d[at + BAL_REF_ID] as number;
    const a = this.account(user_id);
    const avail = (a.avail[asset_id] as number) + delta_avail;
    const frozen = (a.frozen[asset_id] as number) + delta_frozen;
    // Supply bounds every balance (conservation), so leaving [0, MAX] means the
    // engine and UBSCore disagree: stop rather than corrupt money.
    if (!(avail >= 0 && frozen >= 0 && avail <= MAX_UNITS && frozen <= MAX_UNITS)) {
      balanceOutOfRange(user_id, asset_id, avail, frozen);
    }
    a.avail[asset_id] = avail;
    a.frozen[asset_id] = frozen;
    const seq = (a.seq[asset_id] as number) + 1;
    a.seq[asset_id] = seq;
    const sections = this.sections;
    if (sections !== null) {
      d[at + BAL_SEQ] = seq;
      d[at + BAL_AVAIL] = avail;
      d[at + BAL_FROZEN] = frozen;
      writeEventRow(sections.events.item(), d, at, ref);
      return;
    }
    events.push({
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
    });
  }

  private transfer(cmd: TransferCmd, out: UbsCommandAnswer): void {
    this.forgetTransfers(0);
    const seen = this.transfers.get(cmd.request_id);
    if (seen !== undefined) {
      const same =
        seen.kind === cmd.kind &&
        seen.user_id === cmd.user_id &&
        seen.asset_id === cmd.asset_id &&
        seen.amount_units === cmd.amount_units;
      if (same) {
        out.duplicate = true;
        out.reject = seen.reject;
      } else {
        out.reject = Reject.DUPLICATE_REQUEST_ID.id;
      }
      return;
    }
    if (cmd.ts_ms <= this.transfer_horizon_ms) {
      // Perhaps a repeat of a request already forgotten: refusing is the only safe answer.
      out.reject = Reject.REQUEST_EXPIRED.id;
      return;
    }
    const reject = this.checkTransfer(cmd);
    if (reject === Reject.INVALID_REQUEST_ID.id) {
      // Not remembered: a malformed id cannot be retried under the same id anyway.
      out.reject = reject;
      return;
    }
    let event: BalanceEvent | null = null;
    if (reject === 0) {
      const deposit = cmd.kind === CommandKind.Deposit;
      const delta = deposit ? cmd.amount_units : -cmd.amount_units;
      this.supply[cmd.asset_id] = (this.supply[cmd.asset_id] as number) + delta;
      const kind = deposit ? BalanceKind.Deposit : BalanceKind.Withdraw;
      this.stamp(cmd.user_id, cmd.asset_id, kind, delta, 0, 0, cmd.request_id, out.events);
      // The record keeps the event, to answer a repeat of the request with it.
      const a = this.accounts.get(cmd.user_id) as Account;
      event = {
        user_id: cmd.user_id,
        asset_id: cmd.asset_id,
        seq: a.seq[cmd.asset_id] as number,
        kind,
        delta_avail: delta,
        delta_frozen: 0,
        avail: a.avail[cmd.asset_id] as number,
        frozen: a.frozen[cmd.asset_id] as number,
        ref_id: 0,
        ref: cmd.request_id,
      };
    }
    out.reject = reject;
    this.transfers.set(cmd.request_id, {
      kind: cmd.kind,
      user_id: cmd.user_id,
      asset_id: cmd.asset_id,
      amount_units: cmd.amount_units,
      ts_ms: cmd.ts_ms,
      reject,
      event,
      seen_ms: this.time_ms,
    });
    this.forgetTransfers(this.spec.limits.transfers_remembered);
  }

  /**
   * Forget request ids older than the window, and (when `keep` > 0) the
   * oldest beyond `keep`; the horizon moves to the newest one forgotten.
   */
  private forgetTransfers(keep: number): void {
    const t = this.transfers;
    if (t.size === 0) return;
    const due_ms = this.time_ms - this.spec.limits.transfer_window_ms;
    const within = keep === 0 || t.size <= keep;
    // Nothing due (the usual case on every transfer): no walk, whose
    // iterator and entries were garbage each time.
    if (this.transfers_oldest_ms >= due_ms && within) return;
    for (const [id, r] of t) {
      if (r.seen_ms >= due_ms && (keep === 0 || t.size <= keep)) {
        this.transfers_oldest_ms = r.seen_ms;
        return;
      }
      t.delete(id);
      if (r.seen_ms > this.transfer_horizon_ms) this.transfer_horizon_ms = r.seen_ms;
    }
    // Emptied: whatever comes next is seen at this time or later.
    this.transfers_oldest_ms = this.time_ms;
  }

  private checkTransfer(cmd: TransferCmd): number {
    const limits = this.spec.limits;
    if (cmd.request_id.length === 0 || cmd.request_id.length > limits.max_id_length) {
      return Reject.INVALID_REQUEST_ID.id;
    }
    if (!ID_RE.test(cmd.request_id)) return Reject.INVALID_REQUEST_ID.id;
    if (!this.validUser(cmd.user_id)) return Reject.UNKNOWN_USER.id;
    if (this.spec.assetById[cmd.asset_id] === undefined) return Reject.UNKNOWN_ASSET.id;
    if (!Number.isSafeInteger(cmd.amount_units) || cmd.amount_units <= 0) {
      return Reject.INVALID_AMOUNT.id;
    }
    if (cmd.kind === CommandKind.Deposit) {
      if ((this.supply[cmd.asset_id] as number) + cmd.amount_units > MAX_UNITS) {
        return Reject.AMOUNT_OVERFLOW.id;
      }
      return 0;
    }
    const a = this.accounts.get(cmd.user_id);
    if (a === undefined || (a.avail[cmd.asset_id] as number) < cmd.amount_units) {
      return Reject.INSUFFICIENT_BALANCE.id;
    }
    return 0;
  }

  private validUser(user_id: number): boolean {
    return Number.isSafeInteger(user_id) && user_id >= 1 && user_id <= this.spec.limits.max_user_id;
  }

  /**
   * A new order: checks, then on acceptance the freeze, an order id and the
   * registry entry; returns what the engine must do, or null when refused.
   */
  placeOrder(user_id: number, o: OrderSpec, ts_ms: number, out: UbsAnswer): OrderIn | null {
    const s = this.spec.symbolById[o.symbol_id];
    if (s === undefined) {
      out.reject = Reject.UNKNOWN_SYMBOL.id;
      return null;
    }
    const reject = this.admit(
      user_id,
      o,
      s,
      0,
      0,
      "",
      "",
      this.best_bid[s.id] as number,
      this.best_ask[s.id] as number,
    );
    if (reject !== 0) {
      out.reject = reject;
      return null;
    }
    const frozen_units = this.admitted_frozen_units;
    const order_id = this.next_order_id++;
    out.order_id = order_id;
    this.stamp(
      user_id,
      this.admitted_asset_id,
      BalanceKind.Freeze,
      -frozen_units,
      frozen_units,
      order_id,
      "",
      out.events,
    );
    const a = this.admitted_account as Account;
    a.open_orders++;
    this.orders.add(order_id, user_id, s.id, o.side, o.cid);
    // In the combined core the engine takes it at once: one object serves every order.
    const f: OrderIn = this.sections !== null ? this.order_in : emptyOrderIn();
    f.ubs_seq = this.input_seq;
    f.order_id = order_id;
    f.user_id = user_id;
    f.symbol_id = s.id;
    f.side = o.side;
    f.order_type = o.order_type;
    f.tif = o.tif;
    f.post_only = o.post_only;
    f.stp = o.stp;
    f.price_ticks = this.admitted_price_ticks;
    f.stop_price_ticks = o.stop_price_ticks;
    f.qty_lots = o.qty_lots;
    f.quote_units = o.quote_units;
    f.frozen_units = frozen_units;
    f.cid = o.cid;
    f.ts_ms = ts_ms;
    return f;
  }

  /**
   * Would this order be accepted? 0, or the refusal code. On 0 the freeze,
   * its price and asset are left in the admitted_* fields (no allocation).
   * The extra arguments describe a cancel that happens first (cancel-replace):
   * funds it releases in the order's asset, open-order slots and client order
   * ids it frees, and the best prices the book will show without it.
   */
  admit(
    user_id: number,
    o: OrderSpec,
    s: SymbolSpec,
    extra_avail_units: number,
    freed_slots: number,
    freed_cid: string,
    freed_cid_2: string,
    best_bid_ticks: number,
    best_ask_ticks: number,
  ): number {
    const check = this.checkPlace(user_id, o, s, best_bid_ticks, best_ask_ticks);
    if (check !== 0) return check;
    const buy = o.side === Side.Buy;
    const price_ticks = this.pricePlaced(o, s, best_bid_ticks, best_ask_ticks);
    let frozen_units: number;
    if (!buy) frozen_units = o.qty_lots * s.lot_units;
    else if (o.qty_lots === 0) frozen_units = o.quote_units;
    else frozen_units = price_ticks * o.qty_lots * s.notional_per_tick_lot;
    const asset_id = buy ? s.quote.id : s.base.id;
    const a = this.accounts.get(user_id);
    if (a === undefined || (a.avail[asset_id] as number) + extra_avail_units < frozen_units) {
      return Reject.INSUFFICIENT_BALANCE.id;
    }
    if (a.open_orders - freed_slots >= this.spec.limits.max_open_orders_per_user) {
      return Reject.TOO_MANY_OPEN_ORDERS.id;
    }
    if (
      o.cid !== "" &&
      o.cid !== freed_cid &&
      o.cid !== freed_cid_2 &&
      this.orders.orderOfCid(user_id, o.cid) !== 0
    ) {
      return Reject.DUPLICATE_CLIENT_ORDER_ID.id;
    }
    this.admitted_frozen_units = frozen_units;
    this.admitted_price_ticks = price_ticks;
    this.admitted_asset_id = asset_id;
    this.admitted_account = a;
    return 0;
  }

  /**
   * The price an accepted order carries into the engine: its limit; for a
   * market order the collar around the opposite best price; for a StopLoss
   * or TakeProfit buy the cap it freezes for (a sell is priced on trigger).
   */
  private pricePlaced(o: OrderSpec, s: SymbolSpec, bid: number, ask: number): number {
    if (o.order_type === OrderType.Market) {
      return o.side === Side.Buy ? buyCollarTicks(s, ask) : sellCollarTicks(s, bid);
    }
    if (isMarketLike(o.order_type)) {
      return o.side === Side.Buy ? stopBuyCapTicks(s, o.stop_price_ticks) : 0;
    }
    return o.price_ticks;
  }

  /** Everything about an order that does not depend on balances. 0 when acceptable. */
  private checkPlace(
    user_id: number,
    cmd: OrderSpec,
    s: SymbolSpec,
    best_bid_ticks: number,
    best_ask_ticks: number,
  ): number {
    if (!this.validUser(user_id)) return Reject.UNKNOWN_USER.id;
    if (cmd.side !== Side.Buy && cmd.side !== Side.Sell) return Reject.INVALID_ORDER.id;
    if (cmd.stp !== Stp.ExpireTaker && cmd.stp !== Stp.ExpireMaker && cmd.stp !== Stp.ExpireBoth) {
      return Reject.INVALID_ORDER.id;
    }
    if (cmd.cid.length > this.spec.limits.max_id_length) return Reject.CID_TOO_LONG.id;
    if (cmd.cid !== "" && !validCid(cmd.cid)) return Reject.INVALID_CID.id;
    const t = cmd.order_type;
    if (t === OrderType.Limit || t === OrderType.StopLossLimit || t === OrderType.TakeProfitLimit) {
      if (
        cmd.tif !== TimeInForce.GTC &&
        cmd.tif !== TimeInForce.IOC &&
        cmd.tif !== TimeInForce.FOK
      ) {
        return Reject.INVALID_ORDER.id;
      }
      if (cmd.post_only && cmd.tif !== TimeInForce.GTC) return Reject.POST_ONLY_NOT_ALLOWED.id;
      if (cmd.quote_units !== 0) return Reject.QUOTE_QUANTITY_NOT_ALLOWED.id;
      if (t === OrderType.Limit) {
        if (cmd.stop_price_ticks !== 0) return Reject.STOP_PRICE_NOT_ALLOWED.id;
      } else if (!inRange(cmd.stop_price_ticks, s.max_price_ticks)) {
        return Reject.PRICE_OUT_OF_RANGE.id;
      }
      if (!inRange(cmd.price_ticks, s.max_price_ticks)) return Reject.PRICE_OUT_OF_RANGE.id;
      if (!inRange(cmd.qty_lots, s.max_qty_lots)) return Reject.QUANTITY_OUT_OF_RANGE.id;
      if (cmd.price_ticks * cmd.qty_lots * s.notional_per_tick_lot < s.min_notional_units) {
        return Reject.BELOW_MIN_NOTIONAL.id;
      }
      return 0;
    }
    if (t === OrderType.StopLoss || t === OrderType.TakeProfit) {
      if (cmd.tif !== TimeInForce.IOC && cmd.tif !== TimeInForce.FOK) {
        return Reject.TIME_IN_FORCE_NOT_ALLOWED.id;
      }
      if (cmd.post_only) return Reject.POST_ONLY_NOT_ALLOWED.id;
      if (cmd.price_ticks !== 0) return Reject.PRICE_NOT_ALLOWED.id;
      if (cmd.quote_units !== 0) return Reject.QUOTE_QUANTITY_NOT_ALLOWED.id;
      if (!inRange(cmd.stop_price_ticks, s.max_price_ticks)) return Reject.PRICE_OUT_OF_RANGE.id;
      if (!inRange(cmd.qty_lots, s.max_qty_lots)) return Reject.QUANTITY_OUT_OF_RANGE.id;
      if (cmd.stop_price_ticks * cmd.qty_lots * s.notional_per_tick_lot < s.min_notional_units) {
        return Reject.BELOW_MIN_NOTIONAL.id;
      }
      return 0;
    }
    if (t !== OrderType.Market) return Reject.INVALID_ORDER.id;
    if (cmd.tif !== TimeInForce.IOC && cmd.tif !== TimeInForce.FOK) {
      return Reject.TIME_IN_FORCE_NOT_ALLOWED.id;
    }
    if (cmd.post_only) return Reject.POST_ONLY_NOT_ALLOWED.id;
    if (cmd.price_ticks !== 0) return Reject.PRICE_NOT_ALLOWED.id;
    if (cmd.stop_price_ticks !== 0) return Reject.STOP_PRICE_NOT_ALLOWED.id;
    const buy = cmd.side === Side.Buy;
    const ref = buy ? best_ask_ticks : best_bid_ticks;
    if (buy && cmd.qty_lots === 0) {
      // Buy by quote amount: the budget is the quantity; FOK has no exact meaning for it.
      if (cmd.tif === TimeInForce.FOK) return Reject.TIME_IN_FORCE_NOT_ALLOWED.id;
      if (!Number.isSafeInteger(cmd.quote_units) || cmd.quote_units <= 0)
        return Reject.INVALID_AMOUNT.id;
      if (cmd.quote_units < s.min_notional_units) return Reject.BELOW_MIN_NOTIONAL.id;
      if (ref === 0) return Reject.NO_LIQUIDITY.id;
      return 0;
    }
    if (cmd.quote_units !== 0) {
      return buy ? Reject.QUANTITY_CONFLICT.id : Reject.QUOTE_QUANTITY_NOT_ALLOWED.id;
    }
    if (!inRange(cmd.qty_lots, s.max_qty_lots)) return Reject.QUANTITY_OUT_OF_RANGE.id;
    if (ref === 0) return Reject.NO_LIQUIDITY.id;
    if (ref * cmd.qty_lots * s.notional_per_tick_lot < s.min_notional_units) {
      return Reject.BELOW_MIN_NOTIONAL.id;
    }
    return 0;
  }

  /**
   * An OCO: both legs checked as orders of their own, the pair frozen once
   * (the larger need), two order ids (limit leg, then stop leg), both
   * registered and linked.
   */
  private placeOco(cmd: PlaceOcoCmd, out: UbsCommandAnswer): OcoIn | null {
    const s = this.spec.symbolById[cmd.symbol_id];
    if (s === undefined) {
      out.reject = Reject.UNKNOWN_SYMBOL.id;
      return null;
    }
    const limit: OrderSpec = {
      symbol_id: cmd.symbol_id,
      side: cmd.side,
      order_type: OrderType.Limit,
      tif: TimeInForce.GTC,
      post_only: cmd.post_only,
      stp: cmd.stp,
      price_ticks: cmd.price_ticks,
      stop_price_ticks: 0,
      qty_lots: cmd.qty_lots,
      quote_units: 0,
      cid: cmd.cid,
    };
    const stop: OrderSpec = {
      symbol_id: cmd.symbol_id,
      side: cmd.side,
      order_type: cmd.stop_type,
      tif: cmd.stop_tif,
      post_only: false,
      stp: cmd.stp,
      price_ticks: cmd.stop_limit_price_ticks,
      stop_price_ticks: cmd.stop_price_ticks,
      qty_lots: cmd.qty_lots,
      quote_units: 0,
      cid: cmd.stop_cid,
    };
    const bid = this.best_bid[s.id] as number;
    const ask = this.best_ask[s.id] as number;
    let reject = this.checkPlace(cmd.user_id, limit, s, bid, ask);
    if (reject === 0 && !isStopType(cmd.stop_type)) reject = Reject.INVALID_ORDER.id;
    if (reject === 0) reject = this.checkPlace(cmd.user_id, stop, s, bid, ask);
    if (reject === 0 && cmd.cid !== "" && cmd.cid === cmd.stop_cid) {
      reject = Reject.DUPLICATE_CLIENT_ORDER_ID.id;
    }
    const buy = cmd.side === Side.Buy;
    const stop_price = this.pricePlaced(stop, s, bid, ask);
    const frozen_units = buy
      ? Math.max(cmd.price_ticks, stop_price) * cmd.qty_lots * s.notional_per_tick_lot
      : cmd.qty_lots * s.lot_units;
    const asset_id = buy ? s.quote.id : s.base.id;
    const a = this.accounts.get(cmd.user_id);
    if (reject === 0 && (a === undefined || (a.avail[asset_id] as number) < frozen_units)) {
      reject = Reject.INSUFFICIENT_BALANCE.id;
    }
    if (reject === 0 && a !== undefined) {
      if (a.open_orders + 2 > this.spec.limits.max_open_orders_per_user) {
        reject = Reject.TOO_MANY_OPEN_ORDERS.id;
      } else if (
        (cmd.cid !== "" && this.orders.orderOfCid(cmd.user_id, cmd.cid) !== 0) ||
        (cmd.stop_cid !== "" && this.orders.orderOfCid(cmd.user_id, cmd.stop_cid) !== 0)
      ) {
        reject = Reject.DUPLICATE_CLIENT_ORDER_ID.id;
      }
    }
    if (reject !== 0 || a === undefined) {
      out.reject = reject;
      return null;
    }
    const order_id = this.next_order_id++;
    const stop_order_id = this.next_order_id++;
    out.order_id = order_id;
    this.stamp(
      cmd.user_id,
      asset_id,
      BalanceKind.Freeze,
      -frozen_units,
      frozen_units,
      order_id,
      "",
      out.events,
    );
    a.open_orders += 2;
    this.orders.add(order_id, cmd.user_id, s.id, cmd.side, cmd.cid, stop_order_id);
    this.orders.add(stop_order_id, cmd.user_id, s.id, cmd.side, cmd.stop_cid, order_id);
    return {
      kind: 3,
      ubs_seq: this.input_seq,
      order_id,
      stop_order_id,
      user_id: cmd.user_id,
      symbol_id: s.id,
      side: cmd.side,
      stp: cmd.stp,
      qty_lots: cmd.qty_lots,
      price_ticks: cmd.price_ticks,
      post_only: cmd.post_only,
      cid: cmd.cid,
      stop_type: cmd.stop_type,
      stop_price_ticks: cmd.stop_price_ticks,
      stop_limit_price_ticks: stop_price,
      stop_tif: cmd.stop_tif,
      stop_cid: cmd.stop_cid,
      frozen_units,
      ts_ms: cmd.ts_ms,
    };
  }

  /**
   * Resolve the order a cancel or amend names (by id, or by client order id
   * among the user's open orders) and check its owner: 0 and the order in
   * target_order_id, or the refusal. Only the owner learns that an order
   * existed and is done.
   */
  target(user_id: number, order_id: number, cid: string): number {
    this.target_order_id = 0;
    if (order_id === 0) {
      const found = cid === "" ? 0 : this.orders.orderOfCid(user_id, cid);
      if (found === 0) return Reject.UNKNOWN_ORDER.id;
      order_id = found;
    }
    this.target_order_id = order_id;
    const owner = this.orders.userOf(order_id);
    if (owner === -1) {
      return this.completed.ownerOf(order_id) === user_id
        ? Reject.ORDER_ALREADY_DONE.id
        : Reject.UNKNOWN_ORDER.id;
    }
    // The same answer as an id that never existed: other users' order ids cannot be probed.
    if (owner !== user_id) return Reject.UNKNOWN_ORDER.id;
    return 0;
  }

  private amend(cmd: AmendCmd, out: UbsCommandAnswer): AmendIn | null {
    let reject = this.target(cmd.user_id, cmd.order_id, cmd.cid);
    out.order_id = this.target_order_id;
    if (reject === 0 && this.orders.symbolOf(this.target_order_id) !== cmd.symbol_id) {
      reject = Reject.UNKNOWN_ORDER.id;
    }
    if (reject !== 0) {
      out.reject = reject;
      return null;
    }
    const order_id = this.target_order_id;
    const s = this.spec.symbolById[this.orders.symbolOf(order_id)] as SymbolSpec;
    if (cmd.price_ticks === 0 && cmd.qty_lots === 0) {
      out.reject = Reject.INVALID_ORDER.id;
      return null;
    }
    if (cmd.price_ticks !== 0 && !inRange(cmd.price_ticks, s.max_price_ticks)) {
      out.reject = Reject.PRICE_OUT_OF_RANGE.id;
      return null;
    }
    if (cmd.qty_lots !== 0 && !inRange(cmd.qty_lots, s.max_qty_lots)) {
      out.reject = Reject.QUANTITY_OUT_OF_RANGE.id;
      return null;
    }
    const a = this.accounts.get(cmd.user_id) as Account;
    const asset_id = this.orders.sideOf(order_id) === Side.Buy ? s.quote.id : s.base.id;
    return {
      kind: 4,
      ubs_seq: this.input_seq,
      order_id,
      user_id: cmd.user_id,
      symbol_id: s.id,
      price_ticks: cmd.price_ticks,
      qty_lots: cmd.qty_lots,
      avail_units: a.avail[asset_id] as number,
      ts_ms: cmd.ts_ms,
    };
  }

  /** Arm, re-arm (timeout_ms > 0) or disarm (0) the user's dead-man's switch. */
  private cancelAllAfter(cmd: CancelAllAfterCmd, out: UbsCommandAnswer): void {
    if (!this.validUser(cmd.user_id)) {
      out.reject = Reject.UNKNOWN_USER.id;
      return;
    }
    const t = cmd.timeout_ms;
    if (!Number.isSafeInteger(t) || t < 0 || t > this.spec.limits.max_cancel_all_after_ms) {
      out.reject = Reject.INVALID_TIMEOUT.id;
      return;
    }
    if (t === 0) {
      this.timers.disarm(cmd.user_id);
      return;
    }
    if (
      !this.timers.isArmed(cmd.user_id) &&
      this.timers.size >= this.spec.limits.max_armed_timers
    ) {
      out.reject = Reject.TOO_MANY_TIMERS.id;
      return;
    }
    this.timers.arm(cmd.user_id, this.time_ms + t);
  }

  /** A cancel's engine input for an order known to be open, with the reason it will carry. */
  cancelInput(order_id: number, user_id: number, reason: number, ts_ms: number): CancelIn {
    // In the combined core the engine takes it at once: one object serves every cancel.
    const c: CancelIn = this.sections !== null ? this.cancel_in : emptyCancelIn();
    c.ubs_seq = this.input_seq;
    c.order_id = order_id;
    c.user_id = user_id;
    c.symbol_id = this.orders.symbolOf(order_id);
    c.reason = reason;
    c.ts_ms = ts_ms;
    return c;
  }

  private cancel(cmd: CancelCmd, out: UbsCommandAnswer): MatchInput | null {
    const reject = this.target(cmd.user_id, cmd.order_id, cmd.cid);
    out.order_id = this.target_order_id;
    if (reject !== 0) {
      out.reject = reject;
      return null;
    }
    return this.cancelInput(this.target_order_id, cmd.user_id, Reject.USER_CANCELLED.id, cmd.ts_ms);
  }

  private complete(order_id: number): void {
    const user_id = this.orders.remove(order_id);
    if (user_id === -1) throw new InvariantError(`completion of unknown order ${order_id}`);
    const a = this.accounts.get(user_id) as Account;
    a.open_orders--;
    this.completed.remember(order_id, user_id);
  }

  /** A user's open orders (in one symbol, or all for 0), ascending ids, into `into` (emptied first). */
  openOrdersOf(user_id: number, symbol_id: number, into: number[]): number[] {
    return this.orders.ofUser(user_id, symbol_id, into);
  }

  /**
   * Check every invariant UBSCore's own structures rely on (conservation,
   * balances in range, open-order counts and client order ids against the
   * registry, the registry's user lists and OCO links, timers, the transfer
   * window); throws InvariantError. Walks everything: tests only. Frozen
   * funds against the engine's orders are checked by Core.validateInternalState.
   */
  validateInternalState(): void {
    const fail = (m: string): never => {
      throw new InvariantError(`UBSCore: ${m}`);
    };
    const slots = this.supply.length;
    const sums = new Array<number>(slots).fill(0);
    for (const [user, a] of this.accounts) {
      for (let i = 0; i < slots; i++) {
        const avail = a.avail[i] as number;
        const frozen = a.frozen[i] as number;
        if (!(avail >= 0 && frozen >= 0 && avail <= MAX_UNITS && frozen <= MAX_UNITS)) {
          fail(`balance of user ${user} asset ${i} out of range: ${avail}/${frozen}`);
        }
        sums[i] = (sums[i] as number) + avail + frozen;
      }
      if (user === FEE_USER_ID && a.open_orders !== 0) fail("the fee account has open orders");
    }
    for (let i = 0; i < slots; i++) {
      if (!Number.isSafeInteger(sums[i]) || sums[i] !== this.supply[i]) {
        fail(`conservation broken for asset ${i}: balances ${sums[i]}, supply ${this.supply[i]}`);
      }
    }
    this.orders.validateInternalState();
    const counts = new Map<number, number>();
    this.orders.forEach((order_id, user_id, symbol_id, side) => {
      counts.set(user_id, (counts.get(user_id) ?? 0) + 1);
      if (order_id >= this.next_order_id) fail(`open order ${order_id} beyond the id counter`);
      if (this.spec.symbolById[symbol_id] === undefined)
        fail(`order ${order_id}: symbol ${symbol_id}`);
      if (side !== Side.Buy && side !== Side.Sell) fail(`order ${order_id}: side ${side}`);
      if (!this.accounts.has(user_id)) fail(`order ${order_id} of a user without an account`);
    });
    for (const [user, a] of this.accounts) {
      if (a.open_orders !== (counts.get(user) ?? 0)) {
        fail(
          `user ${user} counts ${a.open_orders} open orders, registry has ${counts.get(user) ?? 0}`,
        );
      }
      if (a.open_orders > this.spec.limits.max_open_orders_per_user)
        fail(`user ${user} over the open-order limit`);
    }
    this.timers.validateInternalState();
    if (this.timers.size > this.spec.limits.max_armed_timers) fail("too many armed timers");
    if (this.transfers.size > this.spec.limits.transfers_remembered)
      fail("transfer memory over its bound");
    let last_seen = 0;
    for (const [id, t] of this.transfers) {
      if (t.seen_ms < last_seen) fail(`transfer ${id} remembered out of time order`);
      if (t.seen_ms > this.time_ms) fail(`transfer ${id} seen in the future`);
      last_seen = t.seen_ms;
    }
    if (this.transfer_horizon_ms > this.time_ms) fail("transfer horizon in the future");
    const first = this.transfers.values().next();
    if (!first.done && first.value.seen_ms < this.transfers_oldest_ms) {
      fail(`transfer record seen at ${first.value.seen_ms}, before the oldest kept`);
    }
    if (this.completed.count() > this.completed.capacity)
      fail("completed-order memory over its bound");
  }
}

function inRange(v: number, max: number): boolean {
  return Number.isSafeInteger(v) && v >= 1 && v <= max;
}
