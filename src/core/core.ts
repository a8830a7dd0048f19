// The combined core: UBSCore and the matching engine composed synchronously in
// one thread. Each command goes through UBSCore (checks, freeze), then if it
// produced an order, cancel or amend through the engine, whose output UBSCore
// settles at once. Commands that take several steps (cancel-replace,
// cancel-all, the timers of the dead-man's switch) are composed here, each
// step settled before the next is checked. One hash-chained CoreOutput per
// command. This is what replays, benchmarks, the crash test and the
// sequencer drive.

import { Reader, Writer } from "./codec.ts";
import type { Spec, SymbolSpec } from "./config.ts";
import { CancelReplaceMode, CommandKind, Side } from "./enums.ts";
import { assert, InvariantError, Reject } from "./errors.ts";
import { type HashHalves, hash64, joinHash, splitHash } from "./hash.ts";
import { MatchingEngine } from "./matching.ts";
import { OutputSections } from "./output-sections.ts";
import { restingBook } from "./resting-book.ts";
import {
  readEngineState,
  readUbsState,
  registerOpenOrders,
  writeEngineState,
  writeUbsState,
} from "./state.ts";
import type {
  CancelAllCmd,
  CancelReplaceCmd,
  Command,
  CoreOutput,
  MatchInput,
  OrderSpec,
} from "./types.ts";
import { UbsCore } from "./ubscore.ts";
import { readCoreOutput } from "./wire.ts";

const CORE_MAGIC = 0x434f5232; // "COR2"
const NONE: never[] = [];
Object.freeze(NONE);

/** Resting orders of the snapshot warm-up: enough for V8 to optimise the serialising loops. */
const WARM_ORDERS = 5000;
let snapshot_code_warm = false;

/**
 * Run the snapshot's serialising code on a small throwaway core, once per
 * process, so that the first real snapshot runs optimised code: cold, the
 * first snapshot at 100,000 resting orders paused 67 to 81 ms where the next
 * ones took 13 to 23 (bench/results/core.md). About 90 ms, paid where a
 * process starts (CoreJournal.open, SequencerService.start) or else at the
 * first reserveSnapshot, never inside a snapshot. A configuration where the
 * throwaway orders are refused only leaves the code cold.
 */
export function warmSnapshotCode(spec: Spec): void {
  if (snapshot_code_warm) return;
  snapshot_code_warm = true;
  const s = spec.symbols[0];
  if (s === undefined) return;
  const core = new Core(spec);
  const book = restingBook(s, 100, 1000, "warm-up-");
  for (const d of book.deposits) core.applySealed(d);
  for (let i = 0; i < WARM_ORDERS; i++) core.applySealed(book.order(i));
  for (let i = 0; i < 3; i++) core.snapshot();
}

/** Where Core.chain holds the last output's hash, and the one before it. */
const LAST = 0;
const BEFORE = 2;

/**
 * The last output's fields other than its lists (those are in the core's
 * OutputSections). Its hashes are the core's chain, kept as 32-bit halves so
 * that sealing allocates nothing; reading one makes the BigInt.
 */
class OutputHead implements CoreOutput {
  output_seq = 0;
  input: Command = { kind: CommandKind.Tick, ts_ms: 0, corr: "" };
  symbol_id = 0;
  order_id = 0;
  reject = 0;
  other_order_id = 0;
  other_reject = 0;
  duplicate = false;
  readonly updates = NONE;
  readonly trades = NONE;
  readonly events = NONE;
  readonly completions = NONE;

  constructor(private readonly chain: HashHalves) {}

  get prev_hash(): bigint {
    return joinHash(this.chain, BEFORE);
  }

  get hash(): bigint {
    return joinHash(this.chain, LAST);
  }
}

