// UBSCore: the single writer of balances. Per user and asset it holds available
// and frozen amounts; it decides whether money may move (deposits, withdrawals,
// the freeze an order needs before it reaches the book) and applies what the
// matching engine reports (fills, releases). Pure and deterministic: its state
// is a function of the sequence of inputs it was given, nothing else.

import { Writer } from "./codec.ts";
import { CompletedOrders } from "./completed.ts";
import type { Spec, SymbolSpec } from "./config.ts";
import { FEE_USER_ID } from "./constants.ts";
import { BalanceKind, CommandKind, OrderType, Side, Stp, TimeInForce } from "./enums.ts";
import { assert, Reject } from "./errors.ts";
import { GENESIS_HASH } from "./hash.ts";
import { MAX_UNITS } from "./money.ts";
import { OpenOrders } from "./open-orders.ts";
import {
  type BalanceEvent,
  type BalanceOutput,
  type CancelCmd,
  Cause,
  type Command,
  type EngineOutput,
  type MatchInput,
  type PlaceCmd,
  type TransferCmd,
} from "./types.ts";
import { writeBalanceOutput } from "./wire.ts";

export interface Account {
  /** Indexed by asset id. */
  readonly avail: number[];
  readonly frozen: number[];
  /** Per-asset ledger sequence of the last event. */
  readonly seq: number[];
  open_orders: number;
  /** Client order ids of open orders. */
  readonly cids: Map<string, number>;
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

export class UbsCore {
  readonly accounts = new Map<number, Account>();
  /** Per asset: deposits minus withdrawals. Conservation says it equals the sum of all balances. */
  readonly supply: number[];
  readonly transfers = new Map<string, TransferRecord>();
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
        cids: new Map(),
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

  apply(cmd: Command): UbsStep {
    this.input_seq++;
    const out = this.newOutput(Cause.Command, cmd);
    let forward: MatchInput | null = null;
    switch (cmd.kind) {
      case CommandKind.Deposit:
      case CommandKind.Withdraw:
        this.transfer(cmd, out);
        break;
      case CommandKind.Place:
        forward = this.place(cmd, out);
        break;
      case CommandKind.Cancel:
        forward = this.cancel(cmd, out);
        break;
    }
    this.seal(out);
    return { out, forward };
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

  /** Apply one balance change and record it as a ledger event. */
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
    const a = this.account(user_id);
    const avail = (a.avail[asset_id] as number) + delta_avail;
    const frozen = (a.frozen[asset_id] as number) + delta_frozen;
    // Supply bounds every balance (conservation), so leaving [0, MAX] means the
    // engine and UBSCore disagree: stop rather than corrupt money.
    assert(
      avail >= 0 && frozen >= 0 && avail <= MAX_UNITS && frozen <= MAX_UNITS,
      () =>
        `balance of user ${user_id} asset ${asset_id} would become avail=${avail} frozen=${frozen}`,
    );
    a.avail[asset_id] = avail;
    a.frozen[asset_id] = frozen;
    const seq = (a.seq[asset_id] as number) + 1;
    a.seq[asset_id] = seq;
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

  private transfer(cmd: TransferCmd, out: BalanceOutput): void {
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
      this.stamp(
        cmd.user_id,
        cmd.asset_id,
        deposit ? BalanceKind.Deposit : BalanceKind.Withdraw,
        delta,
        0,
        0,
        cmd.request_id,
        out.events,
      );
      event = out.events[0] as BalanceEvent;
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
    });
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

  private place(cmd: PlaceCmd, out: BalanceOutput): MatchInput | null {
    const s = this.spec.symbolById[cmd.symbol_id];
    const check = s === undefined ? Reject.UNKNOWN_SYMBOL.id : this.checkPlace(cmd, s);
    if (check !== 0 || s === undefined) {
      out.reject = check;
      return null;
    }
    const market = cmd.order_type === OrderType.Market;
    const buy = cmd.side === Side.Buy;
    // Market orders trade no further than a collar around the opposite best price.
    let price_ticks = cmd.price_ticks;
    if (market) price_ticks = buy ? this.buyCollar(s) : this.sellCollar(s);
    let frozen_units: number;
    if (!buy) frozen_units = cmd.qty_lots * s.lot_units;
    else if (cmd.qty_lots === 0) frozen_units = cmd.quote_units;
    else frozen_units = price_ticks * cmd.qty_lots * s.notional_per_tick_lot;
    const asset_id = buy ? s.quote.id : s.base.id;
    const a = this.accounts.get(cmd.user_id);
    if (a === undefined || (a.avail[asset_id] as number) < frozen_units) {
      out.reject = Reject.INSUFFICIENT_BALANCE.id;
      return null;
    }
    if (a.open_orders >= this.spec.limits.max_open_orders_per_user) {
      out.reject = Reject.TOO_MANY_OPEN_ORDERS.id;
      return null;
    }
    if (cmd.cid !== "" && a.cids.has(cmd.cid)) {
      out.reject = Reject.DUPLICATE_CLIENT_ORDER_ID.id;
      return null;
    }
    const order_id = this.next_order_id++;
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
    a.open_orders++;
    if (cmd.cid !== "") a.cids.set(cmd.cid, order_id);
    this.orders.add(order_id, cmd.user_id, s.id, cmd.cid);
    return {
      kind: 1,
      ubs_seq: this.input_seq,
      order_id,
      user_id: cmd.user_id,
      symbol_id: s.id,
      side: cmd.side,
      order_type: cmd.order_type,
      tif: cmd.tif,
      post_only: cmd.post_only,
      stp: cmd.stp,
      price_ticks,
      qty_lots: cmd.qty_lots,
      quote_units: cmd.quote_units,
      frozen_units,
      cid: cmd.cid,
      ts_ms: cmd.ts_ms,
    };
  }

