// Public routes: connectivity, exchange information, the order book, trades,
// klines and tickers. The book is live (the gateway's L2 book when it serves
// streams, so lastUpdateId continues the diff-depth stream); trades, klines
// and tickers come from the trades in the settlement database.

import type { FastifyInstance } from "fastify";
import { STP_DEFAULT, type SymbolSpec } from "../../core/mod.ts";
import { MAX_QUERY_LIMIT, type MarketTradeRow } from "../../store/mod.ts";
import type { Depth } from "../backend.ts";
import { liveDepth } from "../http/mod.ts";
import { type Ctx, route } from "./context.ts";
import { BINANCE_CODES, badRequest } from "./errors.ts";
import { aggTradeJson, ORDER_TYPES, STP_MODES, stpText, tradeJson } from "./format.ts";
import { checkSpan, scanTrades, selectRange } from "./history.ts";
import {
  buildKlines,
  checkInterval,
  closeTimeOf,
  klineJson,
  openTimeOf,
  TICKER_WINDOW_MS,
  tickerStats,
  timeZoneMs,
} from "./klines.ts";
import { rateLimitsJson } from "./limits.ts";
import type { Params } from "./params.ts";
import { priceText, qtyText, quoteText } from "./symbols.ts";

const PUBLIC = { security: "NONE" } as const;
const DEPTH_MAX = 5000;
const STATUSES = ["TRADING", "HALT", "BREAK"] as const;

export function marketRoutes(app: FastifyInstance, ctx: Ctx): void {
  const { backend, symbols } = ctx;

  route(app, "GET", "/ping", PUBLIC, async (p) => {
    p.done();
    return {};
  });

  route(app, "GET", "/time", PUBLIC, async (p) => {
    p.done();
    return { serverTime: ctx.now_ms() };
  });

  route(app, "GET", "/exchangeInfo", PUBLIC, async (p) => exchangeInfo(ctx, p));

  route(app, "GET", "/depth", PUBLIC, async (p) => {
    const s = symbols.get(p.required("symbol"));
    const limit = Math.min(p.int("limit", 1, Number.MAX_SAFE_INTEGER) ?? 100, DEPTH_MAX);
    statusFilter(p, true);
    p.done();
    const book = await depthOf(ctx, s, limit);
    const lastUpdateId = book.last_update_id ?? 0;
    const level = (l: { price_ticks: number; qty_lots: number }) => [
      priceText(s, l.price_ticks),
      qtyText(s, l.qty_lots),
    ];
    return { lastUpdateId, bids: book.bids.map(level), asks: book.asks.map(level) };
  });

  route(app, "GET", "/trades", PUBLIC, async (p) => {
    const s = symbols.get(p.required("symbol"));
    const limit = p.int("limit", 1, MAX_QUERY_LIMIT) ?? 500;
    p.done();
    const rows = await backend.store.marketTrades({ symbol_id: s.id, limit });
    return rows.reverse().map((t) => tradeJson(s, t));
  });

  route(app, "GET", "/aggTrades", PUBLIC, async (p) => {
    const s = symbols.get(p.required("symbol"));
    const r = {
      from_id: p.long("fromId"),
      start_ms: p.long("startTime"),
      end_ms: p.long("endTime"),
      limit: p.int("limit", 1, MAX_QUERY_LIMIT) ?? 500,
    };
    p.done();
    checkSpan(r);
    return (await tradesIn(ctx, s, r)).map((t) => aggTradeJson(s, t));
  });

  route(app, "GET", "/klines", PUBLIC, async (p) => {
    const s = symbols.get(p.required("symbol"));
    const interval = checkInterval(p.required("interval"));
    const start_ms = p.long("startTime");
    const end_ms = p.long("endTime");
    const tz_ms = timeZoneMs(p.str("timeZone"));
    const limit = p.int("limit", 1, MAX_QUERY_LIMIT) ?? 500;
    p.done();
    if (start_ms !== undefined && end_ms !== undefined && start_ms > end_ms) {
      throw badRequest(
        BINANCE_CODES.OPTIONAL_PARAMS_BAD_COMBO,
        "Combination of optional parameters invalid. startTime is after endTime.",
      );
    }
    const last_ms =
      end_ms === undefined
        ? null
        : closeTimeOf(openTimeOf(end_ms, interval, tz_ms), interval, tz_ms);
    let buckets = 0;
    let bucket = Number.NaN;
    const { rows } = await scanTrades(backend.store, s.id, (t) => {
      if (last_ms !== null && t.ts_ms > last_ms) return true;
      if (start_ms !== undefined) return t.ts_ms >= start_ms;
      const open = openTimeOf(t.ts_ms, interval, tz_ms);
      if (open !== bucket) {
        bucket = open;
        buckets += 1;
      }
      return buckets <= limit;
    });
    const inRange = rows.reverse().filter((t) => last_ms === null || t.ts_ms <= last_ms);
    const klines = buildKlines(inRange, interval, tz_ms).filter(
      (k) => start_ms === undefined || k.open_ms >= start_ms,
    );
    const picked = start_ms === undefined ? klines.slice(-limit) : klines.slice(0, limit);
    return picked.map((k) => klineJson(s, k));
  });

  route(app, "GET", "/ticker/24hr", PUBLIC, async (p) => {
    const { list, single } = pickSymbols(ctx, p);
    const type = p.oneOf("type", ["FULL", "MINI"] as const, () =>
      badRequest(BINANCE_CODES.INVALID_TICKER_TYPE, "Invalid ticker type."),
    );
    p.done();
    const out = [];
    for (const s of list) out.push(await ticker24h(ctx, s, type ?? "FULL"));
    return single ? out[0] : out;
  });

  route(app, "GET", "/ticker/price", PUBLIC, async (p) => {
    const { list, single } = pickSymbols(ctx, p);
    p.done();
    const out = [];
    for (const s of list) {
      const [last] = await backend.store.marketTrades({ symbol_id: s.id, limit: 1 });
      out.push({ symbol: symbols.nameOf(s), price: priceText(s, last?.price_ticks ?? 0) });
    }
    return single ? out[0] : out;
  });

  route(app, "GET", "/ticker/bookTicker", PUBLIC, async (p) => {
    const { list, single } = pickSymbols(ctx, p);
    p.done();
    const out = [];
    for (const s of list) out.push({ symbol: symbols.nameOf(s), ...(await bestOf(ctx, s)) });
    return single ? out[0] : out;
  });
}