export class Core {
  output_seq = 0;
  /**
   * The chain, in halves: at LAST the last output's hash (the next one's
   * prev_hash), at BEFORE the hash before it (the last output's prev_hash).
   */
  private readonly chain: HashHalves = new Uint32Array(4);
  /**
   * Bytes of every output this core sealed (not state: a figure for
   * benchmarks), in a typed array: the sum soon passes the small integers,
   * and as a field it was boxed anew by every command.
   */
  private readonly encoded = new Float64Array(1);
  private readonly writer = new Writer(64 * 1024);
  private snapshot_writer: Writer | null = null;
  /** The ids a cancel-all visits; reused. */
  private readonly scratch_ids: number[] = [];
  /** The output's lists, written as bytes by UBSCore and the engine while a command runs. */
  private readonly sections = new OutputSections();
  /**
   * The output's other fields, reused from command to command; its lists stay
   * empty (they are in `sections`). Valid until the next command.
   */
  readonly head: CoreOutput = new OutputHead(this.chain);

  /** Bytes of every output this core sealed. */
  get encoded_bytes(): number {
    return this.encoded[0] as number;
  }

  /** The hash of the last output sealed (GENESIS_HASH before the first). */
  get prev_hash(): bigint {
    return joinHash(this.chain, LAST);
  }

  set prev_hash(hash: bigint) {
    splitHash(hash, this.chain, LAST);
  }

  constructor(
    readonly spec: Spec,
    readonly ubs: UbsCore = new UbsCore(spec, { hash_outputs: false }),
    readonly me: MatchingEngine = new MatchingEngine(spec, { hash_outputs: false }),
  ) {
    ubs.sections = this.sections;
    me.sections = this.sections;
  }

  /** Apply a command; its output, decoded from the sealed bytes (see applySealed). */
  apply(cmd: Command): CoreOutput {
    this.applySealed(cmd);
    return readCoreOutput(new Reader(this.writer.view()));
  }

  /**
   * Apply a command and seal its output, allocating no output objects: the
   * bytes are lastEncoded(), the fields other than the lists are in `head`
   * and the list lengths in lastCounts(), all valid until the next command.
   */
  applySealed(cmd: Command): void {
    const ubs = this.ubs;
    ubs.advance(cmd.ts_ms);
    const out = this.head;
    out.output_seq = this.output_seq + 1;
    const chain = this.chain;
    chain[BEFORE] = chain[LAST] as number;
    chain[BEFORE + 1] = chain[LAST + 1] as number;
    out.input = cmd;
    out.symbol_id = 0;
    out.order_id = 0;
    out.reject = 0;
    out.other_order_id = 0;
    out.other_reject = 0;
    out.duplicate = false;
    this.sections.reset();
    // Timers that the core's new time reached fire first, in deadline order.
    if (ubs.timers.size > 0 && ubs.timers.earliest() <= ubs.time_ms) this.fireTimers(cmd);
    switch (cmd.kind) {
      case CommandKind.CancelReplace:
        this.cancelReplace(cmd, out);
        break;
      case CommandKind.CancelAll:
        this.cancelAllCommand(cmd, out);
        break;
      case CommandKind.Tick:
        break;
      default:
        this.step(cmd, out);
    }
    this.writer.reset();
    this.sections.seal(this.writer, out, this.chain, BEFORE, LAST);
    this.encoded[0] = (this.encoded[0] as number) + this.writer.pos;
    this.output_seq = out.output_seq;
  }

  /** How many trades the last output holds. */
  lastTradeCount(): number {
    return this.sections.trades.count;
  }

  /** The earliest armed dead-man's-switch deadline (core time, ms), or 0 when none is armed. */
  nextTimerDeadline(): number {
    return this.ubs.timers.earliest();
  }

  /** How many dead-man's switches are armed: the sequencer journals Ticks while this is above 0. */
  armedTimers(): number {
    return this.ubs.timers.size;
  }

  /** The core's time: the largest ts_ms of any command applied. */
  timeMs(): number {
    return this.ubs.time_ms;
  }

  /** A command UBSCore handles by itself, then (if it says so) the engine. */
  private step(cmd: Command, out: CoreOutput): void {
    const forward = this.ubs.command(cmd, out);
    this.ubs.countOutput();
    if (cmd.kind === CommandKind.PlaceOco && out.order_id !== 0) {
      out.other_order_id = out.order_id + 1;
    }
    if (forward !== null) {
      out.symbol_id = forward.symbol_id;
      const reject = this.engine(forward);
      if (reject !== 0) out.reject = reject;
    } else if ("symbol_id" in cmd) {
      out.symbol_id = cmd.symbol_id;
    }
  }

