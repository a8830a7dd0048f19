// The sequencer: the one place commands are put in order and applied. It hosts
// the combined core (UBSCore's checks and freeze, matching, UBSCore settling
// the fills) and hands every sealed output, in order, to the consumers once the
// command behind it is durable. Each command is encoded once, as part of its
// sealed output (the bytes the hash chain covers); those bytes are what the
// journal stores and what every consumer receives.
//
// Durability comes from outside (a Durability): in embedded mode the output
// journal on local disk, written after apply and released by group commit;
// in distributed mode the input topic the gateways wrote, so a command is
// durable before it is applied. Either way nothing leaves before it is durable:
// answers, output batches and reads of the state all wait for it.

import {
  type Command,
  type Core,
  type CoreOutput,
  InvariantError,
  OutputBatchWriter,
} from "../core/mod.ts";

/** Where the sequencer's outputs become durable. */
export interface Durability {
  /** Record the sealed output of the command just applied; returns its seq (== output_seq). */
  record(output_seq: number, sealed: Uint8Array): void;
  /** Everything recorded up to seq is durable (0 before anything is). */
  durableSeq(): number;
  /** Called with the new durable seq after each durable batch. */
  onDurable(listener: (durable_seq: number) => void): void;
  /** Why durability stopped working, or null. */
  failure(): unknown;
}

/** A consumer of released outputs (settlement, market data, gateways, an event log topic). */
export interface OutputSink {
  readonly name: string;
  /**
   * Outputs whose commands are durable, in order, without gaps: the batch's
   * bytes (readOutputBatch) and the same outputs as objects, for consumers
   * in this thread that need not decode.
   */
  deliver(batch: Uint8Array, outputs: readonly CoreOutput[]): void;
  /** Outputs delivered and not yet consumed: the sequencer pauses intake above its limit. */
  backlog(): number;
}

/**
 * A stage that needs the core itself (market data's depth recorder reads the
 * books' change marks): made once the core is recovered, before any command
 * is applied. Its on_applied runs right after each command, on the
 * sequencer's hot path, and must be cheap; its sink receives released batches.
 */
export interface CoreStage {
  on_applied?: (out: CoreOutput) => void;
  sink?: OutputSink;
}

export type CoreStageFactory = (core: Core) => CoreStage;

/** One on_applied calling each hook in order (the single hook itself when there is one). */
export function composeApplied(
  hooks: readonly (((out: CoreOutput) => void) | undefined)[],
): ((out: CoreOutput) => void) | undefined {
  const list = hooks.filter((h): h is (out: CoreOutput) => void => h !== undefined);
  if (list.length <= 1) return list[0];
  return (out) => {
    for (let i = 0; i < list.length; i++) (list[i] as (out: CoreOutput) => void)(out);
  };
}

export interface SequencerOptions {
  /** Commands applied per turn of the event loop at most. */
  batch_max?: number;
  /** Pause intake while a sink's backlog is above this (outputs). */
  backlog_max?: number;
  /** Commands waiting for intake at most; beyond it submit() refuses. */
  queue_max?: number;
  /** Called once per command as it is applied (observability). */
  on_applied?: (out: CoreOutput) => void;
  /** Called when intake pauses or resumes because a sink fell behind. */
  on_backpressure?: (engaged: boolean, sink: string, backlog: number) => void;
}

interface Waiting {
  cmd: Command;
  resolve: (out: CoreOutput) => void;
  reject: (err: unknown) => void;
}

interface Held {
  /** Last output_seq of the batch. */
  seq: number;
  bytes: Uint8Array;
  outputs: CoreOutput[];
  answers: (((out: CoreOutput) => void) | null)[];
}

/** Raised to a submitter when the sequencer cannot take its command now; nothing was applied. */
export class SequencerBusyError extends Error {
  constructor(
    readonly code: "OVERLOADED" | "STOPPED",
    message: string,
  ) {
    super(message);
    this.name = "SequencerBusyError";
  }
}

export class Sequencer {
  private readonly queue: Waiting[] = [];
  private queue_head = 0;
  private scheduled = false;
  private readonly held: Held[] = [];
  private readonly writer = new OutputBatchWriter();
  private readonly sinks: OutputSink[] = [];
  private readonly reads: { seq: number; run: () => void }[] = [];
  private paused_by: string | null = null;
  private stopped: unknown = null;
  private readonly batch_max: number;
  private readonly backlog_max: number;
  private readonly queue_max: number;

  constructor(
    readonly core: Core,
    private readonly durability: Durability,
    private readonly opts: SequencerOptions = {},
  ) {
    this.batch_max = opts.batch_max ?? 4096;
    this.backlog_max = opts.backlog_max ?? 262_144;
    this.queue_max = opts.queue_max ?? 65_536;
    durability.onDurable((seq) => this.release(seq));
  }

  addSink(sink: OutputSink): void {
    this.sinks.push(sink);
  }

  /** Output seq of the last command applied (durable or not yet). */
  appliedSeq(): number {
    return this.core.output_seq;
  }

  /** Commands waiting to be applied. */
  queued(): number {
    return this.queue.length - this.queue_head;
  }

  /** The sink intake is paused for, or null. */
  pausedBy(): string | null {
    return this.paused_by;
  }

