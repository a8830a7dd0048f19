// The same flow through nodejs-order-book (the TypeScript order book on npm),
// for comparison in the same run. It has no balances, fees or outputs: only its
// book operations are timed; transfers cost it nothing.

import type { FlowLine, Parsed } from "./flow.ts";

export interface BaselineResult {
  library: string;
  commands: number;
  seconds: number;
  commands_per_s: number;
  fills: number;
  resting_orders: number;
}

export async function replayBaseline(flow: readonly Parsed[]): Promise<BaselineResult> {
  const lib = await import("nodejs-order-book");
  const books = new Map<string, InstanceType<typeof lib.OrderBook>>();
  const book = (symbol: string) => {
    let b = books.get(symbol);
    if (b === undefined) {
      b = new lib.OrderBook();
      books.set(symbol, b);
    }
    return b;
  };
  const lines: FlowLine[] = flow.flatMap((p) => (p.line === null ? [] : [p.line]));
  let fills = 0;
  let anon = 0;
  const t0 = process.hrtime.bigint();
  for (const line of lines) {
    if (line.op === "order") {
      const b = book(line.symbol);
      const side = line.side === "Buy" ? lib.Side.BUY : lib.Side.SELL;
      if (line.type === "Market") {
        // By quote amount it has no equivalent; approximate with the quantity
        // that amount buys at the current market price.
        const size =
          line.quantity !== undefined
            ? Number(line.quantity)
            : Number(line.quote_quantity) / Math.max(1, b.marketPrice || 1);
        const r = b.market({ side, size });
        fills += r.done.length;
      } else {
        const r = b.limit({
          id: line.cid ?? `anon${++anon}`,
          side,
          size: Number(line.quantity),
          price: Number(line.price),
          timeInForce: (line.tif ?? "GTC") as never,
        });
        fills += r.done.length;
      }
    } else if (line.op === "cancel" && line.symbol !== undefined && line.cid !== undefined) {
      book(line.symbol).cancel(line.cid);
    }
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  let resting = 0;
  for (const b of books.values()) {
    const depth = b.snapshot();
    for (const level of [...depth.bids, ...depth.asks]) resting += level.orders.length;
  }
  return {
    library: "nodejs-order-book@10.1.1",
    commands: flow.length,
    seconds: Math.round(seconds * 1000) / 1000,
    commands_per_s: Math.round(flow.length / seconds),
    fills,
    resting_orders: resting,
  };
}
