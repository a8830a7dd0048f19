// OpenTelemetry across the order path. A traced request's context does not
// travel inside the command (the journal holds only what decides state); the
// intake leaves it here under the command's request id, and the sequencer
// picks it up when it applies that command: UBSCore's hold, the book's match
// and UBSCore's settle become spans of the request's trace, and settlement's
// span runs from the hand-off of the output to its commit.

import type { Span } from "@opentelemetry/api";
import type { CoreOutput } from "../core/mod.ts";
import type { Tracing } from "../obs/mod.ts";
import type { Headers } from "../transport/mod.ts";
import { Header } from "../transport/mod.ts";

/** What the stages need of a service's tracing. */
export type SpanFactory = Pick<Tracing, "enabled" | "startSpan" | "inject">;

/** Bounded: a context never picked up (a command refused at intake) is dropped first. */
const LINKS_MAX = 65_536;

/** Trace contexts waiting for their command, by request id. */
export class TraceLinks {
  private readonly links = new Map<string, Headers>();

  /** Remember a request's context (only when it carries one). */
  put(corr: string, headers: Headers | undefined): void {
    if (corr === "" || headers?.[Header.TraceParent] === undefined) return;
    if (this.links.size >= LINKS_MAX) {
      const oldest = this.links.keys().next().value;
      if (oldest !== undefined) this.links.delete(oldest);
    }
    this.links.set(corr, { [Header.TraceParent]: headers[Header.TraceParent] as string });
  }

  take(corr: string): Headers | undefined {
    if (this.links.size === 0) return undefined;
    const h = this.links.get(corr);
    if (h !== undefined) this.links.delete(corr);
    return h;
  }
}

export interface CoreTracing {
  /** The sequencer's per-command hook. */
  applied(out: CoreOutput): void;
  /** Settlement received outputs up to seq (their spans start). */
  handedOver(last_seq: number): void;
  /** Settlement committed up to seq (their spans end). */
  committed(seq: number): void;
}

export function coreTracing(
  links: TraceLinks,
  ubscore: SpanFactory,
  matching: SpanFactory,
  settlement: SpanFactory,
  symbolName: (symbol_id: number) => string,
): CoreTracing {
  /** Traced outputs released to settlement and not yet committed, in seq order. */
  let waiting: { seq: number; parent: Headers; span: Span | null }[] = [];
  return {
    applied(out) {
      if (!ubscore.enabled) return;
      const parent = links.take(out.input.corr);
      if (parent === undefined) return;
      const command = ubscore.startSpan("ubscore.command", parent);
      let last: Span = command;
      if (out.symbol_id !== 0 && (out.reject === 0 || out.updates.length > 0)) {
        const match = matching.startSpan(
          `matching.${symbolName(out.symbol_id)}`,
          ubscore.inject(command, {}),
        );
        const settle = ubscore.startSpan("ubscore.settle", matching.inject(match, {}));
        settle.end();
        match.end();
        last = settle;
      }
      command.end();
      waiting.push({ seq: out.output_seq, parent: ubscore.inject(last, {}), span: null });
    },
    handedOver(last_seq) {
      for (const w of waiting) {
        if (w.seq > last_seq) break;
        w.span ??= settlement.startSpan("settlement.persist", w.parent);
      }
    },
    committed(seq) {
      let k = 0;
      while (k < waiting.length && (waiting[k] as { seq: number }).seq <= seq) {
        waiting[k]?.span?.end();
        k++;
      }
      if (k > 0) waiting = waiting.slice(k);
    },
  };
}
