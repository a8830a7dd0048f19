// Public market data. Depth, the book ticker and the live side of the 24 h
// ticker come from the gateway's market data (its L2 books, kept from the
// same diffs it streams, so `last_update_id` continues the depth stream);
// without it, depth comes from the sequencer. Trades, klines and the stored
// ticker come from the settlement database. Exchange info and server time
// tell a client what it needs before it signs or streams.

import { Type } from "typebox";
import {
  ApiError,
  BourseError,
  formatUnits,
  isKlineInterval,
  type SymbolSpec,
  symbolOf,
} from "../../core/mod.ts";
import {
  bigText,
  candleFields,
  lotsText,
  type MarketHub,
  ppmText,
  priceText,
  qtyText,
  readKlines,
  readTicker24h,
  streamSymbol,
  type Ticker24h as Ticker,
  tickerFigures,
} from "../../marketdata/mod.ts";
import type { Depth as DepthView, ExchangeBackend } from "../backend.ts";
import { ok, type RouteContext, type TypedApp } from "./context.ts";
import { depthOf, marketTradeOfRow } from "./format.ts";
import { DEFAULT_LIMIT } from "./orders.ts";
import { FAILURES } from "./route-schema.ts";
import {
  BookTicker,
  Depth,
  ExchangeInfo,
  Kline,
  KlineQuery,
  MarketQuery,
  MarketTrade,
  Ok,
  ServerTime,
  SymbolQuery,
  Ticker24h,
} from "./schemas.ts";

const KLINES_DEFAULT = 500;

