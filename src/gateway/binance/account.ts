// The account (balances live from the core), the user's trades, and listen
// keys for the user data stream to come.

import type { FastifyInstance } from "fastify";
import { formatUnits, type Spec } from "../../core/mod.ts";
import { MAX_QUERY_LIMIT } from "../../store/mod.ts";
import { type Ctx, route, userOf } from "./context.ts";
import { BINANCE_CODES, badRequest } from "./errors.ts";
import { myTradeJson } from "./format.ts";
import { checkSpan, selectRange, tooFar } from "./history.ts";
import { orderById } from "./lookup.ts";

const SIGNED = { security: "SIGNED" } as const;
const STREAM = { security: "USER_STREAM" } as const;

export function accountRoutes(app: FastifyInstance, ctx: Ctx): void {
  const { backend, spec, symbols } = ctx;

  route(app, "GET", "/account", SIGNED, async (p, req) => {
    const { user_id } = userOf(req);
    const omitZero = p.bool("omitZeroBalances") ?? false;
    p.done();
    const rows = await backend.balances(user_id);
    const byAsset = new Map(rows.map((r) => [r.asset_id, r]));
    const balances = [...spec.assets]
      .sort((a, b) => a.id - b.id)
      .map((a) => {
        const r = byAsset.get(a.id);
        const free = r?.avail_units ?? 0;
        const locked = r?.frozen_units ?? 0;
        return { asset: a.name, free, locked, decimals: a.decimals };
      })
      .filter((b) => !omitZero || b.free !== 0 || b.locked !== 0)
      .map((b) => ({
        asset: b.asset,
        free: formatUnits(b.free, b.decimals),
        locked: formatUnits(b.locked, b.decimals),
      }));
    const [last] = await backend.store.ledger({ user_id, limit: 1 });
    return {
      ...commissions(spec),
      canTrade: true,
      canWithdraw: false,
      canDeposit: false,
      brokered: false,
      requireSelfTradePrevention: false,
      preventSor: false,
      updateTime: last?.ts_ms ?? 0,
      accountType: "SPOT",
      balances,
      permissions: ["SPOT"],
      uid: user_id,
    };
  });

  route(app, "GET", "/myTrades", SIGNED, async (p, req) => {
    const { user_id } = userOf(req);
    const s = symbols.get(p.required("symbol"));
    const order_id = p.long("orderId");
    const r = {
      from_id: p.long("fromId"),
      start_ms: p.long("startTime"),
      end_ms: p.long("endTime"),
      limit: p.int("limit", 1, MAX_QUERY_LIMIT) ?? 500,
    };
    p.done();
    const times = r.start_ms !== undefined || r.end_ms !== undefined;
    if ((order_id !== undefined && times) || (r.from_id !== undefined && times)) {
      throw badRequest(
        BINANCE_CODES.OPTIONAL_PARAMS_BAD_COMBO,
        "Combination of optional parameters invalid. Supported: orderId, fromId, orderId and fromId, startTime and/or endTime.",
      );
    }
    checkSpan(r);
    const stored = await backend.store.userTrades({
      user_id,
      symbol_id: s.id,
      limit: MAX_QUERY_LIMIT,
    });
    const full = stored.length >= MAX_QUERY_LIMIT;
    let rows = stored.reverse();
    if (order_id !== undefined) {
      const order = await orderById(ctx, order_id);
      const oldest = rows[0];
      if (full && order !== null && oldest !== undefined && order.created_ts_ms < oldest.ts_ms) {
        throw tooFar(
          `Order ${order_id} is older than the newest ${MAX_QUERY_LIMIT} trades of the symbol.`,
        );
      }
      rows = rows.filter((t) => t.order_id === order_id);
    }
    const picked = selectRange(
      rows,
      full && order_id === undefined,
      (t) => t.trade_id,
      (t) => t.ts_ms,
      r,
      "trades",
    );
    return picked.map((t) => myTradeJson(spec, symbols.nameOf(s), s, t));
  });

  route(app, "POST", "/userDataStream", STREAM, async (p, req) => {
    const { user_id } = userOf(req);
    p.done();
    return { listenKey: ctx.listen_keys.create(user_id).listen_key };
  });

  for (const method of ["PUT", "DELETE"] as const) {
    route(app, method, "/userDataStream", STREAM, async (p, req) => {
      const { user_id } = userOf(req);
      const key = p.required("listenKey");
      p.done();
      // An unknown, expired or another user's key fails as INVALID_LISTEN_KEY (-1125).
      if (method === "PUT") ctx.listen_keys.keepAlive(user_id, key);
      else ctx.listen_keys.close(user_id, key);
      return {};
    });
  }
}

/**
 * Bourse's fees are per symbol; the account-wide figures Binance shows are
 * the highest of them (in basis points, rounded down, and as fractions).
 */
function commissions(spec: Spec) {
  const maker = Math.max(...spec.symbols.map((s) => s.maker_fee_ppm));
  const taker = Math.max(...spec.symbols.map((s) => s.taker_fee_ppm));
  const rate = (ppm: number) => formatUnits(ppm * 100, 8);
  return {
    makerCommission: Math.floor(maker / 100),
    takerCommission: Math.floor(taker / 100),
    buyerCommission: 0,
    sellerCommission: 0,
    commissionRates: { maker: rate(maker), taker: rate(taker), buyer: rate(0), seller: rate(0) },
  };
}