  /**
   * Embedded intake: queue a command; resolves with its output once durable.
   * Rejects with SequencerBusyError when the queue is full or the sequencer
   * stopped (the command was not applied).
   */
  submit(cmd: Command): Promise<CoreOutput> {
    if (this.stopped !== null) {
      return Promise.reject(new SequencerBusyError("STOPPED", "the sequencer has stopped"));
    }
    if (this.queued() >= this.queue_max) {
      return Promise.reject(
        new SequencerBusyError(
          "OVERLOADED",
          `${this.queued()} commands are waiting (limit ${this.queue_max})`,
        ),
      );
    }
    return new Promise<CoreOutput>((resolve, reject) => {
      this.queue.push({ cmd, resolve, reject });
      this.schedule();
    });
  }

  /**
   * Distributed intake: commands that are durable already (read from the input
   * topic). Applied now, in order; released with the next durable notice.
   */
  applyDurable(cmds: readonly Command[]): void {
    if (this.stopped !== null) throw this.stopped;
    for (const cmd of cmds) this.step(cmd, null);
    this.seal();
  }

  /**
   * Run `read` on the state now, but hand its result out only once everything
   * applied so far is durable: a reader never sees an effect a crash could undo.
   */
  read<T>(read: () => T): Promise<T> {
    const value = read();
    const seq = this.core.output_seq;
    if (seq <= this.durability.durableSeq()) return Promise.resolve(value);
    return new Promise<T>((resolve) => this.reads.push({ seq, run: () => resolve(value) }));
  }

  private schedule(): void {
    if (this.scheduled || this.paused_by !== null) return;
    this.scheduled = true;
    setImmediate(() => this.drain());
  }

  private drain(): void {
    this.scheduled = false;
    if (this.stopped !== null) return;
    const q = this.queue;
    const end = Math.min(q.length, this.queue_head + this.batch_max);
    while (this.queue_head < end) {
      const w = q[this.queue_head] as Waiting;
      q[this.queue_head] = undefined as unknown as Waiting;
      this.queue_head++;
      try {
        this.step(w.cmd, w.resolve);
      } catch (err) {
        // The core refuses bad input with a reject code; a throw here is a
        // broken invariant or a failed journal, after which nothing may go on.
        w.reject(err);
        this.fail(err);
        return;
      }
    }
    if (this.queue_head === q.length) {
      q.length = 0;
      this.queue_head = 0;
    } else if (this.queue_head > 65_536) {
      q.splice(0, this.queue_head);
      this.queue_head = 0;
    }
    this.seal();
    if (this.queued() > 0) this.schedule();
  }

  private pending_outputs: CoreOutput[] = [];
  private pending_answers: (((out: CoreOutput) => void) | null)[] = [];

  private step(cmd: Command, answer: ((out: CoreOutput) => void) | null): void {
    const out = this.core.apply(cmd);
    const sealed = this.core.lastEncoded();
    this.durability.record(out.output_seq, sealed);
    this.writer.push(out.output_seq, sealed);
    this.pending_outputs.push(out);
    this.pending_answers.push(answer);
    this.opts.on_applied?.(out);
  }

  /** Close the current batch; it leaves once durable. */
  private seal(): void {
    const bytes = this.writer.take();
    if (bytes === null) return;
    this.held.push({
      seq: this.core.output_seq,
      bytes,
      outputs: this.pending_outputs,
      answers: this.pending_answers,
    });
    this.pending_outputs = [];
    this.pending_answers = [];
    const durable = this.durability.durableSeq();
    if (durable >= this.core.output_seq) this.release(durable);
  }

  private release(durable: number): void {
    let n = 0;
    while (n < this.held.length && (this.held[n] as Held).seq <= durable) {
      const h = this.held[n] as Held;
      for (const sink of this.sinks) sink.deliver(h.bytes, h.outputs);
      for (let i = 0; i < h.answers.length; i++) h.answers[i]?.(h.outputs[i] as CoreOutput);
      n++;
    }
    if (n > 0) this.held.splice(0, n);
    let r = 0;
    while (r < this.reads.length && (this.reads[r] as { seq: number }).seq <= durable) {
      this.reads[r]?.run();
      r++;
    }
    if (r > 0) this.reads.splice(0, r);
    this.checkBackpressure();
  }

  /** Re-evaluate sink backlogs; sinks call this when they have caught up. */
  checkBackpressure(): void {
    let worst: OutputSink | null = null;
    for (const s of this.sinks) {
      if (s.backlog() > this.backlog_max && (worst === null || s.backlog() > worst.backlog())) {
        worst = s;
      }
    }
    if (worst !== null && this.paused_by === null) {
      this.paused_by = worst.name;
      this.opts.on_backpressure?.(true, worst.name, worst.backlog());
    } else if (this.paused_by !== null) {
      const s = this.sinks.find((x) => x.name === this.paused_by);
      if (s === undefined || s.backlog() <= this.backlog_max / 2) {
        const name = this.paused_by;
        this.paused_by = null;
        this.opts.on_backpressure?.(false, name, s?.backlog() ?? 0);
        if (this.queued() > 0) this.schedule();
      }
    }
  }

  /** Stop taking commands: everything queued is refused, everything applied still leaves once durable. */
  fail(err: unknown): void {
    if (this.stopped !== null) return;
    this.stopped = err ?? new InvariantError("sequencer stopped");
    const q = this.queue;
    for (let i = this.queue_head; i < q.length; i++) q[i]?.reject(this.stopped);
    q.length = 0;
    this.queue_head = 0;
  }

  failure(): unknown {
    return this.stopped ?? this.durability.failure();
  }

  /** Refuse new commands; resolves once everything applied has been released. */
  async stop(): Promise<void> {
    this.fail(new SequencerBusyError("STOPPED", "the sequencer is stopping"));
    this.seal();
    while (this.held.length > 0 && this.durability.failure() === null) {
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
}
