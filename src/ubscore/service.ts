// The UBSCore service: consumes balance.operations, orders and the engine
// outputs of every symbol; journals each input before acting (DurableMachine);
// once an input is durable, publishes what it caused (balance.events,
// validated_orders.<symbol>) and answers the gateway that sent the command.

import { join } from "node:path";
import type { Span } from "@opentelemetry/api";
import {
  isTransferCmd,
  orderEventId,
  Reader,
  readBalanceOutput,
  readMatchInput,
  type Spec,
  transferEventIdOf,
  WIRE_VERSION,
} from "../core/mod.ts";
import { DurableMachine } from "../journal/mod.ts";
import { logRecovery, type ServiceObs } from "../obs/mod.ts";
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
import { UbsEvents } from "./events.ts";
import { inputCodec, type UbsEffects, type UbsInput, UbsMachine } from "./machine.ts";
import {
  type BalanceRow,
  type CommandReply,
  engineReply,
  refusedReply,
  transferReply,
} from "./replies.ts";

export interface UbsServiceOptions {
  spec: Spec;
  log: EventLog;
  rpc: Rpc;
  /** UBSCore's own folder: journal/ and snapshots/. */
  dir: string;
  /** "none" is UNSAFE: acknowledged commands can be lost on a crash. */
  sync: "batch" | "none";
  snapshot_every_inputs?: number;
  snapshot_every_ms?: number;
  snapshots_kept?: number;
  /** Inputs applied but not yet durable before consumers pause. */
  queue_max?: number;
  obs?: ServiceObs;
  /** Called once when the service stops on an error (corrupt input, gap, failed disk). */
  on_failure?: (err: unknown) => void;
}

interface Pending {
  seq: number;
  fx: UbsEffects;
  headers: Headers;
  /** This hop's span while tracing is on; its context travels on with the outputs. */
  span: Span | null;
}

interface ReplyTo {
  subject: string;
  corr: string;
}

const ENC = new TextEncoder();

export class UbsService {
  private readonly queue: Pending[] = [];
  private queue_head = 0;
  private readonly replies = new Map<number, ReplyTo>();
  private readonly subs: Subscription[] = [];
  private published_seq = 0;
  private publishing: Promise<unknown> = Promise.resolve();
  private drain_waiters: (() => void)[] = [];
  private failure: unknown = null;
  private readonly queue_max: number;
  private stopped = false;
  private readonly events: UbsEvents;

  private constructor(
    private readonly opts: UbsServiceOptions,
    private readonly dm: DurableMachine<UbsInput, UbsEffects, UbsMachine>,
  ) {
    this.queue_max = opts.queue_max ?? 65_536;
    this.events = new UbsEvents(opts.obs, opts.spec);
  }

  get machine(): UbsMachine {
    return this.dm.machine;
  }

  static async start(opts: UbsServiceOptions): Promise<UbsService> {
    const { spec, log } = opts;
    await log.ensureTopics(topicsOf(spec));
    const replayed: UbsEffects[] = [];
    const codec = inputCodec();
    let service: UbsService | null = null;
    const dm = await DurableMachine.open<UbsInput, UbsEffects, UbsMachine>({
      dir: opts.dir,
      sync: opts.sync,
      create: () => new UbsMachine(spec),
      restore: (bytes) => UbsMachine.restore(spec, bytes),
      encode: codec.encode,
      decode: codec.decode,
      snapshot_every_inputs: opts.snapshot_every_inputs ?? 100_000,
      snapshot_every_ms: opts.snapshot_every_ms ?? 0,
      snapshots_kept: opts.snapshots_kept ?? 2,
      onReplay: (_seq, _input, fx) => {
        if (!fx.skipped) replayed.push(fx);
      },
      before_snapshot: (seq) => (service as UbsService).publishedUpTo(seq),
    });
    service = new UbsService(opts, dm);
    if (opts.obs !== undefined) logRecovery(opts.obs.log, dm.recovery);
    await service.republish(replayed);
    service.published_seq = dm.appliedSeq();
    service.consume();
    return service;
  }

