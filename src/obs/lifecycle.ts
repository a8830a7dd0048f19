// Markers about a service rather than a business event: its start, readiness
// and stop, what its recovery found, settlement lag and back-pressure. They
// are never sampled; each helper writes the fields the registry's doc names.

import { Marker, type MarkerSpec } from "../core/mod.ts";
import { type ServiceLogger, writeFields } from "./logger.ts";

/** One service marker (SERVICE_*, BACKPRESSURE_*, ...), with whatever fields explain it. */
export function logLifecycle(
  log: ServiceLogger,
  marker: MarkerSpec,
  fields: Readonly<Record<string, unknown>> = {},
  msg?: string,
): boolean {
  return writeFields(log, marker, fields, msg === undefined ? undefined : { msg });
}

/** What a recovery found, in the shape of DurableMachine's RecoveryReport. */
export interface RecoveryFacts {
  readonly snapshot_seq: number;
  readonly snapshot_skipped: readonly { readonly path: string; readonly reason: string }[];
  readonly replayed: number;
  readonly seconds: number;
  readonly torn_tail: {
    readonly file: string;
    readonly offset: number;
    readonly truncated_bytes: number;
  } | null;
}

/**
 * The recovery markers, in the order recovery met them: corrupt snapshots
 * skipped, the snapshot loaded (seq 0: none, started empty), the torn
 * journal tail cut, the journal replayed.
 */
export function logRecovery(log: ServiceLogger, r: RecoveryFacts): void {
  for (const s of r.snapshot_skipped) {
    logLifecycle(log, Marker.SNAPSHOT_SKIPPED, { path: s.path, reason: s.reason });
  }
  logLifecycle(log, Marker.SNAPSHOT_LOADED, { seq: r.snapshot_seq });
  if (r.torn_tail !== null) {
    logLifecycle(log, Marker.JOURNAL_TAIL_TRUNCATED, {
      file: r.torn_tail.file,
      offset: r.torn_tail.offset,
      bytes: r.torn_tail.truncated_bytes,
    });
  }
  logLifecycle(log, Marker.JOURNAL_REPLAYED, {
    seq: r.snapshot_seq + r.replayed,
    replayed: r.replayed,
    seconds: r.seconds,
  });
}

/** A snapshot written (SNAPSHOT_TAKEN, with what DurableMachine reports) or not (SNAPSHOT_FAILED). */
export function logSnapshot(
  log: ServiceLogger,
  result: { readonly seq: number; readonly path: string; readonly bytes: number } | Error,
): void {
  if (result instanceof Error) {
    logLifecycle(log, Marker.SNAPSHOT_FAILED, { error: result }, "snapshot failed");
    return;
  }
  logLifecycle(log, Marker.SNAPSHOT_TAKEN, {
    seq: result.seq,
    path: result.path,
    bytes: result.bytes,
  });
}

/**
 * A level watched against a threshold: one marker when it rises above, one
 * when it falls back below, never a line per observation.
 */
export class ThresholdWatch {
  #high = false;

  constructor(
    private readonly log: ServiceLogger,
    private readonly above: MarkerSpec,
    private readonly below: MarkerSpec,
    readonly threshold_ms: number,
  ) {}

  get high(): boolean {
    return this.#high;
  }

  observe(lag_ms: number): void {
    if (!this.#high && lag_ms > this.threshold_ms) {
      this.#high = true;
      logLifecycle(this.log, this.above, { lag_ms, threshold_ms: this.threshold_ms });
    } else if (this.#high && lag_ms <= this.threshold_ms) {
      this.#high = false;
      logLifecycle(this.log, this.below, { lag_ms, threshold_ms: this.threshold_ms });
    }
  }
}

/** Settlement lag from output to commit: SETTLEMENT_LAG_HIGH / SETTLEMENT_LAG_RECOVERED. */
export const DEFAULT_SETTLEMENT_LAG_MS_MAX = 1000;

export function settlementLagWatch(
  log: ServiceLogger,
  threshold_ms = DEFAULT_SETTLEMENT_LAG_MS_MAX,
): ThresholdWatch {
  return new ThresholdWatch(
    log,
    Marker.SETTLEMENT_LAG_HIGH,
    Marker.SETTLEMENT_LAG_RECOVERED,
    threshold_ms,
  );
}
