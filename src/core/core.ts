// The combined core: UBSCore and the matching engine composed synchronously in
// one thread. Each command goes through UBSCore (checks, freeze), then if it
// produced an order or cancel through the engine, whose output UBSCore settles
// at once. One hash-chained CoreOutput per command. This is what replays,
// benchmarks and the crash test drive; the services run the same two state
// machines connected by the event log instead.

import { Reader, Writer } from "./codec.ts";
import type { Spec } from "./config.ts";
import { CommandKind } from "./enums.ts";
import { InvariantError } from "./errors.ts";
import { GENESIS_HASH, hash64 } from "./hash.ts";
import { MatchingEngine } from "./matching.ts";
import { readEngineState, readUbsState, writeEngineState, writeUbsState } from "./state.ts";
import type { Command, CoreOutput } from "./types.ts";
import { UbsCore } from "./ubscore.ts";
import { writeCoreOutput } from "./wire.ts";

const CORE_MAGIC = 0x434f5231; // "COR1"
const NONE: never[] = [];
Object.freeze(NONE);

export class Core {
  output_seq = 0;
  prev_hash = GENESIS_HASH;
  private readonly writer = new Writer(64 * 1024);
  private snapshot_writer: Writer | null = null;

  constructor(
    readonly spec: Spec,
    readonly ubs: UbsCore = new UbsCore(spec, { hash_outputs: false }),
    readonly me: MatchingEngine = new MatchingEngine(spec, { hash_outputs: false }),
  ) {}

  apply(cmd: Command): CoreOutput {
    const step = this.ubs.apply(cmd);
    const out: CoreOutput = {
      output_seq: this.output_seq + 1,
      prev_hash: this.prev_hash,
      hash: 0n,
      input: cmd,
      symbol_id: step.forward?.symbol_id ?? (cmd.kind === CommandKind.Place ? cmd.symbol_id : 0),
      order_id: step.out.order_id,
      reject: step.out.reject,
      duplicate: step.out.duplicate,
      updates: NONE,
      trades: NONE,
      events: step.out.events,
      completions: NONE,
    };
    if (step.forward !== null) {
      const eo = this.me.apply(step.forward);
      this.ubs.settle(eo, out.events);
      out.updates = eo.updates;
      out.trades = eo.trades;
      out.completions = eo.completions;
      if (eo.reject !== 0) out.reject = eo.reject;
    }
    this.writer.reset();
    out.hash = writeCoreOutput(this.writer, out);
    this.output_seq = out.output_seq;
    this.prev_hash = out.hash;
    return out;
  }

  /** Encoded bytes of the last output; valid until the next apply. */
  lastEncoded(): Buffer {
    return this.writer.view();
  }

  /**
   * The whole state's bytes, in a buffer this core reuses: valid until the
   * next snapshot(). Reusing it matters more than it seems: writing megabytes
   * into fresh memory is mostly page faults, and those are the engine's pause.
   */
  snapshot(): Buffer {
    let orders = 0;
    for (const b of this.me.books) if (b !== undefined) orders += b.orders.size;
    const u = this.ubs;
    const estimate =
      4096 +
      orders * 192 +
      u.accounts.size * (8 + u.supply.length * 24) +
      u.transfers.size * 160 +
      u.completed.capacity * 16;
    if (this.snapshot_writer === null || this.snapshot_writer.buf.length < estimate) {
      this.snapshot_writer = new Writer(estimate + (estimate >> 2));
    }
    return this.writeState(this.snapshot_writer);
  }

  private writeState(w: Writer): Buffer {
    w.reset();
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
    if (r.u32() !== CORE_MAGIC) throw new InvariantError("snapshot: not a core snapshot");
    const output_seq = r.int();
    const prev_hash = r.u64();
    const ubs = readUbsState(r, spec, { hash_outputs: false });
    const me = readEngineState(r, spec, { hash_outputs: false });
    if (!r.done()) throw new InvariantError("snapshot: trailing bytes");
    const core = new Core(spec, ubs, me);
    core.output_seq = output_seq;
    core.prev_hash = prev_hash;
    return core;
  }
}
