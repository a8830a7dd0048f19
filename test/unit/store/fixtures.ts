// A day on the real combined core (the default config: BTC_USDT, fees 0.1%
// maker and 0.15% taker): deposits, a resting sell, a buy that fills it
// partially, a post-only buy refused for taking, a cancel, a cancel of an
// unknown order, an order refused for lack of funds, an IOC that fills
// partly and expires, a withdrawal, a duplicate deposit, a refused
// withdrawal and an order left resting with a client id. Its outputs are
// what settlement receives; the contract asserts the rows they must give.

import {
  type Command,
  CommandKind,
  Core,
  type CoreOutput,
  compile,
  DEFAULT_CONFIG,
  OrderType,
  OutputBatchWriter,
  Side,
  Stp,
  TimeInForce,
  tradeIdOf,
} from "../../../src/core/mod.ts";
import type { CoreBatch } from "../../../src/store/mod.ts";

export const SPEC = compile(DEFAULT_CONFIG);
export const SYMBOLS = SPEC.symbols;
export const BTC = 1;
export const USDT = 2;
export const ETH = 3;
export const SYMBOL = 1;
export const SYMBOL_2 = 2;
export const BUYER = 1;
export const SELLER = 2;
export const FEES = 0;

/** Minute-aligned, so that candles are easy to name. */
export const T0 = 1_699_999_980_000;
export const MINUTE = 60_000;
export const HOUR = 3_600_000;

export const TRADE_1 = tradeIdOf(SYMBOL, 1);
export const TRADE_2 = tradeIdOf(SYMBOL, 2);

export function transfer(
  kind: "deposit" | "withdraw",
  request_id: string,
  user_id: number,
  asset_id: number,
  amount_units: number,
  ts_ms: number,
): Command {
  return {
    kind: kind === "deposit" ? CommandKind.Deposit : CommandKind.Withdraw,
    request_id,
    user_id,
    asset_id,
    amount_units,
    ts_ms,
    corr: `g-${request_id}`,
  };
}

export function limit(
  user_id: number,
  side: Side,
  price_ticks: number,
  qty_lots: number,
  ts_ms: number,
  extra: { tif?: TimeInForce; post_only?: boolean; cid?: string; symbol_id?: number } = {},
): Command {
  return {
    kind: CommandKind.Place,
    user_id,
    symbol_id: extra.symbol_id ?? SYMBOL,
    side,
    order_type: OrderType.Limit,
    tif: extra.tif ?? TimeInForce.GTC,
    post_only: extra.post_only ?? false,
    stp: Stp.ExpireMaker,
    price_ticks,
    stop_price_ticks: 0,
    qty_lots,
    quote_units: 0,
    cid: extra.cid ?? "",
    ts_ms,
    corr: "",
  };
}

export function cancel(user_id: number, order_id: number, ts_ms: number): Command {
  return { kind: CommandKind.Cancel, user_id, order_id, cid: "", ts_ms, corr: "" };
}

export function batchOf(outputs: readonly CoreOutput[]): CoreBatch {
  return { outputs };
}

export interface Day {
  outputs: CoreOutput[];
  /** Outputs 1-3: the deposits and the resting sell. */
  a: CoreBatch;
  /** The rest of the day. */
  b: CoreBatch;
  all: CoreBatch;
}

