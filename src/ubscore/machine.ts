// UBSCore as a durable state machine over its inputs: the messages it
// consumes from balance.operations, orders and every engine.outputs topic, in
// the order it consumed them. That order is journaled before it acts, so the
// state after any prefix of the journal is reproducible exactly, whatever
// order the topics happened to interleave in.

import {
  type BalanceOutput,
  type Command,
  decodeCommand,
  type EngineOutput,
  encodeMatchInput,
  InvariantError,
  type MatchInput,
  Reader,
  readEngineOutput,
  readUbsState,
  type Spec,
  UbsCore,
  verifySealed,
  Writer,
  writeUbsState,
} from "../core/mod.ts";

export interface UbsInput {
  topic: string;
  topic_seq: number;
  payload: Uint8Array;
}

export interface UbsEffects {
  /** The input repeated a topic position already consumed: nothing happened. */
  skipped: boolean;
  command: Command | null;
  engine: EngineOutput | null;
  out: BalanceOutput | null;
  /** Sealed bytes of `out` for balance.events. */
  out_bytes: Uint8Array | null;
  forward: MatchInput | null;
  forward_bytes: Uint8Array | null;
}

const SKIPPED: UbsEffects = Object.freeze({
  skipped: true,
  command: null,
  engine: null,
  out: null,
  out_bytes: null,
  forward: null,
  forward_bytes: null,
});

const MAGIC = 0x55424d31; // "UBM1"
const ENGINE_PREFIX = "engine.outputs.";

export class UbsMachine {
  /** Last consumed seq of every input topic. */
  readonly positions = new Map<string, number>();
  /** Last applied engine output_seq per symbol (a second guard against republished outputs). */
  readonly engine_seq: number[] = [];
  private readonly snapshot_writer = new Writer(1 << 20);

  constructor(
    readonly spec: Spec,
    readonly ubs: UbsCore = new UbsCore(spec),
  ) {
    for (const s of spec.symbols) this.engine_seq[s.id] = this.engine_seq[s.id] ?? 0;
  }

  position(topic: string): number {
    return this.positions.get(topic) ?? 0;
  }

  apply(input: UbsInput): UbsEffects {
    if (input.topic_seq <= this.position(input.topic)) return SKIPPED;
    this.positions.set(input.topic, input.topic_seq);
    if (input.topic.startsWith(ENGINE_PREFIX)) return this.applyEngine(input.payload);
    const command = decodeCommand(new Reader(input.payload));
    const step = this.ubs.apply(command);
    return {
      skipped: false,
      command,
      engine: null,
      out: step.out,
      out_bytes: Buffer.from(this.ubs.lastEncoded()),
      forward: step.forward,
      forward_bytes: step.forward === null ? null : encodeMatchInput(step.forward),
    };
  }

  private applyEngine(payload: Uint8Array): UbsEffects {
    if (!verifySealed(payload)) throw new InvariantError("engine output fails its hash check");
    const eo = readEngineOutput(new Reader(payload));
    const last = this.engine_seq[eo.symbol_id] ?? 0;
    if (eo.output_seq <= last) return SKIPPED;
    if (eo.output_seq !== last + 1) {
      throw new InvariantError(
        `engine output gap for symbol ${eo.symbol_id}: expected ${last + 1}, got ${eo.output_seq}`,
      );
    }
    this.engine_seq[eo.symbol_id] = eo.output_seq;
    const out = this.ubs.applyEngineOutput(eo);
    return {
      skipped: false,
      command: null,
      engine: eo,
      out,
      out_bytes: Buffer.from(this.ubs.lastEncoded()),
      forward: null,
      forward_bytes: null,
    };
  }

  /** The state's bytes in a buffer reused by the next call (see Core.snapshot for why). */
  snapshot(): Uint8Array {
    const w = this.snapshot_writer;
    w.reset();
    w.u32(MAGIC);
    w.u32(this.positions.size);
    for (const [topic, seq] of this.positions) {
      w.str(topic);
      w.int(seq);
    }
    const symbols = this.spec.symbols.map((s) => s.id);
    w.u16(symbols.length);
    for (const id of symbols) {
      w.u16(id);
      w.int(this.engine_seq[id] ?? 0);
    }
    writeUbsState(w, this.ubs);
    return w.view();
  }

  static restore(spec: Spec, bytes: Uint8Array): UbsMachine {
    const r = new Reader(bytes);
    if (r.u32() !== MAGIC) throw new InvariantError("snapshot: not a UBSCore snapshot");
    const positions = new Map<string, number>();
    const n = r.u32();
    for (let i = 0; i < n; i++) positions.set(r.str(), r.int());
    const engine_seq: number[] = [];
    const nsym = r.u16();
    for (let i = 0; i < nsym; i++) engine_seq[r.u16()] = r.int();
    const m = new UbsMachine(spec, readUbsState(r, spec));
    for (const [t, s] of positions) m.positions.set(t, s);
    for (let i = 0; i < engine_seq.length; i++)
      if (engine_seq[i] !== undefined) m.engine_seq[i] = engine_seq[i] as number;
    return m;
  }
}

/** Journal record of one UBSCore input: topic, topic seq, the message payload. */
export function inputCodec(): { encode(i: UbsInput): Uint8Array; decode(b: Uint8Array): UbsInput } {
  const w = new Writer(1024);
  return {
    encode(i: UbsInput): Uint8Array {
      w.reset();
      w.str(i.topic);
      w.int(i.topic_seq);
      w.raw(i.payload);
      return w.view();
    },
    decode(b: Uint8Array): UbsInput {
      const r = new Reader(b);
      const topic = r.str();
      const topic_seq = r.int();
      return { topic, topic_seq, payload: b.subarray(r.pos) };
    },
  };
}
