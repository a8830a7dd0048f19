// The gateway's side of the order path, whatever carries it: a command goes to
// the sequencer through an Intake (in-process in embedded mode, the input
// topic when distributed) and comes back as the core's output for it, which is
// turned into the answer here, at the edge. Reads of history wait until
// settlement has written what this gateway acknowledged to the same user, so a
// user always sees their own acknowledged writes.

import type { CancelCmd, Command, CoreOutput, PlaceCmd, Spec, TransferCmd } from "../core/mod.ts";
import type { SettlementStore } from "../store/mod.ts";
import { Header, type Headers } from "../transport/mod.ts";
import {
  type BalanceRow,
  type OrderReply,
  orderReplyOf,
  type TransferReply,
  transferReplyOf,
} from "../ubscore/mod.ts";
import type { Depth, ExchangeBackend } from "./backend.ts";

/** What the gateway needs from the sequencer, however far away it runs. */
export interface Intake {
  /** Resolves with the command's output once it is durable; rejects when it cannot be taken. */
  submit(cmd: Command): Promise<CoreOutput>;
  balances(user_id: number): Promise<BalanceRow[]>;
  depth(symbol_id: number, limit: number): Promise<Depth>;
  /** The first application of a transfer request id (for a retried one's answer), or null. */
  firstTransfer(
    request_id: string,
  ): Promise<{ avail: number; frozen: number; ts_ms: number } | null>;
  ready(): boolean;
}

/** Where settlement stands, for read-your-writes. */
export interface SettledPosition {
  /** Output seq settlement has committed up to. */
  settledSeq(): number;
  /** Resolves once settlement has committed seq; rejects after timeout_ms. */
  waitFor(seq: number, timeout_ms: number): Promise<void>;
}

export interface PipelineBackendOptions {
  spec: Spec;
  intake: Intake;
  store: SettlementStore;
  settled: SettledPosition;
  /** How long a read waits for settlement to reach the user's last write. */
  read_wait_ms?: number;
  /** Users whose last write is remembered at most (the oldest are forgotten first). */
  users_remembered_max?: number;
}

export class PipelineBackend implements ExchangeBackend {
  readonly store: SettlementStore;
  private readonly last_write = new Map<number, number>();
  private last_write_any = 0;
  private is_ready = true;

  constructor(private readonly opts: PipelineBackendOptions) {
    this.store = readYourWrites(opts.store, this);
  }

  setReady(ready: boolean): void {
    this.is_ready = ready;
  }

  ready(): boolean {
    return this.is_ready && this.opts.intake.ready();
  }

  private async submit(cmd: Command, headers: Headers | undefined): Promise<CoreOutput> {
    const corr = headers?.[Header.Correlation];
    const out = await this.opts.intake.submit(
      corr === undefined || cmd.corr !== "" ? cmd : { ...cmd, corr },
    );
    this.remember(cmd.user_id, out.output_seq);
    return out;
  }

  async transfer(cmd: TransferCmd, headers?: Headers): Promise<TransferReply> {
    const out = await this.submit(cmd, headers);
    const first = out.duplicate ? await this.opts.intake.firstTransfer(cmd.request_id) : null;
    return transferReplyOf(out, first);
  }

  async place(cmd: PlaceCmd, headers?: Headers): Promise<OrderReply> {
    return orderReplyOf(await this.submit(cmd, headers), this.opts.spec);
  }

  async cancel(cmd: CancelCmd, headers?: Headers): Promise<OrderReply> {
    return orderReplyOf(await this.submit(cmd, headers), this.opts.spec);
  }

  balances(user_id: number): Promise<BalanceRow[]> {
    return this.opts.intake.balances(user_id);
  }

  depth(symbol_id: number, limit: number): Promise<Depth> {
    return this.opts.intake.depth(symbol_id, limit);
  }

  private remember(user_id: number, seq: number): void {
    const m = this.last_write;
    m.delete(user_id);
    m.set(user_id, seq);
    if (seq > this.last_write_any) this.last_write_any = seq;
    const max = this.opts.users_remembered_max ?? 100_000;
    if (m.size > max) {
      // Forget the least recently written users; their writes are long settled
      // unless settlement is far behind, and then reads wait on the newest write.
      const settled = this.opts.settled.settledSeq();
      for (const [u, s] of m) {
        if (m.size <= max) break;
        m.delete(u);
        if (s > settled && s > this.last_write_any) this.last_write_any = s;
      }
    }
  }

  /** Wait until settlement holds this user's last acknowledged write (every write, with no user). */
  async settledFor(user_id: number | null): Promise<void> {
    const seq = user_id === null ? this.last_write_any : (this.last_write.get(user_id) ?? 0);
    if (seq <= this.opts.settled.settledSeq()) return;
    await this.opts.settled.waitFor(seq, this.opts.read_wait_ms ?? 5000);
  }
}

/** Store methods that write or manage, and reads of public market data: no waiting. */
const NO_WAIT = new Set(["migrate", "loadPositions", "apply", "close"]);

/**
 * The store, with each read of a user's data made after that user's writes
 * are settled (a read that names no user waits for this gateway's last write).
 * A proxy, so reads the store gains later are covered without listing them.
 */
function readYourWrites(inner: SettlementStore, backend: PipelineBackend): SettlementStore {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== "function") return v;
      const name = String(prop);
      if (NO_WAIT.has(name) || name.startsWith("market")) return v.bind(target);
      return async (...args: unknown[]) => {
        const q = args[0];
        const user =
          typeof q === "object" &&
          q !== null &&
          typeof (q as { user_id?: unknown }).user_id === "number"
            ? (q as { user_id: number }).user_id
            : null;
        await backend.settledFor(user);
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}
