// A small driver over the combined core for rule tests: commands in decimal
// strings, balances back as decimal strings, so expectations read like a
// trader's statement.

import {
  CommandKind,
  Core,
  type CoreOutput,
  cancelCommand,
  formatUnits,
  loadSpec,
  type OrderInput,
  placeCommand,
  type Spec,
  transferCommand,
} from "../../src/core/mod.ts";

export class Exchange {
  readonly core: Core;
  private ts = 1_700_000_000_000;
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

  /** "avail/frozen" in the asset's decimals. */
  bal(user_id: number, asset: string): string {
    const a = this.spec.assetByName.get(asset);
    if (a === undefined) throw new Error(asset);
    const b = this.core.ubs.balance(user_id, a.id);
    return `${formatUnits(b.avail, a.decimals)}/${formatUnits(b.frozen, a.decimals)}`;
  }
}
