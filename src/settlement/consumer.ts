// Distributed settlement: the core's output topic (each message one output
// batch) into PostgreSQL, with the same loop and row planning as the
// embedded worker. Consumption resumes at the message the stored position
// came from; its outputs already applied are skipped, so nothing is applied
// twice and nothing is missed, whatever the transport remembers.

import type { Span } from "@opentelemetry/api";
import type { ServiceObs } from "../obs/mod.ts";
import { SeqWaiters, type SettlementStore, type StoredPosition } from "../store/mod.ts";
import { type EventLog, Header, type Message, type Subscription } from "../transport/mod.ts";
import { type CommitReport, OUTPUTS_PER_TRANSACTION, SettlementApplier } from "./applier.ts";
import { type Catalog, SettlementMarkers } from "./markers.ts";

export interface SettlementOptions {
  log: EventLog;
  /** The topic of output batches. */
  topic: string;
  /** A migrated store. */
  store: SettlementStore;
  /** Names for the markers; Spec fits as it is. */
  catalog: Catalog;
  obs?: ServiceObs;
  outputs_per_transaction?: number;
  /** Durable consumer name; default settlement.<topic>. */
  name?: string;
  /** Called once if settlement stops on an error (corrupt input, a gap, a refused batch). */
  on_failure?: (err: unknown) => void;
}

export interface SettlementConsumer {
  /** The stored position it started from (null: an empty store). */
  readonly start: StoredPosition | null;
  committedSeq(): number;
  onCommitted(listener: (report: CommitReport) => void): () => void;
  /** True once output `seq` is committed; false after timeout_ms. */
  waitFor(seq: number, timeout_ms: number): Promise<boolean>;
  /** False while the database is unreachable (settlement waits, nothing is lost) or after a failure. */
  healthy(): boolean;
  failure(): unknown;
  /** Stops consuming, commits what was received, and returns (the store stays open). */
  stop(): Promise<void>;
}

export async function startSettlement(opts: SettlementOptions): Promise<SettlementConsumer> {
  const { log, topic, store, obs } = opts;
  await log.ensureTopics([topic]);
  const start = await store.position();
  const waiters = new SeqWaiters(start?.seq ?? 0);
  const listeners = new Set<(r: CommitReport) => void>();
  const max = opts.outputs_per_transaction ?? OUTPUTS_PER_TRANSACTION;
  let failure: unknown = null;
  let resume: (() => void) | null = null;
  let sub: Subscription | null = null;

  const applier = new SettlementApplier({
    store,
    start,
    markers: obs === undefined ? null : new SettlementMarkers(obs.log, opts.catalog),
    log: obs?.log ?? null,
    outputs_per_transaction: max,
    on_committed(r) {
      obs?.metrics.settlement_lag_seconds.set(r.lag_ms / 1000);
      waiters.advance(r.seq);
      for (const l of listeners) l(r);
      if (resume !== null && applier.pending() < max) {
        const go = resume;
        resume = null;
        go();
      }
    },
    on_database(down) {
      if (down) obs?.metrics.errors_total.labels({ kind: "db_unavailable" }).inc();
    },
    on_failure(err) {
      failure = err;
      waiters.close();
      resume?.();
      opts.on_failure?.(err);
    },
  });

  const tracing = obs?.tracing;
  const handler = (m: Message): void | Promise<void> => {
    if (failure !== null) throw failure;
    let span: Span | null = null;
    if (tracing?.enabled === true && m.headers[Header.TraceParent] !== undefined) {
      span = tracing.startSpan("settlement.persist", m.headers);
    }
    applier.push(m.payload, m.seq, span === null ? undefined : () => span.end());
    // The handler's promise holds the next message back: a bounded queue.
    if (applier.pending() >= 2 * max) {
      return new Promise((resolve) => {
        resume = resolve;
      });
    }
  };
  // Re-reading the message of the stored position is harmless (its outputs
  // are skipped) and needs no assumption about how batches were cut.
  const from_seq = Math.max(1, start?.source_seq ?? 1);
  sub = log.subscribe(topic, { from_seq, name: opts.name ?? `settlement.${topic}` }, handler);
  sub.done.catch((err) => {
    if (failure === null) {
      failure = err;
      opts.on_failure?.(err);
    }
  });

  return {
    start,
    committedSeq: () => waiters.committed(),
    onCommitted(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    waitFor: (seq, timeout_ms) => waiters.wait(seq, timeout_ms),
    healthy: () => failure === null && !applier.databaseDown(),
    failure: () => failure,
    async stop() {
      await sub?.stop().catch(() => undefined);
      resume?.();
      await applier.drain();
      waiters.close();
    },
  };
}