  /** Outputs of inputs replayed from the journal that their topics do not hold yet. */
  private async republish(replayed: UbsEffects[]): Promise<void> {
    const { log, spec } = this.opts;
    const lastBalance = await log.last(Topic.BalanceEvents);
    const lastOut =
      lastBalance === null ? 0 : readBalanceOutput(new Reader(lastBalance.payload)).output_seq;
    const lastUbsSeq = new Map<number, number>();
    for (const s of spec.symbols) {
      const m = await log.last(Topic.validatedOrders(s.name));
      lastUbsSeq.set(s.id, m === null ? 0 : readMatchInput(versioned(m.payload)).ubs_seq);
    }
    const pending: Promise<number>[] = [];
    for (const fx of replayed) {
      if (fx.out !== null && fx.out.output_seq > lastOut) pending.push(this.publishOut(fx, {}));
      if (fx.forward !== null && fx.forward.ubs_seq > (lastUbsSeq.get(fx.forward.symbol_id) ?? 0)) {
        pending.push(this.publishForward(fx));
      }
    }
    await Promise.all(pending);
  }

  private consume(): void {
    const { log, spec, rpc } = this.opts;
    this.dm.onDurable((seq) => this.drain(seq));
    const inputs = [
      Topic.BalanceOperations,
      Topic.Orders,
      ...spec.symbols.map((s) => Topic.engineOutputs(s.name)),
    ];
    for (const topic of inputs) {
      const sub = log.subscribe(
        topic,
        { from_seq: this.dm.machine.position(topic) + 1, name: `ubscore.${topic}` },
        (m) => this.onMessage(m),
      );
      sub.done.catch((err) => this.fail(err));
      this.subs.push(sub);
    }
    this.subs.push(
      rpc.serve(Subject.Balances, (payload) => {
        const { user_id } = JSON.parse(Buffer.from(payload).toString("utf8")) as {
          user_id: number;
        };
        return ENC.encode(JSON.stringify(this.balances(user_id)));
      }),
    );
  }

  balances(user_id: number): BalanceRow[] {
    const ubs = this.dm.machine.ubs;
    return this.opts.spec.assets.map((a) => {
      const b = ubs.balance(user_id, a.id);
      return { asset_id: a.id, avail_units: b.avail, frozen_units: b.frozen };
    });
  }

  private onMessage(m: Message): void | Promise<void> {
    if (this.failure !== null) throw this.failure;
    if (m.seq <= this.dm.machine.position(m.topic)) return;
    const { seq, output } = this.dm.submit({
      topic: m.topic,
      topic_seq: m.seq,
      payload: m.payload,
    });
    if (output.skipped) return;
    this.events.applied(output.command, output.out, m.headers[Header.Correlation]);
    const tracing = this.opts.obs?.tracing;
    const span =
      tracing?.enabled === true && m.headers[Header.TraceParent] !== undefined
        ? tracing.startSpan(
            output.engine === null ? "ubscore.command" : "ubscore.settle",
            m.headers,
          )
        : null;
    this.queue.push({ seq, fx: output, headers: m.headers, span });
    if (this.queue.length - this.queue_head > this.queue_max) {
      return new Promise((resolve) => this.drain_waiters.push(resolve));
    }
  }

  /** Everything up to seq is durable: let its effects out, in input order. */
  private drain(durable: number): void {
    const q = this.queue;
    const batch: Promise<unknown>[] = [];
    while (this.queue_head < q.length) {
      const p = q[this.queue_head] as Pending;
      if (p.seq > durable) break;
      this.queue_head++;
      this.release(p, batch);
    }
    if (this.queue_head > 4096 && this.queue_head * 2 > q.length) {
      q.splice(0, this.queue_head);
      this.queue_head = 0;
    }
    const upTo = durable;
    this.publishing = Promise.all([this.publishing, ...batch]).then(() => {
      if (upTo > this.published_seq) this.published_seq = upTo;
    });
    this.publishing.catch((err) => this.fail(err));
    if (this.drain_waiters.length > 0 && q.length - this.queue_head <= this.queue_max / 2) {
      const ws = this.drain_waiters;
      this.drain_waiters = [];
      for (const w of ws) w();
    }
  }

