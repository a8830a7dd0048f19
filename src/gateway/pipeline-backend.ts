// The gateway's side of the order path, whatever carries it: a command goes to
// the sequencer through an Intake (in-process in embedded mode, the input
// topic when distributed) and comes back as the core's output for it, which is
// turned into the answer here, at the edge. Reads of history wait until
// settlement has written what this gateway acknowledged to the same user, so a
// user always sees their own acknowledged writes.

import { randomBytes } from "node:crypto";
import type { CancelCmd, Command, CoreOutput, PlaceCmd, Spec, TransferCmd } from "../core/mod.ts";
import type { SettlementReads } from "../store/mod.ts";
import { Header, type Headers, TransportError } from "../transport/mod.ts";
import {
  type BalanceRow,
  type OrderReply,
  orderReplyOf,
  type TransferReply,
  transferReplyOf,
} from "../ubscore/mod.ts";
import type { Depth, ExchangeBackend, TradingCmd } from "./backend.ts";

/** What the gateway needs from the sequencer, however far away it runs. */
export interface Intake {
  /**
   * Resolves with the command's output once it is durable; rejects when it
   * cannot be taken. `headers` may carry the request's trace context.
   */
  submit(cmd: Command, headers?: Headers): Promise<CoreOutput>;
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
  committedSeq(): number;
  /** True once settlement has committed seq; false after timeout_ms. */
  waitFor(seq: number, timeout_ms: number): Promise<boolean>;
}

export interface PipelineBackendOptions {
  spec: Spec;
  intake: Intake;
  store: SettlementReads;
  settled: SettledPosition;
  /** How long a read waits for settlement to reach the user's last write. */
  read_wait_ms?: number;
  /** Users whose last write is remembered at most (the oldest are forgotten first). */
  users_remembered_max?: number;
}

export class PipelineBackend implements ExchangeBackend {
  readonly store: SettlementReads;
  private readonly last_write = new Map<number, number>();
  private last_write_any = 0;
  private is_ready = true;
  /** Names this backend's own request ids apart from any other process's. */
  private readonly instance = `b${randomBytes(4).toString("hex")}`;
  private n = 0;

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
    // Every command names its request: the HTTP request id, else one of ours.
    const corr =
      cmd.corr !== ""
        ? cmd.corr
        : (headers?.[Header.Correlation] ?? `${this.instance}-${++this.n}`);
    const out = await this.opts.intake.submit(cmd.corr === corr ? cmd : { ...cmd, corr }, headers);
    this.remember("user_id" in cmd ? cmd.user_id : 0, out.output_seq);
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

  trade(cmd: TradingCmd, headers?: Headers): Promise<CoreOutput> {
    return this.submit(cmd, headers);
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
      const settled = this.opts.settled.committedSeq();
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
    if (seq <= this.opts.settled.committedSeq()) return;
    const wait_ms = this.opts.read_wait_ms ?? 5000;
    if (!(await this.opts.settled.waitFor(seq, wait_ms))) {
      throw new TransportError(
        "TIMEOUT",
        `settlement has not written output ${seq} (your last write) within ${wait_ms} ms`,
      );
    }
  }
}

/** Store methods that manage it, and reads of public market data: no waiting. */
const NO_WAIT = new Set(["close", "position", "klines", "ticker24h"]);

/**
 * The store, with each read of a user's data made after that user's writes
 * are settled (a read that names no user waits for this gateway's last write).
 * A proxy, so reads the store gains later are covered without listing them.
 */
function readYourWrites(inner: SettlementReads, backend: PipelineBackend): SettlementReads {
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
