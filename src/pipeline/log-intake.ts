// The gateway's way into a sequencer in another process: the commands taken in
// one turn of the event loop go out as one batch on the input topic (which is
// the sequencer's journal), and the answers come back on the output topic,
// which every gateway follows from its tail: an output whose command carries
// one of this gateway's request ids settles that request. Reads of the live
// state are requests to the sequencer.

import { randomBytes } from "node:crypto";
import {
  type Command,
  type CoreOutput,
  encodeCommandBatch,
  Reader,
  readCoreOutput,
  readCoreOutputHead,
  readOutputBatch,
  type Spec,
  Writer,
} from "../core/mod.ts";
import type { BackendDepth as Depth, Intake } from "../gateway/mod.ts";
import {
  type EventLog,
  type Message,
  type Rpc,
  Subject,
  type Subscription,
  Topic,
  TransportError,
} from "../transport/mod.ts";
import type { BalanceRow } from "../ubscore/mod.ts";
import type { OutputSink } from "./sequencer.ts";

export interface LogIntakeOptions {
  spec: Spec;
  log: EventLog;
  rpc: Rpc;
  /** How long a command waits for its output before 503 TIMEOUT. */
  timeout_ms?: number;
  /** Commands in one input message at most. */
  batch_max?: number;
  /** Commands waiting for an answer at most; beyond it submit() refuses. */
  pending_max?: number;
  /** Whether the transport is connected right now. */
  transport_ready?: () => boolean;
  /**
   * Consumers of every output this gateway follows (market data: trades,
   * candles, user events), each output decoded once and shared with the
   * answers. Outputs arrive in order; a gap in them reaches on_gap.
   */
  sinks?: OutputSink[];
  /** The followed outputs skipped some (the consumer was replaced): from and to. */
  on_gap?: (expected_seq: number, got_seq: number) => void;
}

interface Pending {
  resolve: (out: CoreOutput) => void;
  reject: (err: unknown) => void;
  timer: NodeJS.Timeout;
}

export class LogIntake implements Intake {
  /** Unique per gateway process: its request ids and message ids never meet another's. */
  readonly instance = randomBytes(6).toString("hex");
  private readonly pending = new Map<string, Pending>();
  private queue: Command[] = [];
  private scheduled = false;
  private batches = 0;
  private n = 0;
  private sub: Subscription | null = null;
  private following = false;
  private readonly writer = new Writer(16 * 1024);

  constructor(private readonly opts: LogIntakeOptions) {}

  /** Create (or check) the topics and follow the outputs from their tail. */
  async start(): Promise<void> {
    const { log } = this.opts;
    await log.ensureTopics([Topic.Orders, Topic.Outputs]);
    const last = await log.last(Topic.Outputs);
    this.sub = log.subscribe(
      Topic.Outputs,
      { from_seq: (last?.seq ?? 0) + 1, name: `gateway.${this.instance}`, transient: true },
      (m) => this.onOutputs(m),
    );
    this.following = true;
    this.sub.done.then(
      () => {
        this.following = false;
      },
      () => {
        this.following = false;
      },
    );
  }

  submit(cmd: Command): Promise<CoreOutput> {
    const max = this.opts.pending_max ?? 65_536;
    if (this.pending.size >= max) {
      return Promise.reject(
        new TransportError(
          "UNAVAILABLE",
          `${this.pending.size} commands await answers (limit ${max})`,
        ),
      );
    }
    let corr = cmd.corr === "" ? `${this.instance}:${++this.n}` : cmd.corr;
    if (this.pending.has(corr)) corr = `${corr}#${++this.n}`;
    const c = corr === cmd.corr ? cmd : { ...cmd, corr };
    const timeout_ms = this.opts.timeout_ms ?? 5000;
    return new Promise<CoreOutput>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(corr);
        reject(
          new TransportError("TIMEOUT", `no answer from the sequencer within ${timeout_ms} ms`),
        );
      }, timeout_ms);
      this.pending.set(corr, { resolve, reject, timer });
      this.queue.push(c);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const max = this.opts.batch_max ?? 4096;
    while (this.queue.length > 0) {
      const cmds = this.queue.length <= max ? this.queue : this.queue.slice(0, max);
      this.queue = this.queue.length <= max ? [] : this.queue.slice(max);
      const bytes = encodeCommandBatch(cmds, this.writer);
      const id = `cmd:${this.instance}:${++this.batches}`;
      this.opts.log.publish(Topic.Orders, bytes, { id }).catch((err: unknown) => {
        for (const c of cmds) {
          this.settle(c.corr)?.reject(
            new TransportError("UNAVAILABLE", "the event log refused the command", { cause: err }),
          );
        }
      });
    }
  }

  private settle(corr: string): Pending | undefined {
    const p = this.pending.get(corr);
    if (p === undefined) return undefined;
    this.pending.delete(corr);
    clearTimeout(p.timer);
    return p;
  }

  private followed = 0;

  private onOutputs(m: Message): void {
    const sinks = this.opts.sinks;
    if (sinks !== undefined && sinks.length > 0) {
      this.deliverAll(m, sinks);
      return;
    }
    if (this.pending.size === 0) return;
    const view = readOutputBatch(m.payload);
    for (const sealed of view.outputs) {
      const corr = readCoreOutputHead(sealed).command.corr;
      const p = this.settle(corr);
      if (p !== undefined) p.resolve(readCoreOutput(new Reader(sealed)));
    }
  }

  /** Decode every output once: the sinks get them all, the answers come from the same objects. */
  private deliverAll(m: Message, sinks: readonly OutputSink[]): void {
    const view = readOutputBatch(m.payload);
    const outs: CoreOutput[] = new Array(view.count);
    for (let i = 0; i < view.count; i++)
      outs[i] = readCoreOutput(new Reader(view.outputs[i] as Uint8Array));
    const first = outs[0];
    if (first === undefined) return;
    if (this.followed !== 0 && first.output_seq !== this.followed + 1) {
      this.opts.on_gap?.(this.followed + 1, first.output_seq);
    }
    this.followed = (outs[outs.length - 1] as CoreOutput).output_seq;
    for (const s of sinks) s.deliver(m.payload, outs);
    if (this.pending.size === 0) return;
    for (const o of outs) this.settle(o.input.corr)?.resolve(o);
  }

  private async request<T>(subject: string, body: unknown): Promise<T> {
    const bytes = await this.opts.rpc.request(subject, Buffer.from(JSON.stringify(body)), {
      timeout_ms: this.opts.timeout_ms ?? 5000,
    });
    return JSON.parse(Buffer.from(bytes).toString("utf8")) as T;
  }

  balances(user_id: number): Promise<BalanceRow[]> {
    return this.request(Subject.Balances, { user_id });
  }

  depth(symbol_id: number, limit: number): Promise<Depth> {
    const s = this.opts.spec.symbolById[symbol_id];
    if (s === undefined) return Promise.resolve({ symbol_id, bids: [], asks: [] });
    return this.request(Subject.depth(s.name), { limit });
  }

  firstTransfer(request_id: string) {
    return this.request<{ avail: number; frozen: number; ts_ms: number } | null>(Subject.Transfer, {
      request_id,
    });
  }

  ready(): boolean {
    return this.following && (this.opts.transport_ready?.() ?? true);
  }

  /** Stop following; every command still waiting is refused. */
  async stop(): Promise<void> {
    await this.sub?.stop().catch(() => undefined);
    for (const corr of [...this.pending.keys()]) {
      this.settle(corr)?.reject(new TransportError("CLOSED", "gateway is shutting down"));
    }
  }
}
