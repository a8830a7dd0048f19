// Assets, symbols and limits. A config file gives them as decimal strings;
// compile() turns them into integer specs and proves, once at start-up, that no
// order inside the limits can overflow the engine's integer arithmetic.

import { readFileSync } from "node:fs";
import { ID_LENGTH_MAX } from "./constants.ts";
import { decimalsOf, MAX_UNITS, parseUnits, pow10 } from "./money.ts";

export interface AssetConfig {
  id: number;
  name: string;
  /** Minimal units per whole coin = 10^decimals. */
  decimals: number;
}

export interface SymbolConfig {
  id: number;
  name: string;
  base: string;
  quote: string;
  tick_size: string;
  lot_size: string;
  min_notional: string;
  max_price: string;
  max_quantity: string;
  maker_fee_ppm: number;
  taker_fee_ppm: number;
  /** Market orders may not trade further than this from the opposite best price. */
  market_collar_bps: number;
}

export interface LimitsConfig {
  max_open_orders_per_user: number;
  max_user_id: number;
  /** How many completed orders UBSCore remembers to answer "already done" to a late cancel. */
  completed_orders_remembered: number;
  /** Longest client order id and request id accepted, in characters. */
  max_id_length: number;
  /**
   * How long, in the core's time, a transfer's request_id is remembered so a
   * retry is answered as a duplicate (the idempotency window).
   */
  transfer_window_ms: number;
  /** At most this many request ids are remembered; beyond it the oldest are forgotten early. */
  transfers_remembered: number;
  /** Users that may have a cancel-all-after timer armed at the same time. */
  max_armed_timers: number;
  /** Longest cancel-all-after timeout accepted. */
  max_cancel_all_after_ms: number;
}

export interface BourseConfig {
  assets: AssetConfig[];
  symbols: SymbolConfig[];
  limits: LimitsConfig;
}

export const DEFAULT_CONFIG: BourseConfig = {
  assets: [
    { id: 1, name: "BTC", decimals: 8 },
    { id: 2, name: "USDT", decimals: 6 },
    { id: 3, name: "ETH", decimals: 8 },
  ],
  symbols: [
    {
      id: 1,
      name: "BTC_USDT",
      base: "BTC",
      quote: "USDT",
      tick_size: "0.01",
      lot_size: "0.0001",
      min_notional: "1",
      max_price: "1000000",
      max_quantity: "1000",
      maker_fee_ppm: 1000,
      taker_fee_ppm: 1500,
      market_collar_bps: 500,
    },
    {
      id: 2,
      name: "ETH_USDT",
      base: "ETH",
      quote: "USDT",
      tick_size: "0.01",
      lot_size: "0.0001",
      min_notional: "1",
      max_price: "100000",
      max_quantity: "10000",
      maker_fee_ppm: 1000,
      taker_fee_ppm: 1500,
      market_collar_bps: 500,
    },
  ],
  limits: {
    max_open_orders_per_user: 10_000,
    max_user_id: 2 ** 48,
    completed_orders_remembered: 262_144,
    max_id_length: ID_LENGTH_MAX,
    transfer_window_ms: 86_400_000,
    transfers_remembered: 1_000_000,
    max_armed_timers: 100_000,
    max_cancel_all_after_ms: 86_400_000,
  },
};

export interface AssetSpec {
  readonly id: number;
  readonly name: string;
  readonly decimals: number;
}

export interface SymbolSpec {
  readonly id: number;
  readonly name: string;
  readonly base: AssetSpec;
  readonly quote: AssetSpec;
  /** Quote units per price tick. */
  readonly tick_units: number;
  /** Base units per lot. */
  readonly lot_units: number;
  readonly price_decimals: number;
  readonly qty_decimals: number;
  /** Quote units that one lot costs at a price of one tick; an integer by construction. */
  readonly notional_per_tick_lot: number;
  readonly min_notional_units: number;
  readonly max_price_ticks: number;
  readonly max_qty_lots: number;
  readonly maker_fee_ppm: number;
  readonly taker_fee_ppm: number;
  readonly market_collar_bps: number;
}

