// A bridge for the pipeline that is being replaced: it lets the separate
// UBSCore and matching services (engine.outputs.<symbol>, balance.events)
// settle through the new store until the sequencer publishes output batches
// itself. It reads both old streams, verifies their chains, and turns them
// into one CoreOutput chain of its own, one output per balance output, in
// balance.events order (which is the order of the ledger):
// - a command's balance output, and for an accepted order or cancel the
//   engine output UBSCore forwarded it to (matched by UBSCore's input seq),
//   become one output, as the combined core would make it;
// - a balance output settling an engine output becomes an output of its own
//   carrying only its balance events, under a cancel-shaped echo that plans
//   no rows (its time is the settled clock's).
// Output seq n is balance output n, so the stored position says where to
// resume balance.events; the engine topics are read from their start and
// the outputs already settled are dropped. Delete this file, and the
// SettlementService wiring in src/embedded and src/cli, once they consume
// output batches (startSettlementWorker, startSettlement).

import type { Span } from "@opentelemetry/api";
import {
  type BalanceOutput,
  type CancelCmd,
  CommandKind,
  type CoreOutput,
  type EngineOutput,
  OutputBatchWriter,
  Reader,
  readBalanceOutput,
  readEngineOutput,
  type Spec,
  Writer,
  writeCoreOutput,
} from "../core/mod.ts";
import type { ServiceObs } from "../obs/mod.ts";
import { CORE_STREAM, SeqWaiters, type SettlementStore } from "../store/mod.ts";
import { type EventLog, Header, type Message, type Subscription, Topic } from "../transport/mod.ts";
import { SettlementApplier } from "./applier.ts";
import { Chain } from "./chain.ts";
import { SettlementMarkers } from "./markers.ts";

export const BALANCE_STREAM = "balance.events";

export function engineStream(symbol_id: number): string {
  return `engine.outputs/${symbol_id}`;
}

export interface SettlementServiceOptions {
  spec: Spec;
  log: EventLog;
  store: SettlementStore;
  /** Outputs per database transaction at most. */
  batch_max?: number;
  /** How long outputs wait for more before they are handed to the store. */
  linger_ms?: number;
  clock?: () => number;
  obs?: ServiceObs;
  /** Called after each commit with the old streams' outputs it covered. */
  on_commit?: (
    engine: readonly EngineOutput[],
    balance: readonly BalanceOutput[],
    now_ms: number,
  ) => void;
  on_failure?: (err: unknown) => void;
}

export interface SettlementStats {
  outputs: number;
  rows: number;
  batches: number;
  lag_ms: number;
}

/** How far back the engine topics may run ahead of balance.events before their consumers wait. */
const ENGINE_AHEAD_MAX = 20_000;

interface Pending {
  core_seq: number;
  engine: EngineOutput | null;
  balance: BalanceOutput;
  spans: Span[];
}

function forwarded(bo: BalanceOutput): boolean {
  const c = bo.command;
  return (
    c !== null && bo.reject === 0 && (c.kind === CommandKind.Place || c.kind === CommandKind.Cancel)
  );
}

export class SettlementService {
  readonly stats: SettlementStats = { outputs: 0, rows: 0, batches: 0, lag_ms: 0 };
  private readonly balanceChain: Chain;
  private readonly engineChains = new Map<number, Chain>();
  /** Engine outputs not yet paired, by the UBSCore input seq that forwarded them. */
  private readonly engine = new Map<number, EngineOutput>();
  private readonly engineSpans = new Map<number, Span>();
  private readonly heads: BalanceOutput[] = [];
  private readonly headSpans = new Map<number, Span>();
  private readonly inflight: Pending[] = [];
  /** Per symbol: engine output seqs with the core seq that settles them, in order. */
  private readonly engineTail = new Map<number, [number, number][]>();
  private readonly engineDone = new Map<number, number>();
  private readonly waiters = new Map<string, SeqWaiters>();
  private readonly writer = new Writer(64 * 1024);
  private readonly batch = new OutputBatchWriter();
  private readonly subs: Subscription[] = [];
  private readonly applier: SettlementApplier;
  private engineWaiting: (() => void)[] = [];
  private timer: NodeJS.Timeout | null = null;
  private prev_hash: bigint;
  private core_seq: number;
  private failure: unknown = null;

