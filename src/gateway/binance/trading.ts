// Order routes: place (and test), query, cancel one, open orders and all
// orders (cancel-all and the trading commands are in lists.ts). Place and
// cancel answer with the core's real outcome after matching, as /api/v1
// does, in Binance's shapes; they emit the same gateway events, so
// `bourse trace` follows an order whichever surface took it.

import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import {
  ApiError,
  cancelCommand,
  formatUnits,
  Marker,
  type PlaceCmd,
  placeCommand,
  type SymbolSpec,
} from "../../core/mod.ts";
import type { OrderRow } from "../../store/mod.ts";
import { Header } from "../../transport/mod.ts";
import type { OrderReply } from "../../ubscore/mod.ts";
import { type Ctx, route, userOf } from "./context.ts";
import { BINANCE_CODES, badRequest, registryError } from "./errors.ts";
import { cancelledJson, orderJson, placedJson, statusText } from "./format.ts";
import { checkSpan, selectRange, tooFar } from "./history.ts";
import { openOrdersOf, orderByCid, orderById, ordersOf } from "./lookup.ts";
import { clientOrderIdParam, parseOrder } from "./orders.ts";
import type { Params } from "./params.ts";
import { placedRow, statusOf } from "./placed.ts";

const SIGNED = { security: "SIGNED" } as const;
const CANCEL = { security: "SIGNED", context: "cancel" } as const;

export function tradingRoutes(app: FastifyInstance, ctx: Ctx): void {
  const { spec, symbols } = ctx;

  route(app, "POST", "/order", SIGNED, async (p, req, reply) => placeOrder(ctx, p, req, reply));

  route(app, "POST", "/order/test", SIGNED, async (p, req) => {
    const { user_id } = userOf(req);
    const o = parseOrder(spec, symbols, p);
    const rates = p.bool("computeCommissionRates") ?? false;
    p.done();
    placeCommand(spec, { ...o.input, user_id }, ctx.now_ms());
    return rates ? commissionRates(o.s) : {};
  });

  route(app, "GET", "/order", SIGNED, async (p, req) => {
    const { user_id } = userOf(req);
    const s = symbols.get(p.required("symbol"));
    const target = targetOf(p);
    p.done();
    const row = await findOwn(ctx, user_id, s, target);
    if (row === null)
      throw badRequest(BINANCE_CODES.NO_SUCH_ORDER, "Order does not exist.", ApiError.NOT_FOUND);
    if (target.order_id !== undefined && target.cid !== undefined && row.cid !== target.cid) {
      throw badRequest(
        BINANCE_CODES.CLIENT_ORDER_ID_INVALID,
        "Client order ID is not correct for this order ID.",
      );
    }
    return orderJson(symbols.nameOf(s), s, row);
  });

  route(app, "DELETE", "/order", CANCEL, async (p, req) => {
    const { user_id } = userOf(req);
    const s = symbols.get(p.required("symbol"));
    const target = targetOf(p);
    const cancel_cid = clientOrderIdParam(spec, p);
    p.done();
    return cancelOne(ctx, req, user_id, s, target, cancel_cid);
  });

  route(app, "GET", "/openOrders", SIGNED, async (p, req) => {
    const { user_id } = userOf(req);
    const name = p.str("symbol");
    p.done();
    const s = name === undefined ? undefined : symbols.get(name);
    const { rows, full } = await openOrdersOf(ctx, user_id, s);
    if (full) throw tooFar("More than 1000 open orders; list them symbol by symbol.");
    return rows.map((r) => orderJson(symbols.nameOf(symbolOf(ctx, r)), symbolOf(ctx, r), r));
  });

  route(app, "GET", "/allOrders", SIGNED, async (p, req) => {
    const { user_id } = userOf(req);
    const s = symbols.get(p.required("symbol"));
    const r = {
      from_id: p.long("orderId"),
      start_ms: p.long("startTime"),
      end_ms: p.long("endTime"),
      limit: p.int("limit", 1, 1000) ?? 500,
    };
    p.done();
    checkSpan(r);
    const { rows, full } = await ordersOf(ctx, user_id, s);
    const picked = selectRange(
      rows,
      full,
      (o) => o.order_id,
      (o) => o.created_ts_ms,
      r,
      "orders",
    );
    return picked.map((o) => orderJson(symbols.nameOf(s), s, o));
  });
}

