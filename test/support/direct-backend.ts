// A real exchange behind the gateway, in one process and without an event
// log: the combined core applied synchronously, replies built from its
// outputs as the services build them, and every output settled into an
// in-memory SQLite settlement store, so history reads see real rows as soon
// as a command is answered.

import {
  type CancelCmd,
  CommandKind,
  Core,
  type CoreOutput,
  loadSpec,
  type PlaceCmd,
  type Spec,
  type TransferCmd,
} from "../../src/core/mod.ts";
import type { Depth, ExchangeBackend, TradingCmd } from "../../src/gateway/backend.ts";
import { openSqliteStore, type SettlementStore } from "../../src/store/mod.ts";
import { TransportError } from "../../src/transport/types.ts";
import {
  type BalanceRow,
  type OrderReply,
  orderReplyOf,
  type TransferReply,
  transferReply,
} from "../../src/ubscore/replies.ts";

export class DirectBackend implements ExchangeBackend {
  readonly core: Core;
  private is_ready = true;
  private outage: TransportError["code"] | null = null;
  private settling: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly spec: Spec,
    readonly store: SettlementStore,
  ) {
    this.core = new Core(spec);
  }

  static async open(spec: Spec = loadSpec()): Promise<DirectBackend> {
    const store = openSqliteStore(":memory:", { symbols: spec.symbols });
    await store.migrate();
    return new DirectBackend(spec, store);
  }

  ready(): boolean {
    return this.is_ready;
  }

  setReady(ready: boolean): void {
    this.is_ready = ready;
  }

  /** Until cleared, commands fail as a transport would (TIMEOUT, UNAVAILABLE) and change nothing. */
  setOutage(code: TransportError["code"] | null): void {
    this.outage = code;
  }

  async transfer(cmd: TransferCmd): Promise<TransferReply> {
    this.checkOutage();
    const out = this.core.apply(cmd);
    await this.settle(out);
    return transferReply(cmd, out.reject, out.duplicate, this.core.ubs);
  }

  place(cmd: PlaceCmd): Promise<OrderReply> {
    return this.order(cmd);
  }

  cancel(cmd: CancelCmd): Promise<OrderReply> {
    return this.order(cmd);
  }

  async trade(cmd: TradingCmd): Promise<CoreOutput> {
    this.checkOutage();
    const out = this.core.apply(cmd);
    await this.settle(out);
    return out;
  }

  /** Time passes: a due dead-man's switch fires, as the sequencer's clock would make it. */
  async tick(ts_ms: number): Promise<CoreOutput> {
    const out = this.core.apply({ kind: CommandKind.Tick, ts_ms, corr: "" });
    await this.settle(out);
    return out;
  }

  async balances(user_id: number): Promise<BalanceRow[]> {
    return this.spec.assets.map((a) => {
      const b = this.core.ubs.balance(user_id, a.id);
      return { asset_id: a.id, avail_units: b.avail, frozen_units: b.frozen };
    });
  }

  async depth(symbol_id: number, limit: number): Promise<Depth> {
    const book = this.core.me.book(symbol_id);
    if (book === undefined) return { symbol_id, bids: [], asks: [], last_update_id: 0 };
    return {
      symbol_id,
      bids: book.bids.depth(limit),
      asks: book.asks.depth(limit),
      last_update_id: book.output_seq,
    };
  }

  async close(): Promise<void> {
    await this.settling;
    await this.store.close();
  }

  private async order(cmd: PlaceCmd | CancelCmd): Promise<OrderReply> {
    this.checkOutage();
    const out = this.core.apply(cmd);
    await this.settle(out);
    return orderReplyOf(out, this.spec);
  }

  private checkOutage(): void {
    if (this.outage !== null) {
      throw new TransportError(this.outage, `backend outage (${this.outage})`);
    }
  }

  /** Outputs are written in the order the core produced them, whatever the callers await. */
  private settle(out: CoreOutput): Promise<unknown> {
    const next = this.settling.then(() => this.store.apply({ outputs: [out] }));
    this.settling = next.catch(() => {});
    return next;
  }
}