/** The day's commands, in order; the comments give the order ids the core assigns. */
export function dayCommands(): Command[] {
  return [
    transfer("deposit", "dep-1", BUYER, USDT, 10_000_000_000, T0),
    transfer("deposit", "dep-2", SELLER, BTC, 100_000_000, T0 + 1),
    // Order 1: sell 0.01 BTC at 50,000.00, rests.
    limit(SELLER, Side.Sell, 5_000_000, 100, T0 + 2, { cid: "s-1" }),
    // Order 2: buy 0.004 at 50,000.00, takes 40 lots of order 1 (trade 1).
    limit(BUYER, Side.Buy, 5_000_000, 40, T0 + 3),
    // Order 3: post-only buy that would take: rejected.
    limit(BUYER, Side.Buy, 5_000_000, 10, T0 + 4, { post_only: true, cid: "po-1" }),
    cancel(SELLER, 1, T0 + MINUTE + 1),
    cancel(BUYER, 555, T0 + MINUTE + 2),
    // Refused for lack of funds: no order id, no row.
    limit(BUYER, Side.Buy, 5_000_000, 3_000, T0 + MINUTE + 3),
    // Order 4: sell 30 lots at 51,000.00, rests.
    limit(SELLER, Side.Sell, 5_100_000, 30, T0 + MINUTE + 4),
    // Order 5: IOC buy 50 lots at 51,000.00 an hour later: 30 fill (trade 2), 20 expire.
    limit(BUYER, Side.Buy, 5_100_000, 50, T0 + HOUR + 5, { tif: TimeInForce.IOC }),
    transfer("withdraw", "wd-1", SELLER, USDT, 100_000_000, T0 + HOUR + 6),
    transfer("deposit", "dep-1", BUYER, USDT, 10_000_000_000, T0 + HOUR + 7),
    transfer("withdraw", "wd-2", BUYER, BTC, 1_000_000_000, T0 + HOUR + 8),
    // Order 6: buy 10 lots at 40,000.00 with a client id, rests.
    limit(BUYER, Side.Buy, 4_000_000, 10, T0 + HOUR + 9, { cid: "c-9" }),
  ];
}

export function run(commands: readonly Command[], core = new Core(SPEC)): CoreOutput[] {
  return commands.map((c) => core.apply(c));
}

/** The outputs and their sealed encodings (what output batches carry). */
export function sealedRun(
  commands: readonly Command[],
  core = new Core(SPEC),
): { outputs: CoreOutput[]; sealed: Buffer[] } {
  const outputs: CoreOutput[] = [];
  const sealed: Buffer[] = [];
  for (const c of commands) {
    outputs.push(core.apply(c));
    sealed.push(Buffer.from(core.lastEncoded()));
  }
  return { outputs, sealed };
}

/** One output batch of consecutive sealed outputs, the first being output first_seq. */
export function outputBatch(first_seq: number, sealed: readonly Uint8Array[]): Uint8Array {
  const w = new OutputBatchWriter();
  for (const [i, s] of sealed.entries()) w.push(first_seq + i, s);
  return w.take() ?? new Uint8Array();
}

export function day(): Day {
  const outputs = run(dayCommands());
  return {
    outputs,
    a: batchOf(outputs.slice(0, 3)),
    b: batchOf(outputs.slice(3)),
    all: batchOf(outputs),
  };
}

/**
 * The seller rests sells on both symbols at interleaved times, each taken
 * by the buyer: orders 1 (BTC), 3 (ETH), 5 (BTC), 7 (ETH) rest; their takers
 * are the even ids.
 */
export function twoSymbols(): CoreOutput[] {
  const cmds: Command[] = [
    transfer("deposit", "f-1", SELLER, BTC, 100_000_000, 1),
    transfer("deposit", "f-2", SELLER, ETH, 100_000_000, 2),
    transfer("deposit", "f-3", BUYER, USDT, 100_000_000_000, 3),
  ];
  const plan = [
    [SYMBOL, 10],
    [SYMBOL_2, 20],
    [SYMBOL, 30],
    [SYMBOL_2, 40],
  ] as const;
  for (const [symbol_id, ts] of plan) {
    cmds.push(limit(SELLER, Side.Sell, 100_000, 200, ts, { symbol_id }));
    cmds.push(limit(BUYER, Side.Buy, 100_000, 100, ts + 1, { symbol_id }));
  }
  return run(cmds);
}

/** A copy of the outputs with one output changed (hashes untouched: the store checks links, not bytes). */
export function edited(
  outputs: readonly CoreOutput[],
  seq: number,
  edit: (o: CoreOutput) => CoreOutput,
): CoreOutput[] {
  return outputs.map((o) => (o.output_seq === seq ? edit(o) : o));
}
