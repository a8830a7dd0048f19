// Tracing at the gateway: each command starts a trace (or joins the caller's)
// and its W3C context rides in the command's message headers, so UBSCore, the
// matching engine and settlement continue the same trace.

import type { CancelCmd, CoreOutput, PlaceCmd, TransferCmd } from "../core/mod.ts";
import type { Tracing } from "../obs/mod.ts";
import type { Headers } from "../transport/mod.ts";
import type { BalanceRow, OrderReply, TransferReply } from "../ubscore/mod.ts";
import type { Depth, ExchangeBackend, TradingCmd } from "./backend.ts";

export class TracedBackend implements ExchangeBackend {
  constructor(
    private readonly inner: ExchangeBackend,
    private readonly tracing: Tracing,
  ) {}

  get store() {
    return this.inner.store;
  }

  private async traced<T>(
    name: string,
    headers: Headers | undefined,
    call: (h: Headers) => Promise<T>,
  ): Promise<T> {
    if (!this.tracing.enabled) return call(headers ?? {});
    const span = this.tracing.startSpan(name);
    const h = this.tracing.inject(span, { ...(headers ?? {}) });
    try {
      return await call(h);
    } finally {
      span.end();
    }
  }

  transfer(cmd: TransferCmd, headers?: Headers): Promise<TransferReply> {
    return this.traced("gateway.transfer", headers, (h) => this.inner.transfer(cmd, h));
  }

  place(cmd: PlaceCmd, headers?: Headers): Promise<OrderReply> {
    return this.traced("gateway.order", headers, (h) => this.inner.place(cmd, h));
  }

  cancel(cmd: CancelCmd, headers?: Headers): Promise<OrderReply> {
    return this.traced("gateway.cancel", headers, (h) => this.inner.cancel(cmd, h));
  }

  trade(cmd: TradingCmd, headers?: Headers): Promise<CoreOutput> {
    return this.traced("gateway.trade", headers, (h) => this.inner.trade(cmd, h));
  }

  balances(user_id: number): Promise<BalanceRow[]> {
    return this.inner.balances(user_id);
  }

  depth(symbol_id: number, limit: number): Promise<Depth> {
    return this.inner.depth(symbol_id, limit);
  }

  ready(): boolean {
    return this.inner.ready();
  }
}