  private constructor(
    private readonly opts: SettlementServiceOptions,
    start: { seq: number; hash: bigint; clock_ms: number; source_seq: number } | null,
  ) {
    this.core_seq = start?.seq ?? 0;
    this.prev_hash = start?.hash ?? 0n;
    // The store holds this bridge's own chain hash, not balance.events': after
    // a restart the first balance output's link cannot be checked.
    this.balanceChain = new Chain(BALANCE_STREAM, this.core_seq, start === null ? 0n : null);
    const obs = opts.obs;
    this.applier = new SettlementApplier({
      store: opts.store,
      start: start === null ? null : { stream: CORE_STREAM, ...start },
      markers: obs === undefined ? null : new SettlementMarkers(obs.log, opts.spec),
      log: obs?.log ?? null,
      outputs_per_transaction: opts.batch_max ?? 2000,
      ...(opts.clock === undefined ? {} : { clock: opts.clock }),
      on_committed: (r) => this.committedUpTo(r.seq, r.rows, r.lag_ms, r.outputs),
      on_database: (down) => {
        if (down) obs?.metrics.errors_total.labels({ kind: "db_unavailable" }).inc();
      },
      on_failure: (err) => this.fail(err),
    });
  }

  static async start(opts: SettlementServiceOptions): Promise<SettlementService> {
    const { spec, log, store } = opts;
    const topics = [Topic.BalanceEvents, ...spec.symbols.map((s) => Topic.engineOutputs(s.name))];
    await log.ensureTopics(topics);
    const p = await store.position();
    const service = new SettlementService(opts, p);
    for (const s of spec.symbols) service.engineChains.set(s.id, new Chain(engineStream(s.id)));
    service.consume();
    return service;
  }

  private consume(): void {
    const { log, spec } = this.opts;
    this.subscribe(log, Topic.BalanceEvents, this.core_seq + 1, (m) => this.onBalance(m));
    for (const s of spec.symbols) {
      const chain = this.engineChains.get(s.id) as Chain;
      this.subscribe(log, Topic.engineOutputs(s.name), 1, (m) => this.onEngine(m, chain));
    }
  }

  private subscribe(
    log: EventLog,
    topic: string,
    from_seq: number,
    handler: (m: Message) => void | Promise<void>,
  ): void {
    const sub = log.subscribe(topic, { from_seq, name: `settlement.${topic}` }, handler);
    sub.done.catch((err) => this.fail(err));
    this.subs.push(sub);
  }

  private span(m: Message): Span | null {
    const tracing = this.opts.obs?.tracing;
    if (tracing?.enabled !== true || m.headers[Header.TraceParent] === undefined) return null;
    return tracing.startSpan("settlement.persist", m.headers);
  }

  private onEngine(m: Message, chain: Chain): void | Promise<void> {
    if (this.failure !== null) throw this.failure;
    const eo = readEngineOutput(new Reader(m.payload));
    // The engine chain is verified from its start, also for outputs settled before a restart.
    if (!chain.accept(m.payload, eo.output_seq, eo.prev_hash, eo.hash, `${m.topic}#${m.seq}`)) {
      return;
    }
    const ubs_seq = eo.input.ubs_seq;
    if (ubs_seq <= this.core_seq) {
      // Its command was turned into an output already: this is the topic
      // read again from its start after a restart.
      this.engineDone.set(eo.symbol_id, eo.output_seq);
      this.waitersOf(engineStream(eo.symbol_id)).advance(eo.output_seq);
      return;
    }
    this.engine.set(ubs_seq, eo);
    const span = this.span(m);
    if (span !== null) this.engineSpans.set(ubs_seq, span);
    this.pump();
    if (this.engine.size >= ENGINE_AHEAD_MAX) {
      return new Promise((resolve) => this.engineWaiting.push(resolve));
    }
  }

  private onBalance(m: Message): void {
    if (this.failure !== null) throw this.failure;
    const bo = readBalanceOutput(new Reader(m.payload));
    if (
      !this.balanceChain.accept(
        m.payload,
        bo.output_seq,
        bo.prev_hash,
        bo.hash,
        `${m.topic}#${m.seq}`,
      )
    ) {
      return;
    }
    this.heads.push(bo);
    const span = this.span(m);
    if (span !== null) this.headSpans.set(bo.output_seq, span);
    this.pump();
  }

  /** Turns the balance outputs at the head into core outputs while their engine outputs are here. */
  private pump(): void {
    while (this.heads.length > 0) {
      const bo = this.heads[0] as BalanceOutput;
      let eo: EngineOutput | null = null;
      if (forwarded(bo)) {
        eo = this.engine.get(bo.output_seq) ?? null;
        if (eo === null) break;
        this.engine.delete(bo.output_seq);
      }
      this.heads.shift();
      this.emit(bo, eo);
    }
    if (this.engine.size < ENGINE_AHEAD_MAX && this.engineWaiting.length > 0) {
      const ws = this.engineWaiting;
      this.engineWaiting = [];
      for (const w of ws) w();
    }
    if (this.batch.size > 0 && this.timer === null) {
      this.timer = setTimeout(() => this.flush(), this.opts.linger_ms ?? 2);
    }
    if (this.batch.size >= (this.opts.batch_max ?? 2000)) this.flush();
  }