  /** One engine input, settled by UBSCore at once (its lists go to the sections). Returns its refusal. */
  private engine(input: MatchInput): number {
    const eo = this.me.apply(input);
    this.ubs.settle(eo, NONE);
    return eo.reject;
  }

  private fireTimers(cmd: Command): void {
    const ubs = this.ubs;
    for (;;) {
      const user_id = ubs.timers.popDue(ubs.time_ms);
      if (user_id === -1) return;
      this.cancelAll(user_id, 0, Reject.AUTO_CANCELLED.id, cmd.ts_ms);
    }
  }

  private cancelAllCommand(cmd: CancelAllCmd, out: CoreOutput): void {
    if (
      !Number.isSafeInteger(cmd.user_id) ||
      cmd.user_id < 1 ||
      cmd.user_id > this.spec.limits.max_user_id
    ) {
      out.reject = Reject.UNKNOWN_USER.id;
      return;
    }
    if (cmd.symbol_id !== 0 && this.spec.symbolById[cmd.symbol_id] === undefined) {
      out.reject = Reject.UNKNOWN_SYMBOL.id;
      return;
    }
    out.symbol_id = cmd.symbol_id;
    this.cancelAll(cmd.user_id, cmd.symbol_id, Reject.USER_CANCELLED.id, cmd.ts_ms);
  }

  /** Cancel a user's open orders (one symbol, or all for 0) in ascending order id. */
  private cancelAll(user_id: number, symbol_id: number, reason: number, ts_ms: number): void {
    const ubs = this.ubs;
    const ids = ubs.openOrdersOf(user_id, symbol_id, this.scratch_ids);
    for (let i = 0; i < ids.length; i++) {
      const order_id = ids[i] as number;
      // An OCO leg went with its partner, earlier in this loop.
      if (ubs.orders.userOf(order_id) !== user_id) continue;
      const reject = this.engine(ubs.cancelInput(order_id, user_id, reason, ts_ms));
      assert(reject === 0, () => `cancel-all: the engine refused to cancel open order ${order_id}`);
    }
    ids.length = 0;
  }

  /**
   * Cancel one order and place another in its symbol. StopOnFailure checks
   * both halves first, against the state the cancel would leave, and changes
   * nothing unless both would succeed; AllowFailure does whichever half it
   * can. The cancel is settled before the new order is checked, so the new
   * order may use the funds, the open-order slot and the client order id the
   * cancelled one held.
   */
  private cancelReplace(cmd: CancelReplaceCmd, out: CoreOutput): void {
    const ubs = this.ubs;
    const mode = cmd.mode;
    if (mode !== CancelReplaceMode.StopOnFailure && mode !== CancelReplaceMode.AllowFailure) {
      out.reject = Reject.INVALID_ORDER.id;
      out.other_reject = Reject.NOT_ATTEMPTED.id;
      return;
    }
    let cancel_reject = ubs.target(cmd.user_id, cmd.order_id, cmd.cid);
    const target = ubs.target_order_id;
    out.other_order_id = target;
    const o = cmd.order;
    out.symbol_id = o.symbol_id;
    if (cancel_reject === 0 && ubs.orders.symbolOf(target) !== o.symbol_id) {
      cancel_reject = Reject.UNKNOWN_ORDER.id;
    }
    const s = this.spec.symbolById[o.symbol_id];
    const new_reject = s === undefined ? Reject.UNKNOWN_SYMBOL.id : 0;
    if (mode === CancelReplaceMode.StopOnFailure) {
      if (cancel_reject !== 0) {
        out.other_reject = cancel_reject;
        out.reject = Reject.NOT_ATTEMPTED.id;
        return;
      }
      const refused =
        new_reject !== 0
          ? new_reject
          : this.checkReplacement(cmd.user_id, o, s as SymbolSpec, target);
      if (refused !== 0) {
        out.reject = refused;
        out.other_reject = Reject.NOT_ATTEMPTED.id;
        return;
      }
    }
    if (cancel_reject === 0) {
      const r = this.engine(
        ubs.cancelInput(target, cmd.user_id, Reject.USER_CANCELLED.id, cmd.ts_ms),
      );
      assert(r === 0, () => `cancel-replace: the engine refused to cancel open order ${target}`);
    } else {
      out.other_reject = cancel_reject;
    }
    if (new_reject !== 0) {
      out.reject = new_reject;
      return;
    }
    ubs.input_seq++;
    const forward = ubs.placeOrder(cmd.user_id, o, cmd.ts_ms, out);
    if (forward !== null) this.engine(forward);
    if (mode === CancelReplaceMode.StopOnFailure && out.reject !== 0) {
      throw new InvariantError(
        `cancel-replace: new order refused (${out.reject}) after its checks passed`,
      );
    }
  }