interface Target {
  order_id?: number | undefined;
  cid?: string | undefined;
}

function targetOf(p: Params): Target {
  const order_id = p.long("orderId");
  const cid = p.str("origClientOrderId");
  if (order_id === undefined && cid === undefined) {
    throw badRequest(
      BINANCE_CODES.MANDATORY_PARAM_EMPTY_OR_MALFORMED,
      "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty!",
    );
  }
  return { order_id, cid };
}

/** The user's order of this symbol, or null (another user's order reads as none). */
async function findOwn(
  ctx: Ctx,
  user_id: number,
  s: SymbolSpec,
  t: Target,
): Promise<OrderRow | null> {
  const row =
    t.order_id !== undefined
      ? await orderById(ctx, t.order_id)
      : await orderByCid(ctx, user_id, s, t.cid as string);
  return row !== null && row.user_id === user_id && row.symbol_id === s.id ? row : null;
}

function symbolOf(ctx: Ctx, r: OrderRow): SymbolSpec {
  const s = ctx.spec.symbolById[r.symbol_id];
  if (s === undefined) throw new Error(`order ${r.order_id} has unknown symbol ${r.symbol_id}`);
  return s;
}

async function placeOrder(ctx: Ctx, p: Params, req: FastifyRequest, reply: FastifyReply) {
  const { user_id, key } = userOf(req);
  const o = parseOrder(ctx.spec, ctx.symbols, p);
  p.done();
  const cmd: PlaceCmd = placeCommand(ctx.spec, { ...o.input, user_id }, ctx.now_ms());
  const base = { req_id: req.id, user_id, symbol: o.s.name };
  ctx.emit(Marker.ORDER_RECEIVED, {
    ...base,
    event_id: req.id,
    side: o.input.side,
    order_type: o.input.order_type,
    cid: cmd.cid,
  });
  let answer: OrderReply;
  try {
    answer = await ctx.backend.place(cmd, { [Header.Correlation]: req.id });
  } catch (err) {
    ctx.emit(Marker.ORDER_FAILED, { ...base, event_id: req.id, error: String(err) });
    throw err;
  }
  if (answer.code !== null || answer.status === "Rejected") {
    const code = answer.code ?? answer.reason ?? ApiError.INTERNAL.code;
    const event_id = answer.code !== null ? req.id : String(answer.order_id);
    ctx.emit(Marker.ORDER_REJECTED, { ...base, event_id, code });
    throw registryError(code);
  }
  const now = ctx.now_ms();
  const row = placedRow(cmd, answer, 0);
  ctx.emit(Marker.ORDER_ANSWERED, {
    ...base,
    event_id: String(answer.order_id),
    order_id: answer.order_id,
    status: answer.status,
    trades: answer.trades.length,
  });
  const counts = ctx.order_counts.add(key.api_key, now);
  reply.header("x-mbx-order-count-10s", String(counts.ten_s));
  reply.header("x-mbx-order-count-1d", String(counts.day));
  return placedJson(ctx.spec, ctx.symbols.nameOf(o.s), o.s, row, answer.trades, o.resp);
}