/** The live book, with the update id the diff-depth stream continues from. */
function depthOf(ctx: Ctx, s: SymbolSpec, limit: number): Promise<Depth> {
  return liveDepth(ctx.backend, ctx.market, s, limit);
}

async function bestOf(ctx: Ctx, s: SymbolSpec) {
  const book = await depthOf(ctx, s, 1);
  const bid = book.bids[0];
  const ask = book.asks[0];
  return {
    bidPrice: priceText(s, bid?.price_ticks ?? 0),
    bidQty: qtyText(s, bid?.qty_lots ?? 0),
    askPrice: priceText(s, ask?.price_ticks ?? 0),
    askQty: qtyText(s, ask?.qty_lots ?? 0),
  };
}

async function ticker24h(ctx: Ctx, s: SymbolSpec, type: "FULL" | "MINI") {
  const close_ms = ctx.now_ms();
  const open_ms = close_ms - TICKER_WINDOW_MS;
  const { rows, boundary } = await scanTrades(ctx.backend.store, s.id, (t) => t.ts_ms >= open_ms);
  const t = tickerStats(s, rows.reverse(), boundary, open_ms, close_ms);
  const symbol = ctx.symbols.nameOf(s);
  if (type === "MINI") {
    const { openPrice, highPrice, lowPrice, lastPrice, volume, quoteVolume } = t;
    const { openTime, closeTime, firstId, lastId, count } = t;
    return {
      symbol,
      openPrice,
      highPrice,
      lowPrice,
      lastPrice,
      volume,
      quoteVolume,
      openTime,
      closeTime,
      firstId,
      lastId,
      count,
    };
  }
  const best = await bestOf(ctx, s);
  return {
    symbol,
    priceChange: t.priceChange,
    priceChangePercent: t.priceChangePercent,
    weightedAvgPrice: t.weightedAvgPrice,
    prevClosePrice: t.prevClosePrice,
    lastPrice: t.lastPrice,
    lastQty: t.lastQty,
    ...best,
    openPrice: t.openPrice,
    highPrice: t.highPrice,
    lowPrice: t.lowPrice,
    volume: t.volume,
    quoteVolume: t.quoteVolume,
    openTime: t.openTime,
    closeTime: t.closeTime,
    firstId: t.firstId,
    lastId: t.lastId,
    count: t.count,
  };
}

/** Market trades oldest first, selected as aggTrades selects them. */
async function tradesIn(
  ctx: Ctx,
  s: SymbolSpec,
  r: {
    from_id?: number | undefined;
    start_ms?: number | undefined;
    end_ms?: number | undefined;
    limit: number;
  },
): Promise<MarketTradeRow[]> {
  if (r.from_id === undefined && r.start_ms === undefined && r.end_ms === undefined) {
    return (await ctx.backend.store.marketTrades({ symbol_id: s.id, limit: r.limit })).reverse();
  }
  let newer = 0;
  const { rows } = await scanTrades(ctx.backend.store, s.id, (t) => {
    if (r.end_ms !== undefined && t.ts_ms > r.end_ms) return true;
    if (r.from_id !== undefined) return t.trade_id >= r.from_id;
    if (r.start_ms !== undefined) return t.ts_ms >= r.start_ms;
    newer += 1;
    return newer <= r.limit;
  });
  return selectRange(
    rows.reverse(),
    false,
    (t) => t.trade_id,
    (t) => t.ts_ms,
    r,
    "trades",
  );
}

