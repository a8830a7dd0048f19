// Settlement: consumes engine.outputs.<symbol> and balance.events, verifies
// each chain, and writes batches into the settlement database. Exactly once:
// each batch commits its rows and the consumer positions in one transaction,
// and on restart consumption resumes after the stored positions.

import type { Span } from "@opentelemetry/api";
import {
  type BalanceOutput,
  type EngineOutput,
  Reader,
  readBalanceOutput,
  readEngineOutput,
  type Spec,
} from "../core/mod.ts";
import type { ServiceObs } from "../obs/mod.ts";
import {
  type ApplyResult,
  BALANCE_STREAM,
  engineStream,
  positionsOf,
  type SettlementBatch,
  type SettlementStore,
  StoreError,
} from "../store/mod.ts";
import { type EventLog, Header, type Message, type Subscription, Topic } from "../transport/mod.ts";
import { Chain } from "./chain.ts";
import { SettlementEvents } from "./events.ts";

export interface SettlementServiceOptions {
  spec: Spec;
  log: EventLog;
  store: SettlementStore;
  /** Outputs per database transaction at most. */
  batch_max?: number;
  /** How long a partial batch may wait for more outputs. */
  linger_ms?: number;
  /** Clock for lag measurement. */
  clock?: () => number;
  obs?: ServiceObs;
  /** Called after each committed batch (benchmarks measure latency to the database with it). */
  on_commit?: (
    engine: readonly EngineOutput[],
    balance: readonly BalanceOutput[],
    now_ms: number,
  ) => void;
  /** Called once when the service stops on an error (corrupt input, gap, failed disk). */
  on_failure?: (err: unknown) => void;
}

export interface SettlementStats {
  outputs: number;
  rows: number;
  batches: number;
  /** Time from the gateway accepting the last settled input to its rows committing. */
  lag_ms: number;
}

export class SettlementService {
  private readonly chains = new Map<string, Chain>();
  private engine: EngineOutput[] = [];
  private balance: BalanceOutput[] = [];
  /** Spans of the outputs in the pending batch (tracing on); ended when it commits. */
  private spans: Span[] = [];
  private flushing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly subs: Subscription[] = [];
  private waiters: (() => void)[] = [];
  private failure: unknown = null;
  private readonly batch_max: number;
  private readonly clock: () => number;
  readonly stats: SettlementStats = { outputs: 0, rows: 0, batches: 0, lag_ms: 0 };
  private committed_waiters: { stream: string; seq: number; resolve: () => void }[] = [];

  private readonly events: SettlementEvents;
  private db_down = false;
  private stopping = false;

  private constructor(private readonly opts: SettlementServiceOptions) {
    this.batch_max = opts.batch_max ?? 2000;
    this.clock = opts.clock ?? Date.now;
    this.events = new SettlementEvents(opts.obs, opts.spec);
  }

  static async start(opts: SettlementServiceOptions): Promise<SettlementService> {
    const { spec, log, store } = opts;
    const topics = [Topic.BalanceEvents, ...spec.symbols.map((s) => Topic.engineOutputs(s.name))];
    await log.ensureTopics(topics);
    const positions = await store.loadPositions();
    const service = new SettlementService(opts);
    const streams = [BALANCE_STREAM, ...spec.symbols.map((s) => engineStream(s.id))];
    for (const stream of streams) {
      const p = positions.get(stream);
      service.chains.set(stream, new Chain(stream, p?.seq ?? 0, p?.hash ?? 0n));
    }
    service.consume();
    return service;
  }

  private consume(): void {
    const { log, spec } = this.opts;
    // A topic holds each output at a position no lower than its output_seq
    // (republished duplicates only push later ones further), so resuming at
    // the stored output_seq + 1 can re-read a duplicate but never skip one.
    const balance = this.chains.get(BALANCE_STREAM) as Chain;
    this.subscribe(log, Topic.BalanceEvents, balance.last_seq + 1, (m) => this.onBalance(m));
    for (const s of spec.symbols) {
      const chain = this.chains.get(engineStream(s.id)) as Chain;
      this.subscribe(log, Topic.engineOutputs(s.name), chain.last_seq + 1, (m) =>
        this.onEngine(m, chain),
      );
    }
  }

  private subscribe(
    log: EventLog,
    topic: string,
    from_seq: number,
    handler: (m: Message) => void | Promise<void>,
  ) {
    const sub = log.subscribe(topic, { from_seq, name: `settlement.${topic}` }, handler);
    sub.done.catch((err) => this.fail(err));
    this.subs.push(sub);
  }

  private onEngine(m: Message, chain: Chain): void | Promise<void> {
    if (this.failure !== null) throw this.failure;
    const eo = readEngineOutput(new Reader(m.payload));
    if (!chain.accept(m.payload, eo.output_seq, eo.prev_hash, eo.hash, `${m.topic}#${m.seq}`))
      return;
    this.engine.push(eo);
    this.trace(m);
    return this.queued();
  }