  /** Everything about an order that does not depend on balances. 0 when acceptable. */
  private checkPlace(cmd: PlaceCmd, s: SymbolSpec): number {
    if (!this.validUser(cmd.user_id)) return Reject.UNKNOWN_USER.id;
    if (cmd.side !== Side.Buy && cmd.side !== Side.Sell) return Reject.INVALID_ORDER.id;
    if (cmd.stp !== Stp.ExpireTaker && cmd.stp !== Stp.ExpireMaker && cmd.stp !== Stp.ExpireBoth) {
      return Reject.INVALID_ORDER.id;
    }
    if (cmd.cid.length > this.spec.limits.max_id_length) return Reject.CID_TOO_LONG.id;
    if (cmd.cid !== "" && !validCid(cmd.cid)) return Reject.INVALID_CID.id;
    if (cmd.order_type === OrderType.Limit) {
      if (
        cmd.tif !== TimeInForce.GTC &&
        cmd.tif !== TimeInForce.IOC &&
        cmd.tif !== TimeInForce.FOK
      ) {
        return Reject.INVALID_ORDER.id;
      }
      if (cmd.post_only && cmd.tif !== TimeInForce.GTC) return Reject.POST_ONLY_NOT_ALLOWED.id;
      if (cmd.quote_units !== 0) return Reject.QUOTE_QUANTITY_NOT_ALLOWED.id;
      if (!inRange(cmd.price_ticks, s.max_price_ticks)) return Reject.PRICE_OUT_OF_RANGE.id;
      if (!inRange(cmd.qty_lots, s.max_qty_lots)) return Reject.QUANTITY_OUT_OF_RANGE.id;
      if (cmd.price_ticks * cmd.qty_lots * s.notional_per_tick_lot < s.min_notional_units) {
        return Reject.BELOW_MIN_NOTIONAL.id;
      }
      return 0;
    }
    if (cmd.order_type !== OrderType.Market) return Reject.INVALID_ORDER.id;
    if (cmd.tif !== TimeInForce.IOC && cmd.tif !== TimeInForce.FOK) {
      return Reject.TIME_IN_FORCE_NOT_ALLOWED.id;
    }
    if (cmd.post_only) return Reject.POST_ONLY_NOT_ALLOWED.id;
    if (cmd.price_ticks !== 0) return Reject.PRICE_NOT_ALLOWED.id;
    const buy = cmd.side === Side.Buy;
    const ref = buy ? (this.best_ask[s.id] as number) : (this.best_bid[s.id] as number);
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

  private buyCollar(s: SymbolSpec): number {
    const num = (this.best_ask[s.id] as number) * (10_000 + s.market_collar_bps);
    const rem = num % 10_000;
    const ceil = (num - rem) / 10_000 + (rem > 0 ? 1 : 0);
    return Math.min(ceil, s.max_price_ticks);
  }

  private sellCollar(s: SymbolSpec): number {
    const num = (this.best_bid[s.id] as number) * (10_000 - s.market_collar_bps);
    const floor = (num - (num % 10_000)) / 10_000;
    return Math.max(floor, 1);
  }

  private cancel(cmd: CancelCmd, out: BalanceOutput): MatchInput | null {
    let order_id = cmd.order_id;
    if (order_id === 0) {
      const a = this.accounts.get(cmd.user_id);
      const found = cmd.cid === "" || a === undefined ? undefined : a.cids.get(cmd.cid);
      if (found === undefined) {
        out.reject = Reject.UNKNOWN_ORDER.id;
        return null;
      }
      order_id = found;
    }
    out.order_id = order_id;
    const owner = this.orders.userOf(order_id);
    if (owner === -1) {
      // Only the owner learns that an order existed and is done.
      out.reject =
        this.completed.ownerOf(order_id) === cmd.user_id
          ? Reject.ORDER_ALREADY_DONE.id
          : Reject.UNKNOWN_ORDER.id;
      return null;
    }
    if (owner !== cmd.user_id) {
      // The same answer as an id that never existed: other users' order ids cannot be probed.
      out.reject = Reject.UNKNOWN_ORDER.id;
      return null;
    }
    return {
      kind: 2,
      ubs_seq: this.input_seq,
      order_id,
      user_id: cmd.user_id,
      symbol_id: this.orders.symbolOf(order_id),
      ts_ms: cmd.ts_ms,
    };
  }

  private complete(order_id: number): void {
    const o = this.orders.remove(order_id);
    assert(o !== null, () => `completion of unknown order ${order_id}`);
    const a = this.account(o.user_id);
    a.open_orders--;
    if (o.cid !== "") a.cids.delete(o.cid);
    this.completed.remember(order_id, o.user_id);
  }
}

function inRange(v: number, max: number): boolean {
  return Number.isSafeInteger(v) && v >= 1 && v <= max;
}