/** symbol, symbols, or every symbol; `single` answers an object instead of an array. */
function pickSymbols(ctx: Ctx, p: Params): { list: SymbolSpec[]; single: boolean } {
  const one = p.str("symbol");
  const many = p.str("symbols");
  if (one !== undefined && many !== undefined) {
    throw badRequest(
      BINANCE_CODES.OPTIONAL_PARAMS_BAD_COMBO,
      "Combination of optional parameters invalid. Send symbol or symbols, not both.",
    );
  }
  const list =
    one !== undefined
      ? [ctx.symbols.get(one)]
      : many !== undefined
        ? ctx.symbols.list(many)
        : ctx.symbols.all();
  const keep = statusFilter(p, one !== undefined);
  return { list: keep ? list : [], single: one !== undefined };
}

/**
 * symbolStatus: every Bourse symbol is TRADING. A single symbol that does not
 * match is -1220; lists just leave non-matching symbols out (false).
 */
function statusFilter(p: Params, single: boolean): boolean {
  const want = p.oneOf("symbolStatus", STATUSES, () =>
    badRequest(BINANCE_CODES.INVALID_SYMBOLSTATUS, "Invalid symbolStatus."),
  );
  if (want === undefined || want === "TRADING") return true;
  if (single) {
    throw badRequest(
      BINANCE_CODES.SYMBOL_DOES_NOT_MATCH_STATUS,
      "The symbol's status does not match the requested symbolStatus.",
    );
  }
  return false;
}

function exchangeInfo(ctx: Ctx, p: Params) {
  const { list, single } = pickSymbols(ctx, p);
  const permissions = p.str("permissions");
  p.bool("showPermissionSets");
  p.done();
  if (permissions !== undefined && single) {
    throw badRequest(
      BINANCE_CODES.OPTIONAL_PARAMS_BAD_COMBO,
      "Combination of optional parameters invalid. permissions cannot be sent with symbol or symbols.",
    );
  }
  const spot =
    permissions === undefined || permissions === "SPOT" || permissions.includes('"SPOT"');
  return {
    timezone: "UTC",
    serverTime: ctx.now_ms(),
    rateLimits: rateLimitsJson(ctx.limiters),
    exchangeFilters: [
      {
        filterType: "EXCHANGE_MAX_NUM_ORDERS",
        maxNumOrders: ctx.spec.limits.max_open_orders_per_user,
      },
    ],
    symbols: spot ? list.map((s) => symbolInfo(ctx, s)) : [],
  };
}

function symbolInfo(ctx: Ctx, s: SymbolSpec) {
  const maxNotional = s.max_price_ticks * s.max_qty_lots * s.notional_per_tick_lot;
  return {
    symbol: ctx.symbols.nameOf(s),
    status: "TRADING",
    baseAsset: s.base.name,
    baseAssetPrecision: s.base.decimals,
    quoteAsset: s.quote.name,
    quotePrecision: s.quote.decimals,
    quoteAssetPrecision: s.quote.decimals,
    baseCommissionPrecision: s.base.decimals,
    quoteCommissionPrecision: s.quote.decimals,
    orderTypes: [...ORDER_TYPES],
    icebergAllowed: false,
    ocoAllowed: false,
    otoAllowed: false,
    opoAllowed: false,
    quoteOrderQtyMarketAllowed: true,
    allowTrailingStop: false,
    cancelReplaceAllowed: false,
    amendAllowed: false,
    pegInstructionsAllowed: false,
    isSpotTradingAllowed: true,
    isMarginTradingAllowed: false,
    filters: [
      {
        filterType: "PRICE_FILTER",
        minPrice: priceText(s, 1),
        maxPrice: priceText(s, s.max_price_ticks),
        tickSize: priceText(s, 1),
      },
      {
        filterType: "LOT_SIZE",
        minQty: qtyText(s, 1),
        maxQty: qtyText(s, s.max_qty_lots),
        stepSize: qtyText(s, 1),
      },
      {
        filterType: "MARKET_LOT_SIZE",
        minQty: qtyText(s, 1),
        maxQty: qtyText(s, s.max_qty_lots),
        stepSize: qtyText(s, 1),
      },
      {
        filterType: "NOTIONAL",
        minNotional: quoteText(s, s.min_notional_units),
        applyMinToMarket: true,
        maxNotional: quoteText(s, maxNotional),
        applyMaxToMarket: false,
        avgPriceMins: 0,
      },
    ],
    permissions: [],
    permissionSets: [["SPOT"]],
    defaultSelfTradePreventionMode: stpText(STP_DEFAULT),
    allowedSelfTradePreventionModes: [...STP_MODES],
  };
}
