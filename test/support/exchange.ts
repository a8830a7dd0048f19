// A small driver over the combined core for rule tests: commands in decimal
// strings, balances back as decimal strings, so expectations read like a
// trader's statement.

import {
  type AmendInput,
  amendCommand,
  CommandKind,
  Core,
  type CoreOutput,
  cancelAllAfterCommand,
  cancelAllCommand,
  cancelCommand,
  cancelReplaceCommand,
  formatUnits,
  loadSpec,
  type OcoInput,
  type OrderInput,
  type OrderTarget,
  ocoCommand,
  placeCommand,
  type Spec,
  tickCommand,
  transferCommand,
} from "../../src/core/mod.ts";

export class Exchange {
  readonly core: Core;
  /** The ts_ms of the next command; each command advances it by 1 ms. */
  ts = 1_700_000_000_000;
  private n = 0;

  constructor(readonly spec: Spec = loadSpec()) {
    this.core = new Core(spec);
  }

  deposit(user_id: number, asset: string, amount: string, request_id = `d${++this.n}`): CoreOutput {
    return this.core.apply(
      transferCommand(
        this.spec,
        CommandKind.Deposit,
        { request_id, user_id, asset, amount },
        this.ts++,
      ),
    );
  }

  withdraw(
    user_id: number,
    asset: string,
    amount: string,
    request_id = `w${++this.n}`,
  ): CoreOutput {
    return this.core.apply(
      transferCommand(
        this.spec,
        CommandKind.Withdraw,
        { request_id, user_id, asset, amount },
        this.ts++,
      ),
    );
  }

  order(o: OrderInput): CoreOutput {
    return this.core.apply(placeCommand(this.spec, o, this.ts++));
  }

  limit(
    user_id: number,
    side: "Buy" | "Sell",
    price: string,
    quantity: string,
    extra: Partial<OrderInput> = {},
  ): CoreOutput {
    return this.order({
      user_id,
      symbol: "BTC_USDT",
      side,
      order_type: "Limit",
      price,
      quantity,
      ...extra,
    });
  }

  cancel(user_id: number, target: { order_id?: number; cid?: string }): CoreOutput {
    return this.core.apply(cancelCommand(user_id, target, this.ts++));
  }

  /** A stop order on BTC_USDT: type StopLoss, StopLossLimit, TakeProfit or TakeProfitLimit. */
  stop(
    user_id: number,
    side: "Buy" | "Sell",
    order_type: string,
    stop_price: string,
    quantity: string,
    extra: Partial<OrderInput> = {},
  ): CoreOutput {
    return this.order({
      user_id,
      symbol: "BTC_USDT",
      side,
      order_type,
      stop_price,
      quantity,
      ...extra,
    });
  }

  oco(o: Omit<OcoInput, "symbol"> & { symbol?: string }): CoreOutput {
    return this.core.apply(ocoCommand(this.spec, { symbol: "BTC_USDT", ...o }, this.ts++));
  }

  amend(a: Omit<AmendInput, "symbol"> & { symbol?: string }): CoreOutput {
    return this.core.apply(amendCommand(this.spec, { symbol: "BTC_USDT", ...a }, this.ts++));
  }

  cancelReplace(
    user_id: number,
    cancel: OrderTarget,
    mode: "StopOnFailure" | "AllowFailure",
    order: Omit<OrderInput, "user_id" | "symbol"> & { symbol?: string },
  ): CoreOutput {
    return this.core.apply(
      cancelReplaceCommand(
        this.spec,
        user_id,
        cancel,
        mode,
        { symbol: "BTC_USDT", ...order },
        this.ts++,
      ),
    );
  }

  cancelAll(user_id: number, symbol?: string): CoreOutput {
    return this.core.apply(cancelAllCommand(this.spec, user_id, symbol, this.ts++));
  }

  cancelAllAfter(user_id: number, timeout_ms: number): CoreOutput {
    return this.core.apply(cancelAllAfterCommand(user_id, timeout_ms, this.ts++));
  }

  /** Let `ms` pass, then tick. */
  tick(ms = 0): CoreOutput {
    this.ts += ms;
    return this.core.apply(tickCommand(this.ts++));
  }

  /** "avail/frozen" in the asset's decimals. */
  bal(user_id: number, asset: string): string {
    const a = this.spec.assetByName.get(asset);
    if (a === undefined) throw new Error(asset);
    const b = this.core.ubs.balance(user_id, a.id);
    return `${formatUnits(b.avail, a.decimals)}/${formatUnits(b.frozen, a.decimals)}`;
  }
}
