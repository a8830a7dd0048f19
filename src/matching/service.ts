// The matching-engine service: owns the books of some symbols, consumes
// validated_orders.<symbol>, publishes one hash-chained EngineOutput per input
// to engine.outputs.<symbol>. Its input topic is its journal: state = latest
// snapshot + replay of the topic from the snapshot's position. Outputs a
// replay regenerates are published again only if the topic lacks them.

import { join } from "node:path";
import {
  decodeMatchInput,
  InvariantError,
  MatchingEngine,
  Reader,
  readEngineOutput,
  readEngineState,
  type Spec,
  Writer,
  writeEngineState,
} from "../core/mod.ts";
import { SnapshotStore } from "../journal/mod.ts";
import type { ServiceObs } from "../obs/mod.ts";
import {
  type EventLog,
  Header,
  type Headers,
  type Message,
  type Rpc,
  Subject,
  type Subscription,
  Topic,
} from "../transport/mod.ts";
import { MatchingEvents } from "./events.ts";

export interface MatchingServiceOptions {
  spec: Spec;
  log: EventLog;
  rpc: Rpc;
  /** This engine's folder (snapshots/). One per engine process. */
  dir: string;
  /** Names of the symbols this engine owns. */
  symbols: readonly string[];
  snapshot_every_inputs?: number;
  snapshots_kept?: number;
  /** Outputs published but not yet durable before consumption pauses. */
  outstanding_max?: number;
  obs?: ServiceObs;
  /** Called once when the service stops on an error (corrupt input, gap, failed disk). */
  on_failure?: (err: unknown) => void;
}

const MAGIC = 0x4d455331; // "MES1"
const ENC = new TextEncoder();

interface State {
  me: MatchingEngine;
  /** Inputs consumed in total: the snapshot's sequence number. */
  inputs: number;
  positions: Map<string, number>;
  last_ubs_seq: number[];
}

function snapshotOf(s: State): Uint8Array {
  const w = new Writer(1 << 16);
  w.u32(MAGIC);
  w.int(s.inputs);
  w.u32(s.positions.size);
  for (const [t, seq] of s.positions) {
    w.str(t);
    w.int(seq);
  }
  const ids = s.me.books.flatMap((b, id) => (b === undefined ? [] : [id]));
  w.u16(ids.length);
  for (const id of ids) {
    w.u16(id);
    w.int(s.last_ubs_seq[id] ?? 0);
  }
  writeEngineState(w, s.me);
  return w.view();
}

function restoreState(spec: Spec, bytes: Uint8Array): State {
  const r = new Reader(bytes);
  if (r.u32() !== MAGIC) throw new InvariantError("snapshot: not a matching-engine snapshot");
  const inputs = r.int();
  const positions = new Map<string, number>();
  const n = r.u32();
  for (let i = 0; i < n; i++) positions.set(r.str(), r.int());
  const last_ubs_seq: number[] = [];
  const nsym = r.u16();
  for (let i = 0; i < nsym; i++) last_ubs_seq[r.u16()] = r.int();
  const me = readEngineState(r, spec);
  return { me, inputs, positions, last_ubs_seq };
}

export class MatchingService {
  private readonly subs: Subscription[] = [];
  private readonly last_published: number[] = [];
  private since_snapshot = 0;
  private snapshotting: Promise<void> | null = null;
  private outstanding = 0;
  private readonly published: Promise<unknown>[] = [];
  private waiters: (() => void)[] = [];
  private failure: unknown = null;
  private readonly events: MatchingEvents;

  private constructor(
    private readonly opts: MatchingServiceOptions,
    private readonly state: State,
    private readonly snapshots: SnapshotStore,
  ) {
    this.events = new MatchingEvents(opts.obs, opts.spec);
  }

  get engine(): MatchingEngine {
    return this.state.me;
  }

  static async start(opts: MatchingServiceOptions): Promise<MatchingService> {
    const { spec, log } = opts;
    const ids = opts.symbols.map((name) => {
      const s = spec.symbolByName.get(name);
      if (s === undefined) throw new InvariantError(`matching engine: unknown symbol ${name}`);
      return s.id;
    });
    await log.ensureTopics(
      opts.symbols.flatMap((s) => [Topic.validatedOrders(s), Topic.engineOutputs(s)]),
    );
    const snapshots = new SnapshotStore(join(opts.dir, "snapshots"));
    const found = await snapshots.latestValid();
    let state: State;
    if (found.latest !== null) {
      state = restoreState(spec, found.latest.bytes);
      const owned = state.me.books.flatMap((b, id) => (b === undefined ? [] : [id])).sort();
      if (owned.join(",") !== [...ids].sort().join(",")) {
        throw new InvariantError(
          `snapshot in ${opts.dir} owns symbols ${owned.join(",")}, not ${ids.join(",")}: use a folder per engine`,
        );
      }
    } else {
      state = {
        me: new MatchingEngine(spec, { symbols: ids }),
        inputs: 0,
        positions: new Map(),
        last_ubs_seq: [],
      };
    }
    const service = new MatchingService(opts, state, snapshots);
    for (const name of opts.symbols) {
      const s = spec.symbolByName.get(name);
      const last = await log.last(Topic.engineOutputs(name));
      if (s !== undefined) {
        service.last_published[s.id] =
          last === null ? 0 : readEngineOutput(new Reader(last.payload)).output_seq;
      }
    }
    service.consume();
    return service;
  }

