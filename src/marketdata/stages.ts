// Market data placed on the order path. Embedded: one stage in the
// sequencer's process records depth changes after each command (on_applied)
// and, as an output sink, hands each released batch's diffs and outputs to
// the hub. Distributed: the sequencer process records the same diffs and
// publishes them on the `market.data` topic (one message per released batch
// that changed a book) and answers resync requests; each gateway follows
// that topic and the outputs it already follows (MarketFollower).

import type { Core, CoreOutput } from "../core/mod.ts";
import { Writer } from "../core/mod.ts";
import type { CoreStageFactory, OutputSink } from "../pipeline/mod.ts";
import { type EventLog, type Rpc, Subject, type Subscription, Topic } from "../transport/mod.ts";
import { DepthRecorder } from "./depth-recorder.ts";
import { encodeDepthBatch } from "./depth-wire.ts";
import type { MarketHub } from "./hub.ts";
import { bookSnapshotOf, encodeBookAnswer, openOrderMetas } from "./snapshot.ts";

/** Embedded: the recorder and the hub in the sequencer's process. */
export class MarketDataStage implements OutputSink {
  readonly name = "market.data";
  readonly recorder: DepthRecorder;

  constructor(
    core: Core,
    readonly hub: MarketHub,
  ) {
    this.recorder = new DepthRecorder(core);
    // The hub starts from the books as they stand: the recorder's first diff continues them.
    for (const s of core.spec.symbols) {
      hub.loadBook(bookSnapshotOf(core, s.id));
      hub.seedOrders(openOrderMetas(core, s.id));
    }
  }

  /** The per-command hook (the sequencer's on_applied). */
  readonly onApplied = (out: CoreOutput): void => this.recorder.onApplied(out);

  deliver(_batch: Uint8Array, outputs: readonly CoreOutput[]): void {
    const last = outputs[outputs.length - 1];
    if (last === undefined) return;
    this.hub.onDepth(this.recorder.take(last.output_seq));
    this.hub.onOutputs(outputs);
  }

  backlog(): number {
    return 0;
  }
}

/**
 * Distributed, in the sequencer process: publish each released batch's diffs
 * on `market.data` and answer resync requests. Create the topic first
 * (MarketDataPublisher.prepare); the stage factory is then synchronous.
 */
export class MarketDataPublisher implements OutputSink {
  readonly name = "market.data";
  readonly recorder: DepthRecorder;
  private outstanding = 0;
  private readonly writer = new Writer(16 * 1024);
  private readonly subs: Subscription[] = [];
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    core: Core,
    private readonly log: EventLog,
    rpc: Rpc | null,
    private readonly fail: (err: unknown) => void,
  ) {
    this.recorder = new DepthRecorder(core);
    if (rpc !== null) {
      for (const s of core.spec.symbols) {
        this.subs.push(rpc.serve(Subject.marketBook(s.name), () => encodeBookAnswer(core, s.id)));
      }
    }
  }

  static prepare(log: EventLog): Promise<void> {
    return log.ensureTopics([Topic.MarketData]);
  }

  /** The stage for SequencerService's `stages`; `made` receives the publisher (to stop it). */
  static stage(
    log: EventLog,
    rpc: Rpc | null,
    fail: (err: unknown) => void,
    made?: (p: MarketDataPublisher) => void,
  ): CoreStageFactory {
    return (core) => {
      const p = new MarketDataPublisher(core, log, rpc, fail);
      made?.(p);
      return { on_applied: p.onApplied, sink: p };
    };
  }

  readonly onApplied = (out: CoreOutput): void => this.recorder.onApplied(out);

  deliver(_batch: Uint8Array, outputs: readonly CoreOutput[]): void {
    const last = outputs[outputs.length - 1];
    if (last === undefined) return;
    const batch = this.recorder.take(last.output_seq);
    if (batch.diffs.length === 0) return;
    const bytes = encodeDepthBatch(batch, this.writer);
    this.outstanding++;
    this.chain = this.log.publish(Topic.MarketData, bytes, { id: `md:${last.output_seq}` }).then(
      () => {
        this.outstanding--;
      },
      (err: unknown) => this.fail(err),
    );
  }

  backlog(): number {
    return this.outstanding;
  }

  async stop(): Promise<void> {
    for (const s of this.subs) await s.stop().catch(() => undefined);
    await this.chain.catch(() => undefined);
    this.recorder.detach();
  }
}

/** Embedded: the stage for startEmbeddedPipeline's `stages`. */
export function marketDataStage(hub: MarketHub): CoreStageFactory {
  return (core) => {
    const stage = new MarketDataStage(core, hub);
    return { on_applied: stage.onApplied, sink: stage };
  };
}
