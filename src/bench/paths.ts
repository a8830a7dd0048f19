// The order path's steps one at a time, on a book so small that it stays in
// the processor's caches: a limit order that rests, a market order's trades,
// a cancel, a refused cancel (the cost every command has). `bench replay` times a mixed flow over a book of a hundred
// thousand orders; the difference between its per-kind figures (by_kind) and
// these is what the mix and the large book add (cache misses, branches the
// processor cannot predict), the rest is the work itself. The same steps
// repeat, so the figures vary a few percent from run to run where the
// replay's vary by a fifth: the instrument for changes to the work per
// command.

import {
  type CancelCmd,
  type Command,
  CommandKind,
  Core,
  MAX_UNITS,
  OrderType,
  type PlaceCmd,
  Reject,
  Side,
  type Spec,
  STP_DEFAULT,
  type SymbolSpec,
  TimeInForce,
  type TransferCmd,
} from "../core/mod.ts";

/** Makers per round, each resting one sell on a level of its own; the market buy takes them all. */
export const MAKERS = 10;
const TAKER = MAKERS + 1;
const BIDDER = MAKERS + 2;

export interface PathsOptions {
  /** Measured rounds (after two unmeasured ones that warm the compiler). */
  rounds: number;
  /** Repetitions of the steps in a round. */
  iterations: number;
}

interface Spread {
  median: number;
  min: number;
  max: number;
}

export interface PathsResult {
  mode: "paths";
  symbol: string;
  rounds: number;
  iterations: number;
  /** A GTC limit sell with a client order id that rests on a new level. */
  place_rest_ns: Spread;
  /** A market buy that takes MAKERS resting orders, per trade. */
  trade_ns: Spread;
  /** The whole market buy (MAKERS trades). */
  market_order_ns: Spread;
  /** A cancel by client order id of a resting buy. */
  cancel_ns: Spread;
  /**
   * A cancel refused (no such order): what every command costs whatever it
   * does (the output's head with the command, its sealing, the hash).
   */
  refused_ns: Spread;
  /** Sealed output bytes of the market buy. */
  market_output_bytes: number;
}

function place(
  s: SymbolSpec,
  user_id: number,
  side: Side,
  type: OrderType,
  price_ticks: number,
  qty_lots: number,
  cid: string,
): PlaceCmd {
  return {
    kind: CommandKind.Place,
    user_id,
    symbol_id: s.id,
    side,
    order_type: type,
    tif: type === OrderType.Market ? TimeInForce.IOC : TimeInForce.GTC,
    post_only: false,
    stp: STP_DEFAULT,
    price_ticks,
    qty_lots,
    quote_units: 0,
    stop_price_ticks: 0,
    cid,
    ts_ms: 0,
    corr: "",
  };
}

function deposit(user_id: number, asset_id: number, amount_units: number): TransferCmd {
  return {
    kind: CommandKind.Deposit,
    request_id: `paths-${user_id}-${asset_id}`,
    user_id,
    asset_id,
    amount_units,
    ts_ms: 0,
    corr: "",
  };
}

function spread(xs: number[]): Spread {
  const sorted = [...xs].sort((a, b) => a - b);
  const r = (x: number) => Math.round(x);
  return {
    median: r(sorted[Math.floor(sorted.length / 2)] as number),
    min: r(sorted[0] as number),
    max: r(sorted[sorted.length - 1] as number),
  };
}

export class Steps {
  readonly core: Core;
  private ts_ms = 0;
  private readonly asks: PlaceCmd[] = [];
  private readonly buy: PlaceCmd;
  private readonly bid: PlaceCmd;
  private readonly cancel: CancelCmd;
  private readonly refused: CancelCmd;
  market_output_bytes = 0;

  constructor(
    spec: Spec,
    readonly symbol: SymbolSpec,
    total_iterations: number,
  ) {
    const s = symbol;
    this.core = new Core(spec);
    const mid = Math.floor(s.max_price_ticks / 20);
    // The smallest quantity above the minimum notional at the middle price.
    const lots = Math.max(1, Math.ceil(s.min_notional_units / (mid * s.notional_per_tick_lot)));
    const base_units = total_iterations * lots * s.lot_units * 2;
    const quote_units =
      total_iterations * MAKERS * lots * (mid + MAKERS) * s.notional_per_tick_lot * 2;
    if (base_units > MAX_UNITS || quote_units > MAX_UNITS) {
      throw new RangeError(`bench paths: ${total_iterations} iterations need more than 2^53 units`);
    }
    const funding: TransferCmd[] = [deposit(TAKER, s.quote.id, quote_units)];
    for (let u = 1; u <= MAKERS; u++) funding.push(deposit(u, s.base.id, base_units));
    funding.push(deposit(BIDDER, s.quote.id, Math.ceil(quote_units / MAKERS)));
    for (const d of funding) this.apply(d);
    for (let u = 1; u <= MAKERS; u++) {
      this.asks.push(place(s, u, Side.Sell, OrderType.Limit, mid + u, lots, `ask${u}`));
    }
    this.buy = place(s, TAKER, Side.Buy, OrderType.Market, 0, MAKERS * lots, "");
    this.bid = place(s, BIDDER, Side.Buy, OrderType.Limit, mid - MAKERS, lots, "bid");
    this.cancel = {
      kind: CommandKind.Cancel,
      user_id: BIDDER,
      order_id: 0,
      cid: "bid",
      ts_ms: 0,
      corr: "",
    };
    this.refused = { ...this.cancel, cid: "none" };
  }