  /** Would the new order of a StopOnFailure cancel-replace be refused once `target` is cancelled? */
  private checkReplacement(user_id: number, o: OrderSpec, s: SymbolSpec, target: number): number {
    const ubs = this.ubs;
    const me = this.me;
    const held = me.heldBy(s.id, target);
    const link = ubs.orders.linkOf(target);
    const asset_id = o.side === Side.Buy ? s.quote.id : s.base.id;
    const extra = held !== null && held.asset_id === asset_id ? held.units : 0;
    const reject = ubs.admit(
      user_id,
      o,
      s,
      extra,
      link === 0 ? 1 : 2,
      ubs.orders.cidOf(target),
      link === 0 ? "" : ubs.orders.cidOf(link),
      me.bestPriceExcluding(s.id, Side.Buy, target),
      me.bestPriceExcluding(s.id, Side.Sell, target),
    );
    if (reject !== 0) return reject;
    return me.wouldRefuse(
      s.id,
      o.side,
      o.order_type,
      o.post_only,
      o.price_ticks,
      o.stop_price_ticks,
      target,
    );
  }

  /** Encoded bytes of the last output; valid until the next command. */
  lastEncoded(): Buffer {
    return this.writer.view();
  }

  /**
   * Every invariant of UBSCore and the books, and their agreement: each open
   * order registered in UBSCore is in the engine with the same owner, symbol,
   * side, client order id and OCO partner, and every user's frozen funds are
   * exactly what their open orders (resting or waiting) hold. Throws
   * InvariantError. Walks the whole state: tests call it after every
   * command; nothing on the hot path does.
   */
  validateInternalState(): void {
    const ubs = this.ubs;
    const fail = (m: string): never => {
      throw new InvariantError(`core: ${m}`);
    };
    ubs.validateInternalState();
    const nodes = this.me.validateInternalState();
    if (ubs.timers.size > 0 && ubs.timers.earliest() <= ubs.time_ms)
      fail("a due timer did not fire");
    if (nodes.length !== ubs.orders.size) {
      fail(`engine holds ${nodes.length} open orders, UBSCore registers ${ubs.orders.size}`);
    }
    const slots = ubs.supply.length;
    const held = new Map<number, number[]>();
    const best_bid: number[] = [];
    const best_ask: number[] = [];
    for (const n of nodes) {
      const id = n.order_id;
      const symbol_id = ubs.orders.symbolOf(id);
      const s = this.spec.symbolById[symbol_id];
      if (ubs.orders.userOf(id) !== n.user_id || s === undefined)
        fail(`order ${id}: owner or symbol differ`);
      if (this.me.book(symbol_id)?.orders.get(id) !== n)
        fail(`order ${id} is not in its symbol's book`);
      if (ubs.orders.sideOf(id) !== n.side) fail(`order ${id}: side differs`);
      if (ubs.orders.cidOf(id) !== n.cid) fail(`order ${id}: client order id differs`);
      if (ubs.orders.linkOf(id) !== (n.oco === null ? 0 : n.oco.order_id))
        fail(`order ${id}: OCO link differs`);
      const sym = s as SymbolSpec;
      const asset = n.side === Side.Buy ? sym.quote.id : sym.base.id;
      let h = held.get(n.user_id);
      if (h === undefined) {
        h = new Array<number>(slots).fill(0);
        held.set(n.user_id, h);
      }
      h[asset] = (h[asset] as number) + n.frozen_units;
      if (n.where === 1) {
        const best = n.side === Side.Buy ? best_bid : best_ask;
        const cur = best[symbol_id] ?? 0;
        if (cur === 0 || (n.side === Side.Buy ? n.price_ticks > cur : n.price_ticks < cur)) {
          best[symbol_id] = n.price_ticks;
        }
      }
    }
    for (const [user, a] of ubs.accounts) {
      const h = held.get(user);
      for (let i = 0; i < slots; i++) {
        const want = h === undefined ? 0 : (h[i] as number);
        if (a.frozen[i] !== want) {
          fail(`user ${user} asset ${i}: ${a.frozen[i]} frozen, open orders hold ${want}`);
        }
      }
    }
    for (const user of held.keys())
      if (!ubs.accounts.has(user)) fail(`orders of user ${user} without an account`);
    for (const s of this.spec.symbols) {
      if (this.me.book(s.id) === undefined) continue;
      if (
        (ubs.best_bid[s.id] ?? 0) !== (best_bid[s.id] ?? 0) ||
        (ubs.best_ask[s.id] ?? 0) !== (best_ask[s.id] ?? 0)
      ) {
        fail(`${s.name}: UBSCore's best prices differ from the book's`);
      }
    }
  }

