// Settlement's loop, the same in the worker thread (SQLite) and in the
// settlement process (PostgreSQL): output batches are queued as they arrive,
// and each transaction takes what is queued (up to a bound), verifies and
// decodes it, applies it, writes the markers and reports the committed
// position. Falling behind therefore makes transactions larger, not more
// numerous. A database that cannot be reached is waited out: the
// transaction holds its position, so retrying it after an unknown outcome
// applies it once or finds it applied. A refusal by the store (a gap, a bad
// hash, a broken rule) is never retried: settlement stops and says why.

import { type CoreOutput, Marker } from "../core/mod.ts";
import { logEvent, type ServiceLogger } from "../obs/mod.ts";
import {
  type ApplyResult,
  type CoreBatch,
  type SettlementStore,
  type StoredPosition,
  StoreError,
} from "../store/mod.ts";
import { batchCount, ChainReader } from "./decode.ts";
import type { SettlementMarkers } from "./markers.ts";

/** Outputs per transaction at most; a backlog is applied in transactions of this size. */
export const OUTPUTS_PER_TRANSACTION = 20_000;

export interface CommitReport {
  /** The committed position: output_seq and hash of the last output. */
  seq: number;
  hash: bigint;
  /** Outputs applied by this transaction. */
  outputs: number;
  /** Outputs of the batches it took, skipped ones included (what a backlog counts). */
  consumed: number;
  rows: number;
  tables: Readonly<Record<string, number>>;
  trades: number;
  /** Wall clock at the commit, minus the gateway time of its last output. */
  lag_ms: number;
  /** How long apply() took. */
  apply_ms: number;
  /** Wall clock at the commit. */
  at_ms: number;
}

export interface ApplierOptions {
  store: Pick<SettlementStore, "apply">;
  /** The stored position: outputs at or below it are skipped. */
  start: StoredPosition | null;
  markers?: SettlementMarkers | null;
  /** For the database-unavailable lines. */
  log?: ServiceLogger | null;
  outputs_per_transaction?: number;
  clock?: () => number;
  on_committed: (r: CommitReport) => void;
  on_failure: (err: unknown) => void;
  /** Called when the database becomes unreachable (true) and reachable again (false). */
  on_database?: (down: boolean) => void;
}

interface Queued {
  bytes: Uint8Array;
  count: number;
  source_seq: number;
  done: (() => void) | undefined;
}

const RETRY_MS_MAX = 5_000;

export class SettlementApplier {
  private queue: Queued[] = [];
  private queued_outputs = 0;
  private running = false;
  private failure: unknown = null;
  private stopping = false;
  private db_down = false;
  private idle_waiters: (() => void)[] = [];
  private readonly chain: ChainReader;
  private readonly max: number;
  private readonly clock: () => number;
  committed_seq: number;

  constructor(private readonly opts: ApplierOptions) {
    this.chain = new ChainReader(opts.start?.seq ?? 0, opts.start?.hash ?? 0n);
    this.committed_seq = opts.start?.seq ?? 0;
    this.max = opts.outputs_per_transaction ?? OUTPUTS_PER_TRANSACTION;
    this.clock = opts.clock ?? Date.now;
  }

  /** Queues a batch; `done` runs once its outputs committed (or were found applied). */
  push(bytes: Uint8Array, source_seq = 0, done?: () => void): number {
    if (this.failure !== null) throw this.failure;
    const count = batchCount(bytes);
    this.queue.push({ bytes, count, source_seq, done });
    this.queued_outputs += count;
    this.kick();
    return count;
  }

  /** Outputs queued and not yet taken into a transaction. */
  pending(): number {
    return this.queued_outputs;
  }

  failed(): unknown {
    return this.failure;
  }

  databaseDown(): boolean {
    return this.db_down;
  }

  /** Resolves once everything queued is committed (or settlement failed). */
  idle(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle_waiters.push(resolve));
  }

  /** Applies what is queued, without waiting out a database that is down; then idle. */
  async drain(): Promise<void> {
    this.stopping = this.db_down;
    await this.idle();
  }

  private kick(): void {
    if (this.running || this.failure !== null) return;
    this.running = true;
    this.loop()
      .catch((err) => this.fail(err))
      .finally(() => {
        this.running = false;
        if (this.queue.length > 0 && this.failure === null) this.kick();
        else this.wakeIdle();
      });
  }

  private wakeIdle(): void {
    const ws = this.idle_waiters;
    this.idle_waiters = [];
    for (const w of ws) w();
  }

  private take(): Queued[] {
    const taken: Queued[] = [];
    let n = 0;
    while (
      this.queue.length > 0 &&
      (taken.length === 0 || n + (this.queue[0]?.count ?? 0) <= this.max)
    ) {
      const q = this.queue.shift() as Queued;
      n += q.count;
      taken.push(q);
    }
    this.queued_outputs -= n;
    return taken;
  }

  private async loop(): Promise<void> {
    while (this.queue.length > 0 && this.failure === null) {
      // Let batches that already arrived (messages, deliveries) join this transaction.
      await new Promise((resolve) => setImmediate(resolve));
      const taken = this.take();
      const outputs: CoreOutput[] = [];
      let consumed = 0;
      for (const q of taken) {
        this.chain.read(q.bytes, outputs);
        consumed += q.count;
      }
      this.opts.markers?.consumed(outputs);
      const source_seq = (taken[taken.length - 1] as Queued).source_seq;
      const t0 = this.clock();
      const r = outputs.length === 0 ? null : await this.write({ outputs, source_seq });
      const at_ms = this.clock();
      if (r !== null) this.opts.markers?.persisted(outputs);
      const last = outputs[outputs.length - 1];
      if (last !== undefined) this.committed_seq = last.output_seq;
      this.opts.on_committed({
        seq: this.committed_seq,
        hash: this.chain.last_hash,
        outputs: outputs.length,
        consumed,
        rows: r?.rows ?? 0,
        tables: r?.tables ?? {},
        trades: r?.trades ?? 0,
        lag_ms: last === undefined ? 0 : at_ms - last.input.ts_ms,
        apply_ms: at_ms - t0,
        at_ms,
      });
      for (const q of taken) q.done?.();
    }
  }

  private async write(batch: CoreBatch): Promise<ApplyResult> {
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await this.opts.store.apply(batch);
        if (this.db_down) this.database(false, attempt);
        return result;
      } catch (err) {
        if (err instanceof StoreError || this.stopping) throw err;
        if (!this.db_down) this.database(true, attempt, err);
        await new Promise((r) =>
          setTimeout(r, Math.min(RETRY_MS_MAX, 50 * 2 ** Math.min(attempt, 7))),
        );
      }
    }
  }

  private database(down: boolean, attempts: number, err?: unknown): void {
    this.db_down = down;
    this.opts.on_database?.(down);
    const log = this.opts.log;
    if (log === null || log === undefined) return;
    if (down) {
      logEvent(
        log,
        Marker.SETTLEMENT_DB_UNAVAILABLE,
        { event_id: "settlement", error: String(err) },
        { level: "warn", msg: "database unreachable; holding the batch and retrying" },
      );
    } else {
      logEvent(
        log,
        Marker.SETTLEMENT_DB_BACK,
        { event_id: "settlement", attempts },
        { level: "warn", msg: "database reachable again" },
      );
    }
  }

  private fail(err: unknown): void {
    if (this.failure !== null) return;
    this.failure = err;
    this.queue = [];
    this.queued_outputs = 0;
    this.opts.on_failure(err);
    this.wakeIdle();
  }
}
