// The same flow through nodejs-order-book (the TypeScript order book on npm),
// for comparison in the same run. It has no balances, fees or outputs: only its
// book operations are timed; transfers cost it nothing. Of the trading mix it
// takes what it has: stop orders (its stops are stop-loss only, so take-profit
// lines go to the same calls and it refuses those that point the other way),
// OCO, modify for amends, cancel then limit for a cancel-replace; cancel-all,
// the dead-man's switch and ticks have no counterpart and cost it nothing.

import type { FlowLine, Parsed } from "./flow.ts";

export interface BaselineResult {
  library: string;
  commands: number;
  seconds: number;
  commands_per_s: number;
  fills: number;
  resting_orders: number;
}

type Lib = typeof import("nodejs-order-book");
type Book = InstanceType<Lib["OrderBook"]>;

/** The trading mix's lines, as far as nodejs-order-book has them; returns the fills. */
function trading(
  lib: Lib,
  book: (symbol: string) => Book,
  line: FlowLine,
  anon: () => string,
): number {
  const sideOf = (s: "Buy" | "Sell") => (s === "Buy" ? lib.Side.BUY : lib.Side.SELL);
  switch (line.op) {
    case "order": {
      // Only stop orders reach here: limits and markets are handled by the caller.
      const b = book(line.symbol);
      const size = Number(line.quantity);
      const stopPrice = Number(line.stop_price);
      const r =
        line.type === "StopLoss" || line.type === "TakeProfit"
          ? b.stopMarket({ side: sideOf(line.side), size, stopPrice })
          : b.stopLimit({
              id: line.cid ?? anon(),
              side: sideOf(line.side),
              size,
              price: Number(line.price),
              stopPrice,
              timeInForce: (line.tif ?? "GTC") as never,
            });
      return r.done.length;
    }
    case "oco": {
      const r = book(line.symbol).oco({
        id: line.cid ?? anon(),
        side: sideOf(line.side),
        size: Number(line.quantity),
        price: Number(line.price),
        stopPrice: Number(line.stop_price),
        stopLimitPrice: Number(line.stop_limit_price ?? line.stop_price),
      });
      return r.done.length;
    }
    case "amend": {
      if (line.cid === undefined) return 0;
      const update =
        line.price !== undefined ? { price: Number(line.price) } : { size: Number(line.quantity) };
      return book(line.symbol).modify(line.cid, update as never).done.length;
    }
    case "cancel_replace": {
      const b = book(line.symbol);
      if (line.cancel.cid !== undefined) b.cancel(line.cancel.cid);
      const o = line.order;
      return b.limit({
        id: o.cid ?? anon(),
        side: sideOf(o.side),
        size: Number(o.quantity),
        price: Number(o.price),
        timeInForce: (o.tif ?? "GTC") as never,
      }).done.length;
    }
    default:
      return 0;
  }
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
    if (line.op === "order" && (line.type === "Limit" || line.type === "Market")) {
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
    } else if (line.op !== "deposit" && line.op !== "withdraw") {
      fills += trading(lib, book, line, () => `anon${++anon}`);
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