  private release(p: Pending, batch: Promise<unknown>[]): void {
    const { fx } = p;
    let headers = p.headers;
    if (p.span !== null) {
      // Downstream hops continue this hop's span, not the producer's.
      headers = { ...headers };
      this.opts.obs?.tracing.inject(p.span, headers);
      p.span.end();
    }
    const cmd = fx.command;
    if (fx.out !== null) batch.push(this.publishOut(fx, headers));
    if (fx.forward !== null) batch.push(this.publishForward(fx, headers));
    const reply_to = headers[Header.ReplyTo];
    const corr = headers[Header.Correlation];
    if (cmd !== null) {
      this.events.released(fx, fx.out !== null, reply_to !== undefined && corr !== undefined);
      if (reply_to === undefined || corr === undefined || fx.out === null) return;
      if (isTransferCmd(cmd)) {
        this.reply(
          { subject: reply_to, corr },
          transferReply(cmd, fx.out.reject, fx.out.duplicate, this.dm.machine.ubs),
        );
      } else if (fx.forward === null) {
        this.reply({ subject: reply_to, corr }, refusedReply(cmd, fx.out.reject, fx.out.order_id));
      } else {
        this.replies.set(fx.forward.ubs_seq, { subject: reply_to, corr });
      }
    } else if (fx.engine !== null) {
      const to = this.replies.get(fx.engine.input.ubs_seq);
      if (to !== undefined) {
        this.replies.delete(fx.engine.input.ubs_seq);
        this.reply(to, engineReply(fx.engine, this.opts.spec));
      }
    }
  }

  private reply(to: ReplyTo, reply: CommandReply): void {
    this.opts.rpc.send(to.subject, ENC.encode(JSON.stringify(reply)), {
      [Header.Correlation]: to.corr,
    });
  }

  private publishOut(fx: UbsEffects, headers: Headers): Promise<number> {
    const out = fx.out;
    if (out === null || fx.out_bytes === null) return Promise.resolve(0);
    const h: Headers = { [Header.EventId]: eventIdOf(fx) };
    const tp = headers[Header.TraceParent];
    if (tp !== undefined) h[Header.TraceParent] = tp;
    return this.opts.log.publish(Topic.BalanceEvents, fx.out_bytes, {
      id: `bo:${out.output_seq}`,
      headers: h,
    });
  }

  private publishForward(fx: UbsEffects, headers: Headers = {}): Promise<number> {
    const f = fx.forward;
    if (f === null || fx.forward_bytes === null) return Promise.resolve(0);
    const s = this.opts.spec.symbolById[f.symbol_id];
    if (s === undefined) return Promise.resolve(0);
    const h: Headers = { [Header.EventId]: String(f.order_id) };
    const tp = headers[Header.TraceParent];
    if (tp !== undefined) h[Header.TraceParent] = tp;
    return this.opts.log.publish(Topic.validatedOrders(s.name), fx.forward_bytes, {
      id: `vo:${f.ubs_seq}`,
      headers: h,
    });
  }

  private publishedUpTo(seq: number): Promise<void> {
    const check = async (): Promise<void> => {
      while (this.published_seq < seq) {
        if (this.failure !== null) throw this.failure;
        await this.publishing;
        if (this.published_seq < seq) await new Promise((r) => setTimeout(r, 1));
      }
    };
    return check();
  }

  private fail(err: unknown): void {
    if (this.failure !== null) return;
    this.failure = err;
    this.opts.on_failure?.(err);
  }

  /** Rejects when the service stopped because of an error (gap, corrupt input, journal failure). */
  failed(): unknown {
    return this.failure;
  }

  snapshot() {
    return this.dm.snapshot();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const s of this.subs) await s.stop().catch(() => undefined);
    await this.dm.close();
    await this.publishing.catch(() => undefined);
  }
}

function versioned(bytes: Uint8Array): Reader {
  const r = new Reader(bytes);
  const v = r.u8();
  if (v !== WIRE_VERSION) throw new RangeError(`unsupported message version ${v}`);
  return r;
}

function eventIdOf(fx: UbsEffects): string {
  const c = fx.command;
  if (c !== null) {
    if (isTransferCmd(c)) return transferEventIdOf(c);
    return orderEventId(fx.out?.order_id ?? 0);
  }
  return orderEventId(fx.engine?.input.order_id ?? 0);
}

export function topicsOf(spec: Spec): string[] {
  return [
    Topic.BalanceOperations,
    Topic.Orders,
    Topic.BalanceEvents,
    ...spec.symbols.flatMap((s) => [Topic.validatedOrders(s.name), Topic.engineOutputs(s.name)]),
  ];
}

export function ubscoreDir(data_dir: string): string {
  return join(data_dir, "ubscore");
}