  private consume(): void {
    const { log, rpc, spec } = this.opts;
    for (const name of this.opts.symbols) {
      const topic = Topic.validatedOrders(name);
      const sub = log.subscribe(
        topic,
        { from_seq: (this.state.positions.get(topic) ?? 0) + 1, name: `matching.${name}` },
        (m) => this.onMessage(m),
      );
      sub.done.catch((err) => this.fail(err));
      this.subs.push(sub);
      const symbol = spec.symbolByName.get(name);
      this.subs.push(
        rpc.serve(Subject.depth(name), (payload) => {
          const { limit } = JSON.parse(Buffer.from(payload).toString("utf8")) as { limit: number };
          const book = symbol === undefined ? undefined : this.state.me.book(symbol.id);
          const body =
            book === undefined
              ? { symbol_id: symbol?.id ?? 0, bids: [], asks: [] }
              : {
                  symbol_id: book.spec.id,
                  bids: book.bids.depth(limit),
                  asks: book.asks.depth(limit),
                };
          return ENC.encode(JSON.stringify(body));
        }),
      );
    }
  }

  private onMessage(m: Message): void | Promise<void> {
    if (this.failure !== null) throw this.failure;
    const s = this.state;
    if (m.seq <= (s.positions.get(m.topic) ?? 0)) return;
    s.positions.set(m.topic, m.seq);
    s.inputs++;
    const input = decodeMatchInput(new Reader(m.payload));
    // UBSCore republishes after a restart; its sequence says what was seen.
    if (input.ubs_seq <= (s.last_ubs_seq[input.symbol_id] ?? 0)) return;
    s.last_ubs_seq[input.symbol_id] = input.ubs_seq;
    const eo = s.me.apply(input);
    if (eo.output_seq > (this.last_published[eo.symbol_id] ?? 0)) {
      this.events.output(eo);
      this.last_published[eo.symbol_id] = eo.output_seq;
      const name = this.opts.spec.symbolById[eo.symbol_id]?.name as string;
      const headers: Headers = { [Header.EventId]: String(input.order_id) };
      const tracing = this.opts.obs?.tracing;
      if (tracing?.enabled === true && m.headers[Header.TraceParent] !== undefined) {
        const span = tracing.startSpan(`matching.${name}`, m.headers);
        span.setAttribute("bourse.order_id", input.order_id);
        span.setAttribute("bourse.trades", eo.trades.length);
        tracing.inject(span, headers);
        span.end();
      } else {
        const tp = m.headers[Header.TraceParent];
        if (tp !== undefined) headers[Header.TraceParent] = tp;
      }
      this.outstanding++;
      const p = this.opts.log
        .publish(Topic.engineOutputs(name), Buffer.from(s.me.lastEncoded()), {
          id: `eo:${name}:${eo.output_seq}`,
          headers,
        })
        .then(() => this.settled());
      p.catch((err) => this.fail(err));
      this.published.push(p);
      if (this.published.length > 1024) this.published.splice(0, 512);
    }
    this.since_snapshot++;
    if (this.since_snapshot >= (this.opts.snapshot_every_inputs ?? 100_000)) void this.snapshot();
    if (this.outstanding > (this.opts.outstanding_max ?? 65_536)) {
      return new Promise((resolve) => this.waiters.push(resolve));
    }
  }

  private settled(): void {
    this.outstanding--;
    if (this.waiters.length > 0 && this.outstanding <= (this.opts.outstanding_max ?? 65_536) / 2) {
      const ws = this.waiters;
      this.waiters = [];
      for (const w of ws) w();
    }
  }

  /** Serialise now; write once every output it covers is durable in its topic. */
  snapshot(): Promise<void> {
    if (this.snapshotting !== null) return this.snapshotting;
    this.since_snapshot = 0;
    const bytes = Buffer.from(snapshotOf(this.state));
    const seq = this.state.inputs;
    const pending = [...this.published];
    const run = async () => {
      await Promise.all(pending);
      await this.snapshots.write(seq, bytes);
      await this.snapshots.prune(this.opts.snapshots_kept ?? 2);
    };
    this.snapshotting = run()
      .catch((err) => this.fail(err))
      .finally(() => {
        this.snapshotting = null;
      });
    return this.snapshotting;
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
    await Promise.allSettled(this.published);
    if (this.snapshotting !== null) await this.snapshotting;
  }
}