export interface Spec {
  readonly assets: readonly AssetSpec[];
  readonly symbols: readonly SymbolSpec[];
  readonly limits: Readonly<LimitsConfig>;
  /** Indexed by id; holes are undefined. */
  readonly assetById: readonly (AssetSpec | undefined)[];
  readonly symbolById: readonly (SymbolSpec | undefined)[];
  readonly assetByName: ReadonlyMap<string, AssetSpec>;
  readonly symbolByName: ReadonlyMap<string, SymbolSpec>;
  readonly maxAssetId: number;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

function check(cond: boolean, message: string): asserts cond {
  if (!cond) throw new ConfigError(message);
}

function units(text: string, decimals: number, what: string): number {
  try {
    return parseUnits(text, decimals, what);
  } catch (err) {
    throw new ConfigError(`${what}: ${(err as Error).message}`);
  }
}

const NAME_RE = /^[A-Z][A-Z0-9]{1,11}$/;
const ID_MAX = 4095;

export function compile(config: BourseConfig): Spec {
  check(Array.isArray(config.assets) && config.assets.length > 0, "config: no assets");
  check(Array.isArray(config.symbols) && config.symbols.length > 0, "config: no symbols");
  const assetById: (AssetSpec | undefined)[] = [];
  const assetByName = new Map<string, AssetSpec>();
  for (const a of config.assets) {
    const where = `asset ${JSON.stringify(a.name)}`;
    check(
      Number.isInteger(a.id) && a.id >= 1 && a.id <= ID_MAX,
      `${where}: id must be 1..${ID_MAX}`,
    );
    check(NAME_RE.test(a.name), `${where}: name must match ${NAME_RE}`);
    check(
      Number.isInteger(a.decimals) && a.decimals >= 0 && a.decimals <= 12,
      `${where}: decimals 0..12`,
    );
    check(assetById[a.id] === undefined, `${where}: duplicate id ${a.id}`);
    check(!assetByName.has(a.name), `${where}: duplicate name`);
    const spec = Object.freeze({ id: a.id, name: a.name, decimals: a.decimals });
    assetById[a.id] = spec;
    assetByName.set(a.name, spec);
  }
  const symbolById: (SymbolSpec | undefined)[] = [];
  const symbolByName = new Map<string, SymbolSpec>();
  for (const s of config.symbols) {
    const where = `symbol ${JSON.stringify(s.name)}`;
    check(
      Number.isInteger(s.id) && s.id >= 1 && s.id <= ID_MAX,
      `${where}: id must be 1..${ID_MAX}`,
    );
    check(s.name === `${s.base}_${s.quote}`, `${where}: name must be BASE_QUOTE`);
    check(symbolById[s.id] === undefined, `${where}: duplicate id ${s.id}`);
    const base = assetByName.get(s.base);
    const quote = assetByName.get(s.quote);
    check(base !== undefined, `${where}: unknown base asset ${s.base}`);
    check(quote !== undefined, `${where}: unknown quote asset ${s.quote}`);
    check(base !== quote, `${where}: base and quote are the same asset`);
    const tick_units = units(s.tick_size, quote.decimals, `${where} tick_size`);
    const lot_units = units(s.lot_size, base.decimals, `${where} lot_size`);
    check(tick_units > 0 && lot_units > 0, `${where}: tick_size and lot_size must be positive`);
    const tickLot = tick_units * lot_units;
    check(Number.isSafeInteger(tickLot), `${where}: tick_size x lot_size too large`);
    const baseScale = pow10(base.decimals);
    check(
      tickLot % baseScale === 0,
      `${where}: one lot at one tick (${s.lot_size} x ${s.tick_size}) must be a whole number of ${quote.name} units`,
    );
    const notional_per_tick_lot = tickLot / baseScale;
    const maxPriceUnits = units(s.max_price, quote.decimals, `${where} max_price`);
    const maxQtyUnits = units(s.max_quantity, base.decimals, `${where} max_quantity`);
    check(maxPriceUnits % tick_units === 0, `${where}: max_price must be a multiple of tick_size`);
    check(maxQtyUnits % lot_units === 0, `${where}: max_quantity must be a multiple of lot_size`);
    const max_price_ticks = maxPriceUnits / tick_units;
    const max_qty_lots = maxQtyUnits / lot_units;
    check(
      max_price_ticks >= 1 && max_qty_lots >= 1,
      `${where}: max_price and max_quantity must be positive`,
    );
    // The largest order's value must be exact; with fees computed by mulPpmFloor
    // and collars by ticks * (10000 + bps), nothing else can leave the safe range.
    check(
      max_price_ticks * max_qty_lots * notional_per_tick_lot <= MAX_UNITS,
      `${where}: max_price x max_quantity overflows exact integers; lower the limits`,
    );
    check(max_price_ticks * 20_000 <= MAX_UNITS, `${where}: max_price too large for collars`);
    const min_notional_units = units(s.min_notional, quote.decimals, `${where} min_notional`);
    for (const [k, v] of [
      ["maker_fee_ppm", s.maker_fee_ppm],
      ["taker_fee_ppm", s.taker_fee_ppm],
    ] as const) {
      check(
        Number.isInteger(v) && v >= 0 && v <= 100_000,
        `${where}: ${k} must be 0..100000 (10%)`,
      );
    }
    check(
      Number.isInteger(s.market_collar_bps) &&
        s.market_collar_bps >= 1 &&
        s.market_collar_bps <= 10_000,
      `${where}: market_collar_bps must be 1..10000`,
    );
    const spec: SymbolSpec = Object.freeze({
      id: s.id,
      name: s.name,
      base,
      quote,
      tick_units,
      lot_units,
      price_decimals: decimalsOf(s.tick_size),
      qty_decimals: decimalsOf(s.lot_size),
      notional_per_tick_lot,
      min_notional_units,
      max_price_ticks,
      max_qty_lots,
      maker_fee_ppm: s.maker_fee_ppm,
      taker_fee_ppm: s.taker_fee_ppm,
      market_collar_bps: s.market_collar_bps,
    });
    symbolById[s.id] = spec;
    symbolByName.set(s.name, spec);
  }
  const l = config.limits;
  check(l !== undefined && typeof l === "object", "config: limits missing");
  for (const [k, v, max] of [
    ["max_open_orders_per_user", l.max_open_orders_per_user, 1_000_000],
    ["max_user_id", l.max_user_id, 2 ** 52],
    ["completed_orders_remembered", l.completed_orders_remembered, 100_000_000],
    ["max_id_length", l.max_id_length, ID_LENGTH_MAX],
    ["transfer_window_ms", l.transfer_window_ms, 366 * 86_400_000],
    ["transfers_remembered", l.transfers_remembered, 100_000_000],
    ["max_armed_timers", l.max_armed_timers, 10_000_000],
    ["max_cancel_all_after_ms", l.max_cancel_all_after_ms, 366 * 86_400_000],
  ] as const) {
    check(Number.isInteger(v) && v >= 1 && v <= max, `limits.${k} must be 1..${max}`);
  }
  const assets = [...assetByName.values()];
  return Object.freeze({
    assets,
    symbols: [...symbolByName.values()],
    limits: Object.freeze({ ...l }),
    assetById,
    symbolById,
    assetByName,
    symbolByName,
    maxAssetId: Math.max(...assets.map((a) => a.id)),
  });
}

/** Read a JSON config file (or the defaults when path is undefined) and compile it. */
export function loadSpec(path?: string): Spec {
  if (path === undefined) return compile(DEFAULT_CONFIG);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new ConfigError(`cannot read config ${path}: ${(err as Error).message}`);
  }
  const c = parsed as Partial<BourseConfig>;
  return compile({
    assets: c.assets ?? DEFAULT_CONFIG.assets,
    symbols: c.symbols ?? DEFAULT_CONFIG.symbols,
    limits: { ...DEFAULT_CONFIG.limits, ...(c.limits ?? {}) },
  });
}
