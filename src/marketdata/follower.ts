// A gateway's market data in distributed mode. Depth: follow the
// `market.data` topic from its tail and keep each symbol's L2 book by the
// same procedure a client uses: buffer the diffs, ask the sequencer for the
// book with its update id, drop what the snapshot already holds, apply the
// rest, and start over for a symbol whose diffs show a gap. Everything else
// (trades, candles, user events) comes from the outputs the gateway already
// follows for its answers: `outputs()` is the sink LogIntake hands them to.

import type { CoreOutput, Spec } from "../core/mod.ts";
import type { OutputSink } from "../pipeline/mod.ts";
import {
  type EventLog,
  type Message,
  type Rpc,
  Subject,
  type Subscription,
  Topic,
} from "../transport/mod.ts";
import { decodeDepthBatch } from "./depth-wire.ts";
import type { MarketHub } from "./hub.ts";
import { decodeBookAnswer } from "./snapshot.ts";
import type { DepthDiff } from "./types.ts";

export interface MarketFollowerOptions {
  spec: Spec;
  log: EventLog;
  rpc: Rpc;
  hub: MarketHub;
  /** Name of this gateway's transient consumer (unique per process). */
  name: string;
  timeout_ms?: number;
  /** Diffs buffered per symbol while it resyncs; past this the buffer restarts. */
  buffer_max?: number;
  /** Wait before asking again after a failed snapshot request. */
  retry_ms?: number;
}

export class MarketFollower {
  private sub: Subscription | null = null;
  /** Diffs held per symbol while its snapshot is on the way; absent when in sync. */
  private readonly buffers = new Map<number, DepthDiff[]>();
  private stopped = false;
  private readonly seeded = new Set<number>();

  constructor(private readonly o: MarketFollowerOptions) {}

  async start(): Promise<void> {
    const { log, spec } = this.o;
    await log.ensureTopics([Topic.MarketData]);
    const last = await log.last(Topic.MarketData);
    for (const s of spec.symbols) this.buffers.set(s.id, []);
    this.sub = log.subscribe(
      Topic.MarketData,
      { from_seq: (last?.seq ?? 0) + 1, name: this.o.name, transient: true },
      (m) => this.onMessage(m),
    );
    await Promise.all(spec.symbols.map((s) => this.resync(s.id)));
  }

  /** True once every symbol's book is in sync. */
  ready(): boolean {
    return this.buffers.size === 0;
  }

  private onMessage(m: Message): void {
    const batch = decodeDepthBatch(m.payload);
    let held = false;
    for (const d of batch.diffs) {
      const buf = this.buffers.get(d.symbol_id);
      if (buf === undefined) continue;
      held = true;
      if (buf.length >= (this.o.buffer_max ?? 100_000)) buf.length = 0;
      buf.push(d);
    }
    if (!held) this.o.hub.onDepth(batch);
    else {
      const live = batch.diffs.filter((d) => !this.buffers.has(d.symbol_id));
      this.o.hub.onDepth({ through_seq: batch.through_seq, diffs: live });
    }
  }

  /** The hub saw a gap in a symbol's diffs: buffer and fetch its book again. */
  readonly onGap = (symbol_id: number): void => {
    if (this.buffers.has(symbol_id) || this.stopped) return;
    this.buffers.set(symbol_id, []);
    void this.resync(symbol_id);
  };

  private async resync(symbol_id: number): Promise<void> {
    const s = this.o.spec.symbolById[symbol_id];
    if (s === undefined) return;
    const hub = this.o.hub;
    hub.unsync(symbol_id);
    while (!this.stopped) {
      try {
        const bytes = await this.o.rpc.request(Subject.marketBook(s.name), new Uint8Array(0), {
          timeout_ms: this.o.timeout_ms ?? 5000,
        });
        const answer = decodeBookAnswer(bytes);
        if (!this.seeded.has(symbol_id)) {
          hub.seedOrders(answer.orders);
          this.seeded.add(symbol_id);
        }
        hub.loadBook(answer.book);
        const held = this.buffers.get(symbol_id) ?? [];
        this.buffers.delete(symbol_id);
        // The procedure: stale diffs are ignored by the book, a gap starts over (onGap).
        for (const d of held) {
          if (!hub.synced(symbol_id)) break;
          hub.onDepth({ through_seq: 0, diffs: [d] });
        }
        return;
      } catch {
        await new Promise((r) => setTimeout(r, this.o.retry_ms ?? 500));
      }
    }
  }

  /** The sink LogIntake hands every followed output to. */
  outputs(): OutputSink {
    const hub = this.o.hub;
    return {
      name: "market.outputs",
      deliver(_batch: Uint8Array, outputs: readonly CoreOutput[]) {
        hub.onOutputs(outputs);
      },
      backlog: () => 0,
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.sub?.stop().catch(() => undefined);
  }
}