export function marketRoutes(app: TypedApp, ctx: RouteContext): void {
  const { backend, spec } = ctx;
  const pub = { access: "public" as const };

  app.get(
    "/api/v1/market/depth",
    {
      config: pub,
      schema: {
        tags: ["market"],
        summary:
          "Aggregated order book: up to `limit` price levels a side, with the update id it stands at",
        querystring: MarketQuery,
        response: { 200: Ok(Depth), ...FAILURES },
      },
    },
    async (req) => {
      const s = symbolOf(spec, req.query.symbol);
      const limit = req.query.limit ?? DEFAULT_LIMIT;
      return ok(depthOf(spec, await liveDepth(backend, ctx.market, s, limit)));
    },
  );

  app.get(
    "/api/v1/market/trades",
    {
      config: pub,
      schema: {
        tags: ["market"],
        summary: "Recent trades of a symbol, newest first",
        querystring: MarketQuery,
        response: { 200: Ok(Type.Array(MarketTrade)), ...FAILURES },
      },
    },
    async (req) => {
      const s = symbolOf(spec, req.query.symbol);
      const rows = await backend.store.marketTrades({
        symbol_id: s.id,
        limit: req.query.limit ?? DEFAULT_LIMIT,
      });
      return ok(rows.map((r) => marketTradeOfRow(spec, r)));
    },
  );

  app.get(
    "/api/v1/market/klines",
    {
      config: pub,
      schema: {
        tags: ["market"],
        summary: "Candles (klines) of a symbol, oldest first",
        querystring: KlineQuery,
        response: { 200: Ok(Type.Array(Kline)), ...FAILURES },
      },
    },
    async (req) => {
      const q = req.query;
      const s = symbolOf(spec, q.symbol);
      if (!isKlineInterval(q.interval)) throw new BourseError(ApiError.VALIDATION, "bad interval");
      const candles = await readKlines(backend.store, {
        symbol_id: s.id,
        interval: q.interval,
        limit: q.limit ?? KLINES_DEFAULT,
        ...(q.start_time === undefined ? {} : { start_time: q.start_time }),
        ...(q.end_time === undefined ? {} : { end_time: q.end_time }),
      });
      return ok(
        candles.map((c) => ({
          open_time_ms: c.open_time_ms,
          close_time_ms: c.open_time_ms + c.interval_ms - 1,
          trade_count: c.trade_count,
          ...candleFields(s, c),
        })),
      );
    },
  );

  app.get(
    "/api/v1/market/ticker_24h",
    {
      config: pub,
      schema: {
        tags: ["market"],
        summary: "The rolling 24 h ticker (the 1440 minutes up to now's); null without trades",
        querystring: SymbolQuery,
        response: { 200: Ok(Type.Union([Ticker24h, Type.Null()])), ...FAILURES },
      },
    },
    async (req) => {
      const s = symbolOf(spec, req.query.symbol);
      const now = ctx.now_ms();
      const t: Ticker | null =
        ctx.market?.ticker(s.id, now) ?? (await readTicker24h(backend.store, s.id, now));
      if (t === null) return ok(null);
      const f = tickerFigures(s, t);
      return ok({
        symbol: s.name,
        open_time_ms: t.open_time_ms,
        close_time_ms: t.close_time_ms,
        open: priceText(s, t.open_ticks),
        high: priceText(s, t.high_ticks),
        low: priceText(s, t.low_ticks),
        last: priceText(s, t.last_ticks),
        volume: lotsText(s, t.volume_lots),
        quote_volume: bigText(t.quote_units, s.quote.decimals),
        price_change: f.price_change,
        price_change_percent: f.price_change_percent,
        weighted_avg_price: f.weighted_avg_price,
        trade_count: t.trade_count,
        first_trade_id: String(t.first_trade_id),
        last_trade_id: String(t.last_trade_id),
      });
    },
  );

  app.get(
    "/api/v1/market/book_ticker",
    {
      config: pub,
      schema: {
        tags: ["market"],
        summary: "Best bid and ask with their quantities, and the update id they stand at",
        querystring: SymbolQuery,
        response: { 200: Ok(BookTicker), ...FAILURES },
      },
    },
    async (req) => {
      const s = symbolOf(spec, req.query.symbol);
      const d = await liveDepth(backend, ctx.market, s, 1);
      const b = d.bids[0];
      const a = d.asks[0];
      return ok({
        symbol: s.name,
        last_update_id: d.last_update_id ?? 0,
        bid_price: b === undefined ? null : priceText(s, b.price_ticks),
        bid_quantity: b === undefined ? null : qtyText(s, b.qty_lots),
        ask_price: a === undefined ? null : priceText(s, a.price_ticks),
        ask_quantity: a === undefined ? null : qtyText(s, a.qty_lots),
      });
    },
  );

  app.get(
    "/api/v1/market/exchange_info",
    {
      config: pub,
      schema: {
        tags: ["market"],
        summary:
          "Assets, symbols (tick, lot, minimum notional, limits, fees, status) and the gateway's limits",
        response: { 200: Ok(ExchangeInfo), ...FAILURES },
      },
    },
    async () => {
      const l = ctx.limits;
      return ok({
        server_time_ms: ctx.now_ms(),
        assets: spec.assets.map((a) => ({ asset: a.name, decimals: a.decimals })),
        symbols: spec.symbols.map((s) => ({
          symbol: s.name,
          stream_symbol: streamSymbol(s.name),
          status: "TRADING" as const,
          base_asset: s.base.name,
          quote_asset: s.quote.name,
          tick_size: formatUnits(s.tick_units, s.quote.decimals),
          lot_size: formatUnits(s.lot_units, s.base.decimals),
          min_notional: formatUnits(s.min_notional_units, s.quote.decimals),
          max_price: priceText(s, s.max_price_ticks),
          max_quantity: qtyText(s, s.max_qty_lots),
          price_decimals: s.price_decimals,
          quantity_decimals: s.qty_decimals,
          maker_fee_rate: ppmText(s.maker_fee_ppm),
          taker_fee_rate: ppmText(s.taker_fee_ppm),
          market_collar_bps: s.market_collar_bps,
        })),
        limits: {
          max_open_orders_per_user: spec.limits.max_open_orders_per_user,
          max_client_id_length: spec.limits.max_id_length,
          recv_window_ms: l.recv_window_ms,
          rate_limit_per_s: l.rate_limit?.rate_per_s ?? null,
          rate_limit_burst: l.rate_limit?.burst ?? null,
          public_rate_limit_per_s: l.public_rate_limit?.rate_per_s ?? null,
          public_rate_limit_burst: l.public_rate_limit?.burst ?? null,
          stream_connections_per_address: l.stream_connections_per_address,
          streams_per_connection: l.streams_per_connection,
          stream_messages_per_s: l.stream_messages_per_s,
          stream_send_buffer_bytes: l.stream_send_buffer_bytes,
        },
      });
    },
  );

  app.get(
    "/api/v1/time",
    {
      config: pub,
      schema: {
        tags: ["market"],
        summary: "The gateway's clock, which signed requests must be within the receive window of",
        response: { 200: Ok(ServerTime), ...FAILURES },
      },
    },
    async () => ok({ server_time_ms: ctx.now_ms() }),
  );
}

/**
 * A book's top levels with the update id the diff-depth stream continues
 * from: the gateway's L2 book when it serves streams (the one the streams
 * come from), otherwise the sequencer's. One home for both surfaces.
 */
export async function liveDepth(
  backend: ExchangeBackend,
  market: MarketHub | undefined,
  s: SymbolSpec,
  limit: number,
): Promise<DepthView> {
  if (market === undefined) return backend.depth(s.id, limit);
  const d = market.depth(s.id, limit);
  if (d === null) {
    throw new BourseError(ApiError.UNAVAILABLE, `the ${s.name} book is resyncing; retry`);
  }
  return { symbol_id: s.id, ...d };
}