async function cancelOne(
  ctx: Ctx,
  req: FastifyRequest,
  user_id: number,
  s: SymbolSpec,
  t: Target,
  cancel_cid: string,
) {
  const known = await findOwn(ctx, user_id, s, t);
  if (known !== null && t.order_id !== undefined && t.cid !== undefined && known.cid !== t.cid) {
    throw registryError("UNKNOWN_ORDER");
  }
  if (known === null) {
    // Not shown yet (placed through another gateway an instant ago) or not
    // the caller's: the core decides, by id or client order id.
    const stored =
      t.order_id === undefined ? null : await ctx.backend.store.order({ order_id: t.order_id });
    if (stored !== null) throw registryError("UNKNOWN_ORDER");
  }
  const target =
    known !== null
      ? { order_id: known.order_id }
      : t.order_id !== undefined
        ? { order_id: t.order_id }
        : { cid: t.cid };
  const answer = await cancelAnswer(ctx, req, user_id, target);
  const row = known ?? (await orderById(ctx, answer.order_id));
  // The answer names the order's real symbol, which only an order not known here could differ in.
  const actual = ctx.spec.symbolById[answer.symbol_id] ?? s;
  const name = ctx.symbols.nameOf(actual);
  const ts = ctx.now_ms();
  if (row === null) return bareCancel(name, actual, answer, cancel_cid, ts, t.cid ?? "");
  return cancelledJson(name, actual, afterCancel(row, answer), cancel_cid, ts);
}

async function cancelAnswer(
  ctx: Ctx,
  req: FastifyRequest,
  user_id: number,
  target: { order_id?: number | undefined; cid?: string | undefined },
): Promise<OrderReply> {
  const cmd = cancelCommand(user_id, target, ctx.now_ms());
  const base = { req_id: req.id, user_id };
  const event_id = target.order_id === undefined ? req.id : String(target.order_id);
  ctx.emit(Marker.CANCEL_RECEIVED, {
    ...base,
    event_id,
    order_id: target.order_id ?? null,
    cid: target.cid ?? null,
  });
  let answer: OrderReply;
  try {
    answer = await ctx.backend.cancel(cmd, { [Header.Correlation]: req.id });
  } catch (err) {
    ctx.emit(Marker.CANCEL_FAILED, { ...base, event_id, error: String(err) });
    throw err;
  }
  if (answer.code !== null) {
    ctx.emit(Marker.CANCEL_REJECTED, { ...base, event_id, code: answer.code });
    throw registryError(answer.code);
  }
  ctx.emit(Marker.CANCEL_ANSWERED, {
    ...base,
    event_id: String(answer.order_id),
    order_id: answer.order_id,
    status: answer.status,
  });
  return answer;
}

function afterCancel(r: OrderRow, a: OrderReply): OrderRow {
  return {
    ...r,
    status: statusOf(a.status),
    filled_lots: a.filled_lots,
    remaining_lots: a.remaining_lots,
    filled_quote_units: a.filled_quote_units,
  };
}

/** What a cancel answer alone tells, when the order's other fields are not known here yet. */
function bareCancel(
  name: string,
  s: SymbolSpec,
  a: OrderReply,
  cancel_cid: string,
  ts: number,
  cid: string,
) {
  return {
    symbol: name,
    origClientOrderId: cid,
    orderId: a.order_id,
    orderListId: -1,
    clientOrderId: cancel_cid,
    transactTime: ts,
    executedQty: formatUnits(a.filled_lots * s.lot_units, s.base.decimals),
    cummulativeQuoteQty: formatUnits(a.filled_quote_units, s.quote.decimals),
    status: statusText(statusOf(a.status), 0),
  };
}

function commissionRates(s: SymbolSpec) {
  const rate = (ppm: number) => formatUnits(ppm * 100, 8);
  return {
    standardCommissionForOrder: { maker: rate(s.maker_fee_ppm), taker: rate(s.taker_fee_ppm) },
    specialCommissionForOrder: { maker: rate(0), taker: rate(0) },
    taxCommissionForOrder: { maker: rate(0), taker: rate(0) },
    discount: {
      enabledForAccount: false,
      enabledForSymbol: false,
      discountAsset: "",
      discount: rate(0),
    },
  };
}
