// A real exchange behind the gateway, in one process and without an event
// log: UBSCore and the matching engine applied synchronously, UBSCore's
// replies built exactly as the UBSCore service builds them, and every output
// settled into an in-memory SQLite settlement store so history reads see real
// rows as soon as a command is answered.

import {
  type BalanceOutput,
  type CancelCmd,
  type EngineOutput,
  loadSpec,
  MatchingEngine,
  type PlaceCmd,
  type Spec,
  type TransferCmd,
  UbsCore,
} from "../../src/core/mod.ts";
import type { Depth, ExchangeBackend } from "../../src/gateway/backend.ts";
import { openSqliteStore, positionsOf, type SettlementStore } from "../../src/store/mod.ts";
import { TransportError } from "../../src/transport/types.ts";
import {
  type BalanceRow,
  engineReply,
  type OrderReply,
  refusedReply,
  type TransferReply,
  transferReply,
} from "../../src/ubscore/replies.ts";

export class DirectBackend implements ExchangeBackend {
  readonly ubs: UbsCore;
  readonly me: MatchingEngine;
  private is_ready = true;
  private outage: TransportError["code"] | null = null;
  private settling: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly spec: Spec,
    readonly store: SettlementStore,
  ) {
    this.ubs = new UbsCore(spec);
    this.me = new MatchingEngine(spec);
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
    const step = this.ubs.apply(cmd);
    await this.settle([], [step.out]);
    return transferReply(cmd, step.out.reject, step.out.duplicate, this.ubs);
  }

  place(cmd: PlaceCmd): Promise<OrderReply> {
    return this.order(cmd);
  }

  cancel(cmd: CancelCmd): Promise<OrderReply> {
    return this.order(cmd);
  }

  async balances(user_id: number): Promise<BalanceRow[]> {
    return this.spec.assets.map((a) => {
      const b = this.ubs.balance(user_id, a.id);
      return { asset_id: a.id, avail_units: b.avail, frozen_units: b.frozen };
    });
  }

  async depth(symbol_id: number, limit: number): Promise<Depth> {
    const book = this.me.book(symbol_id);
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
    const step = this.ubs.apply(cmd);
    if (step.forward === null) {
      await this.settle([], [step.out]);
      return refusedReply(cmd, step.out.reject, step.out.order_id);
    }
    const eo = this.me.apply(step.forward);
    const settled = this.ubs.applyEngineOutput(eo);
    await this.settle([eo], [step.out, settled]);
    return engineReply(eo, this.spec);
  }

  private checkOutage(): void {
    if (this.outage !== null) {
      throw new TransportError(this.outage, `backend outage (${this.outage})`);
    }
  }

  /** Batches are written in the order the core produced them, whatever the callers await. */
  private settle(engine: EngineOutput[], balance: BalanceOutput[]): Promise<unknown> {
    const batch = { engine, balance, positions: positionsOf({ engine, balance }) };
    const next = this.settling.then(() => this.store.apply(batch));
    this.settling = next.catch(() => {});
    return next;
  }
}