  private emit(bo: BalanceOutput, eo: EngineOutput | null): void {
    const seq = bo.output_seq;
    const out: CoreOutput = {
      output_seq: seq,
      prev_hash: this.prev_hash,
      hash: 0n,
      input: bo.command ?? this.settledEcho(bo),
      order_id: bo.order_id,
      reject: eo !== null && eo.reject !== 0 ? eo.reject : bo.command === null ? 0 : bo.reject,
      duplicate: bo.duplicate,
      updates: eo?.updates ?? [],
      trades: eo?.trades ?? [],
      events: bo.events,
      completions: eo?.completions ?? [],
    };
    this.writer.reset();
    out.hash = writeCoreOutput(this.writer, out);
    this.batch.push(seq, this.writer.view());
    this.prev_hash = out.hash;
    this.core_seq = seq;
    const spans: Span[] = [];
    const s1 = this.headSpans.get(seq);
    if (s1 !== undefined) spans.push(s1);
    this.headSpans.delete(seq);
    if (eo !== null) {
      const s2 = this.engineSpans.get(seq);
      if (s2 !== undefined) spans.push(s2);
      this.engineSpans.delete(seq);
      let tail = this.engineTail.get(eo.symbol_id);
      if (tail === undefined) {
        tail = [];
        this.engineTail.set(eo.symbol_id, tail);
      }
      tail.push([eo.output_seq, seq]);
    }
    this.inflight.push({ core_seq: seq, engine: eo, balance: bo, spans });
  }

  /** A balance output that settles an engine output: no command of its own, no rows of its own. */
  private settledEcho(bo: BalanceOutput): CancelCmd {
    return {
      kind: CommandKind.Cancel,
      user_id: 0,
      order_id: bo.order_id,
      cid: "",
      ts_ms: 0,
      corr: "",
    };
  }

  private flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const bytes = this.batch.take();
    if (bytes === null || this.failure !== null) return;
    try {
      this.applier.push(bytes);
    } catch (err) {
      this.fail(err);
    }
  }

  private committedUpTo(seq: number, rows: number, lag_ms: number, outputs: number): void {
    this.stats.outputs += outputs;
    this.stats.rows += rows;
    this.stats.batches++;
    this.stats.lag_ms = lag_ms;
    this.opts.obs?.metrics.settlement_lag_seconds.set(lag_ms / 1000);
    const engine: EngineOutput[] = [];
    const balance: BalanceOutput[] = [];
    while (this.inflight.length > 0 && (this.inflight[0] as Pending).core_seq <= seq) {
      const p = this.inflight.shift() as Pending;
      balance.push(p.balance);
      if (p.engine !== null) engine.push(p.engine);
      for (const s of p.spans) s.end();
    }
    this.waitersOf(BALANCE_STREAM).advance(seq);
    this.waitersOf(CORE_STREAM).advance(seq);
    for (const [symbol_id, tail] of this.engineTail) {
      let done = this.engineDone.get(symbol_id) ?? 0;
      while (tail.length > 0 && (tail[0] as [number, number])[1] <= seq) {
        done = (tail.shift() as [number, number])[0];
      }
      this.engineDone.set(symbol_id, done);
      this.waitersOf(engineStream(symbol_id)).advance(done);
    }
    this.opts.on_commit?.(engine, balance, (this.opts.clock ?? Date.now)());
  }

  private waitersOf(stream: string): SeqWaiters {
    let w = this.waiters.get(stream);
    if (w === undefined) {
      w = new SeqWaiters(
        stream === BALANCE_STREAM || stream === CORE_STREAM ? this.applier.committed_seq : 0,
      );
      this.waiters.set(stream, w);
    }
    return w;
  }

  /** False while the database is unreachable (settlement waits, nothing is lost). */
  healthy(): boolean {
    return !this.applier.databaseDown() && this.failure === null;
  }

  /** Resolves once the stream's output seq is committed ("core", "balance.events" or an engine stream). */
  async committed(stream: string, seq: number): Promise<void> {
    while (!(await this.waitersOf(stream).wait(seq, 60_000))) {
      if (this.failure !== null) throw this.failure;
    }
  }

  committedSeq(stream: string): number {
    return this.waitersOf(stream).committed();
  }

  private fail(err: unknown): void {
    if (this.failure !== null) return;
    this.failure = err;
    this.opts.on_failure?.(err);
  }

  failed(): unknown {
    return this.failure;
  }

  async stop(): Promise<void> {
    for (const s of this.subs) await s.stop().catch(() => undefined);
    this.flush();
    await this.applier.drain();
  }
}