  private apply(cmd: Command, reject = 0): void {
    cmd.ts_ms = ++this.ts_ms;
    this.core.applySealed(cmd);
    if (this.core.head.reject !== reject) {
      throw new Error(`bench paths: command ${cmd.kind} answered ${this.core.head.reject}`);
    }
  }

  /** MAKERS limit sells, each resting on a level of its own. */
  rest(): void {
    for (let k = 0; k < MAKERS; k++) this.apply(this.asks[k] as PlaceCmd);
  }

  /** A market buy that takes every resting sell; returns its trades. */
  market(): number {
    this.apply(this.buy);
    return this.core.lastTradeCount();
  }

  /** A limit buy that rests, then its cancel by client order id. */
  bidAndCancel(): void {
    this.apply(this.bid);
    this.apply(this.cancel);
  }

  /** A cancel the core refuses. */
  refuse(): void {
    this.apply(this.refused, Reject.UNKNOWN_ORDER.id);
  }

  /** One round: `iterations` times the steps; mean nanoseconds of each. */
  round(iterations: number): Record<"place" | "trade" | "market" | "cancel" | "refused", number> {
    let place_ms = 0;
    let market_ms = 0;
    let cancel_ms = 0;
    let refused_ms = 0;
    let trades = 0;
    for (let i = 0; i < iterations; i++) {
      const t0 = performance.now();
      this.rest();
      const t1 = performance.now();
      trades += this.market();
      const t2 = performance.now();
      if (i === 0) this.market_output_bytes = this.core.lastEncoded().length;
      this.apply(this.bid);
      const t3 = performance.now();
      this.apply(this.cancel);
      const t4 = performance.now();
      this.refuse();
      const t5 = performance.now();
      place_ms += t1 - t0;
      market_ms += t2 - t1;
      cancel_ms += t4 - t3;
      refused_ms += t5 - t4;
    }
    if (trades !== iterations * MAKERS) {
      throw new Error(`bench paths: ${trades} trades, expected ${iterations * MAKERS}`);
    }
    return {
      place: (place_ms * 1e6) / (iterations * MAKERS),
      trade: (market_ms * 1e6) / trades,
      market: (market_ms * 1e6) / iterations,
      cancel: (cancel_ms * 1e6) / iterations,
      refused: (refused_ms * 1e6) / iterations,
    };
  }
}

/**
 * Steps on the spec's first symbol (or `symbol`), funded for `rounds` of
 * `iterations` and the warm-up rounds before them.
 */
export function pathSteps(spec: Spec, o: PathsOptions, symbol?: string): Steps {
  const s = symbol === undefined ? spec.symbols[0] : spec.symbolByName.get(symbol);
  if (s === undefined) throw new RangeError(`bench paths: no symbol ${symbol ?? "configured"}`);
  if (!(o.rounds >= 1 && o.iterations >= 1)) {
    throw new RangeError("bench paths: rounds and iterations must be at least 1");
  }
  return new Steps(spec, s, (o.rounds + WARM_ROUNDS) * o.iterations);
}

/** Unmeasured rounds first, so that what is measured is optimised code. */
export const WARM_ROUNDS = 2;

/** Time the steps on the spec's first symbol (or `symbol`). */
export function measurePaths(spec: Spec, o: PathsOptions, symbol?: string): PathsResult {
  const steps = pathSteps(spec, o, symbol);
  const s = steps.symbol;
  const warm_rounds = WARM_ROUNDS;
  for (let r = 0; r < warm_rounds; r++) steps.round(o.iterations);
  const rounds = [];
  for (let r = 0; r < o.rounds; r++) rounds.push(steps.round(o.iterations));
  // Each round leaves the book as it found it: the core must agree.
  steps.core.validateInternalState();
  return {
    mode: "paths",
    symbol: s.name,
    rounds: o.rounds,
    iterations: o.iterations,
    place_rest_ns: spread(rounds.map((r) => r.place)),
    trade_ns: spread(rounds.map((r) => r.trade)),
    market_order_ns: spread(rounds.map((r) => r.market)),
    cancel_ns: spread(rounds.map((r) => r.cancel)),
    refused_ns: spread(rounds.map((r) => r.refused)),
    market_output_bytes: steps.market_output_bytes,
  };
}