  /**
   * The whole state's bytes, after what `header` writes, in a buffer this
   * core reuses: valid until the next snapshot(). Reusing it matters more
   * than it seems: writing megabytes into fresh memory is mostly page
   * faults, and those are the engine's pause; so is copying them after.
   */
  snapshot(header?: (w: Writer) => void): Buffer {
    const w = this.snapshotWriter();
    w.reset();
    // A container's header goes in front here, not by copying megabytes after.
    header?.(w);
    return this.writeState(w);
  }

  /**
   * The snapshot buffer, grown now if the state outgrew it: a process calls
   * this once it has recovered, so that its first snapshot does not pause
   * for the allocation, the collection a large allocation provokes, and the
   * page faults of memory never touched (the buffer is written through once
   * here).
   */
  reserveSnapshot(): Writer {
    warmSnapshotCode(this.spec);
    return this.snapshotWriter();
  }

  private snapshotWriter(): Writer {
    let orders = 0;
    for (const b of this.me.books) if (b !== undefined) orders += b.orders.size;
    const u = this.ubs;
    const estimate =
      4096 +
      orders * 128 +
      u.accounts.size * (8 + u.supply.length * 24) +
      u.transfers.size * 168 +
      u.completed.capacity * 16 +
      u.timers.size * 16;
    if (this.snapshot_writer === null || this.snapshot_writer.buf.length < estimate) {
      const w = new Writer(estimate + (estimate >> 1));
      w.buf.fill(0);
      this.snapshot_writer = w;
    }
    return this.snapshot_writer;
  }

  /** Appends the state to what w holds; returns all of w's bytes. */
  private writeState(w: Writer): Buffer {
    w.u32(CORE_MAGIC);
    w.int(this.output_seq);
    w.u64(this.prev_hash);
    writeUbsState(w, this.ubs);
    writeEngineState(w, this.me);
    return w.view();
  }

  /** XXH64 of the state's bytes (in a buffer of its own, so a snapshot being written is untouched). */
  stateHash(): bigint {
    return hash64(this.writeState(new Writer(1 << 20)));
  }

  static restore(spec: Spec, bytes: Uint8Array): Core {
    const r = new Reader(bytes);
    const magic = r.u32();
    if (magic === 0x434f5231) {
      throw new InvariantError(
        "snapshot: written by an older version (COR1); recover from the journal without it",
      );
    }
    if (magic !== CORE_MAGIC) throw new InvariantError("snapshot: not a core snapshot");
    const output_seq = r.int();
    const prev_hash = r.u64();
    const ubs = readUbsState(r, spec, { hash_outputs: false });
    const me = readEngineState(r, spec, { hash_outputs: false });
    if (!r.done()) throw new InvariantError("snapshot: trailing bytes");
    registerOpenOrders(ubs, me);
    const core = new Core(spec, ubs, me);
    core.output_seq = output_seq;
    core.prev_hash = prev_hash;
    return core;
  }
}
