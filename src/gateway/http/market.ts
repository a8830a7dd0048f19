// Public market data: live depth from the matching engine, recent trades from
// the settlement database.

import { Type } from "typebox";
import { symbolOf } from "../../core/mod.ts";
import { ok, type RouteContext, type TypedApp } from "./context.ts";
import { depthOf, marketTradeOfRow } from "./format.ts";
import { DEFAULT_LIMIT } from "./orders.ts";
import { FAILURES } from "./route-schema.ts";
import { Depth, MarketQuery, MarketTrade, Ok } from "./schemas.ts";

export function marketRoutes(app: TypedApp, ctx: RouteContext): void {
  const { backend, spec } = ctx;

  app.get(
    "/api/v1/market/depth",
    {
      config: { access: "public" },
      schema: {
        tags: ["market"],
        summary: "Aggregated order book: up to `limit` price levels a side",
        querystring: MarketQuery,
        response: { 200: Ok(Depth), ...FAILURES },
      },
    },
    async (req) => {
      const s = symbolOf(spec, req.query.symbol);
      return ok(depthOf(spec, await backend.depth(s.id, req.query.limit ?? DEFAULT_LIMIT)));
    },
  );

  app.get(
    "/api/v1/market/trades",
    {
      config: { access: "public" },
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
}