  private onBalance(m: Message): void | Promise<void> {
    if (this.failure !== null) throw this.failure;
    const bo = readBalanceOutput(new Reader(m.payload));
    const chain = this.chains.get(BALANCE_STREAM) as Chain;
    if (!chain.accept(m.payload, bo.output_seq, bo.prev_hash, bo.hash, `${m.topic}#${m.seq}`))
      return;
    this.balance.push(bo);
    this.trace(m);
    this.events.consumed(bo);
    return this.queued();
  }

  private trace(m: Message): void {
    const tracing = this.opts.obs?.tracing;
    if (tracing?.enabled !== true || m.headers[Header.TraceParent] === undefined) return;
    this.spans.push(tracing.startSpan("settlement.persist", m.headers));
  }

  private queued(): void | Promise<void> {
    const n = this.engine.length + this.balance.length;
    if (n >= this.batch_max) this.flush();
    else if (this.timer === null) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.flush();
      }, this.opts.linger_ms ?? 2);
    }
    if (n >= this.batch_max * 2) return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Start writing what is pending, after the batch in flight (one transaction at a time). */
  private flush(): void {
    if (this.flushing !== null) return;
    if (this.engine.length + this.balance.length === 0) return;
    const engine = this.engine;
    const balance = this.balance;
    this.engine = [];
    this.balance = [];
    const spans = this.spans;
    this.spans = [];
    const batch = { engine, balance, positions: positionsOf({ engine, balance }) };
    this.flushing = (async () => {
      const result = await this.write(batch);
      this.stats.outputs += engine.length + balance.length;
      this.stats.rows += result.rows;
      this.stats.batches++;
      const lastTs = latestTs(engine, balance);
      if (lastTs > 0) this.stats.lag_ms = this.clock() - lastTs;
      this.events.committed(engine, balance, this.stats.lag_ms);
      this.opts.on_commit?.(engine, balance, this.clock());
      for (const span of spans) span.end();
      for (const p of batch.positions) this.notifyCommitted(p.stream, p.seq);
    })()
      .catch((err) => this.fail(err))
      .finally(() => {
        this.flushing = null;
        const ws = this.waiters;
        this.waiters = [];
        for (const w of ws) w();
        if (this.engine.length + this.balance.length > 0) this.flush();
      });
  }

  /**
   * Apply a batch, waiting out a database that is unreachable: the batch is
   * one transaction with its positions, so a retry after an unknown outcome
   * is either applied once or recognised as already applied. A refusal by the
   * store (a gap, a diverged stream) is not retried: settlement stops.
   */
  private async write(batch: SettlementBatch): Promise<ApplyResult> {
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await this.opts.store.apply(batch);
        if (this.db_down) {
          this.db_down = false;
          this.opts.obs?.log.logger.warn(
            { event: "SETTLEMENT_DB_BACK", attempts: attempt },
            "database reachable again",
          );
        }
        return result;
      } catch (err) {
        if (err instanceof StoreError || this.stopping) throw err;
        if (!this.db_down) {
          this.db_down = true;
          this.opts.obs?.metrics.errors_total.labels({ kind: "db_unavailable" }).inc();
          this.opts.obs?.log.logger.warn(
            { event: "SETTLEMENT_DB_UNAVAILABLE", err },
            "database unreachable; holding the batch and retrying",
          );
        }
        await new Promise((r) => setTimeout(r, Math.min(5000, 50 * 2 ** Math.min(attempt, 7))));
      }
    }
  }

  /** False while the database is unreachable (settlement waits, nothing is lost). */
  healthy(): boolean {
    return !this.db_down && this.failure === null;
  }

  /** Resolves once the given stream's output seq is committed (for tests and benchmarks). */
  committed(stream: string, seq: number): Promise<void> {
    const chain = this.chains.get(stream);
    if (chain !== undefined && this.committedSeq(stream) >= seq) return Promise.resolve();
    return new Promise((resolve) => this.committed_waiters.push({ stream, seq, resolve }));
  }

  private readonly committed_seq = new Map<string, number>();

  committedSeq(stream: string): number {
    return this.committed_seq.get(stream) ?? this.chains.get(stream)?.last_seq ?? 0;
  }

  private notifyCommitted(stream: string, seq: number): void {
    this.committed_seq.set(stream, seq);
    const keep: typeof this.committed_waiters = [];
    for (const w of this.committed_waiters) {
      if (w.stream === stream && w.seq <= seq) w.resolve();
      else keep.push(w);
    }
    this.committed_waiters = keep;
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
    this.stopping = this.db_down;
    for (const s of this.subs) await s.stop().catch(() => undefined);
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    // Write what was received; a store that keeps failing ends the loop with the failure set.
    while (
      this.failure === null &&
      (this.flushing !== null || this.engine.length + this.balance.length > 0)
    ) {
      this.flush();
      await this.flushing;
    }
  }
}

function latestTs(engine: EngineOutput[], balance: BalanceOutput[]): number {
  let ts = 0;
  for (const e of engine) if (e.input.ts_ms > ts) ts = e.input.ts_ms;
  for (const b of balance) if (b.command !== null && b.command.ts_ms > ts) ts = b.command.ts_ms;
  return ts;
}
