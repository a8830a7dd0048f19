// The core's trading commands in Binance's shapes: cancel-all of a symbol
// (DELETE /api/v3/openOrders) as one command, cancel-replace
// (POST /api/v3/order/cancelReplace), OCO order lists
// (POST /api/v3/orderList/oco) and amend keeping priority
// (PUT /api/v3/order/amend/keepPriority). Each answers from the core's
// output after matching and the settled rows, as the order routes do.

import type { FastifyReply, FastifyRequest } from "fastify";
import {
  amendCommand,
  CommandKind,
  type CoreOutput,
  cancelAllCommand,
  cancelReplaceCommand,
  errorById,
  isTerminal,
  OrderStatus,
  ocoCommand,
  orderTypeName,
  qtyLots,
  Reject,
} from "../../core/mod.ts";
import type { OrderRow } from "../../store/mod.ts";
import { Header } from "../../transport/mod.ts";
import { orderReplyFor } from "../../ubscore/mod.ts";
import { type Ctx, route, userOf } from "./context.ts";
import {
  BINANCE_CODES,
  badRequest,
  failureOf,
  invalidData,
  mandatory,
  registryError,
} from "./errors.ts";
import { cancelledJson, orderJson, orderListIdOf, placedJson, STOP_TYPES } from "./format.ts";
import { clientOrderIdParam, parseOrder } from "./orders.ts";
import type { Params } from "./params.ts";
import { placedRow } from "./placed.ts";

const CANCEL = { security: "SIGNED", context: "cancel" } as const;
const SIGNED = { security: "SIGNED" } as const;

function codeOf(id: number): string | null {
  return id === 0 ? null : errorById(id).code;
}

/** The settled rows of the orders an output names, in its order. */
async function rowsOf(ctx: Ctx, user_id: number, ids: readonly number[]): Promise<OrderRow[]> {
  const rows: OrderRow[] = [];
  for (const order_id of ids) {
    const q = { order_id, user_id };
    const row = await ctx.backend.store.order(q);
    if (row === null) throw new Error(`order ${order_id} has no settled row`);
    rows.push(row);
  }
  return rows;
}

/** A refusal in Binance's {code, msg} form, for the halves of a cancel-replace. */
function errorJson(code: string, context: "default" | "cancel") {
  const f = failureOf(registryError(code), 0, context);
  return { code: f.answer.code, msg: f.answer.msg };
}

export function listRoutes(app: Parameters<typeof route>[0], ctx: Ctx): void {
  const { spec, symbols } = ctx;
  const submit = (req: FastifyRequest, cmd: Parameters<Ctx["backend"]["trade"]>[0]) =>
    ctx.backend.trade(cmd, { [Header.Correlation]: req.id });

  route(app, "DELETE", "/openOrders", CANCEL, async (p, req) => {
    const { user_id } = userOf(req);
    const s = symbols.get(p.required("symbol"));
    const cancel_cid = clientOrderIdParam(spec, p);
    p.done();
    const out = await submit(req, cancelAllCommand(spec, user_id, s.name, ctx.now_ms()));
    if (out.reject !== 0) throw registryError(codeOf(out.reject) as string);
    const ids = out.updates
      .filter((u) => u.user_id === user_id && isTerminal(u.status))
      .map((u) => u.order_id)
      .sort((a, b) => a - b);
    if (ids.length === 0) throw registryError("UNKNOWN_ORDER");
    const ts = ctx.now_ms();
    const rows = await rowsOf(ctx, user_id, [...new Set(ids)]);
    return rows.map((r) => cancelledJson(symbols.nameOf(s), s, r, cancel_cid, ts));
  });

  route(app, "POST", "/order/cancelReplace", SIGNED, async (p, req, reply) =>
    cancelReplace(ctx, p, req, reply),
  );

  route(app, "POST", "/orderList/oco", SIGNED, async (p, req) => placeOco(ctx, p, req));

  route(app, "PUT", "/order/amend/keepPriority", SIGNED, async (p, req) => {
    const { user_id } = userOf(req);
    const s = symbols.get(p.required("symbol"));
    const order_id = p.long("orderId");
    const cid = p.str("origClientOrderId");
    if (order_id === undefined && cid === undefined) {
      throw badRequest(
        BINANCE_CODES.MANDATORY_PARAM_EMPTY_OR_MALFORMED,
        "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty!",
      );
    }
    const newQty = p.decimal("newQty");
    if (newQty === undefined) throw mandatory("newQty");
    p.done();
    const target = order_id !== undefined ? { order_id } : { cid };
    // keepPriority only lowers the quantity: a higher one would lose the order's place.
    const current =
      order_id !== undefined
        ? await ctx.backend.store.order({ order_id })
        : await ctx.backend.store.order({ user_id, cid: cid as string });
    if (current !== null && current.user_id === user_id && qtyLots(s, newQty) >= current.qty_lots) {
      throw badRequest(
        BINANCE_CODES.INVALID_MESSAGE,
        "Order amend (quantity increase) is not supported.",
        Reject.AMEND_NOT_ALLOWED,
      );
    }
    const cmd = amendCommand(
      spec,
      { user_id, symbol: s.name, ...target, quantity: newQty },
      ctx.now_ms(),
    );
    const out = await submit(req, cmd);
    if (out.reject !== 0) throw registryError(codeOf(out.reject) as string);
    const [amended] = await rowsOf(ctx, user_id, [out.order_id]);
    const o = orderJson(symbols.nameOf(s), s, amended as OrderRow);
    return {
      transactTime: ctx.now_ms(),
      executionId: out.output_seq,
      amendedOrder: {
        symbol: o.symbol,
        orderId: o.orderId,
        orderListId: o.orderListId,
        origClientOrderId: o.clientOrderId,
        clientOrderId: o.clientOrderId,
        price: o.price,
        qty: o.origQty,
        executedQty: o.executedQty,
        preventedQty: "0",
        quoteOrderQty: o.origQuoteOrderQty,
        cumulativeQuoteQty: o.cummulativeQuoteQty,
        status: o.status,
        timeInForce: o.timeInForce,
        side: o.side,
        type: o.type,
        workingTime: o.workingTime,
        selfTradePreventionMode: o.selfTradePreventionMode,
      },
    };
  });
}

async function cancelReplace(ctx: Ctx, p: Params, req: FastifyRequest, reply: FastifyReply) {
  const { user_id } = userOf(req);
  const mode = p.oneOf("cancelReplaceMode", ["STOP_ON_FAILURE", "ALLOW_FAILURE"] as const, () =>
    invalidData("cancelReplaceMode"),
  );
  if (mode === undefined) throw mandatory("cancelReplaceMode");
  const cancel_id = p.long("cancelOrderId");
  const cancel_cid = p.str("cancelOrigClientOrderId");
  if (cancel_id === undefined && cancel_cid === undefined) {
    throw badRequest(
      BINANCE_CODES.MANDATORY_PARAM_EMPTY_OR_MALFORMED,
      "Param 'cancelOrigClientOrderId' or 'cancelOrderId' must be sent, but both were empty!",
    );
  }
  const new_cancel_cid = clientOrderIdParam(ctx.spec, p, "cancelNewClientOrderId");
  const o = parseOrder(ctx.spec, ctx.symbols, p);
  p.done();
  const cmd = cancelReplaceCommand(
    ctx.spec,
    user_id,
    cancel_id !== undefined ? { order_id: cancel_id } : { cid: cancel_cid },
    mode === "STOP_ON_FAILURE" ? "StopOnFailure" : "AllowFailure",
    o.input,
    ctx.now_ms(),
  );
  const out = await ctx.backend.trade(cmd, { [Header.Correlation]: req.id });
  const name = ctx.symbols.nameOf(o.s);
  const ts = ctx.now_ms();
  const cancelCode = codeOf(out.other_reject);
  const newCode = out.order_id === 0 ? codeOf(out.reject) : null;
  const cancelResponse =
    cancelCode === null
      ? cancelledJson(
          name,
          o.s,
          (await rowsOf(ctx, user_id, [out.other_order_id]))[0] as OrderRow,
          new_cancel_cid,
          ts,
        )
      : errorJson(cancelCode, "cancel");
  const placed = out.order_id !== 0 ? orderReplyFor(out, out.order_id, ctx.spec, "order") : null;
  const newOrderResponse =
    placed !== null
      ? placedJson(
          ctx.spec,
          name,
          o.s,
          placedRow(
            { ...cmd.order, kind: CommandKind.Place, user_id, ts_ms: cmd.ts_ms, corr: "" },
            placed,
            out.output_seq,
          ),
          placed.trades,
          o.resp,
        )
      : errorJson(newCode as string, "default");
  const result = (code: string | null) =>
    code === null ? "SUCCESS" : code === "NOT_ATTEMPTED" ? "NOT_ATTEMPTED" : "FAILURE";
  const data = {
    cancelResult: result(cancelCode),
    newOrderResult: result(newCode),
    cancelResponse,
    newOrderResponse,
  };
  if (cancelCode === null && newCode === null) return data;
  // Binance: -2021 when one half succeeded, -2022 when neither did.
  const partial = cancelCode === null || newCode === null;
  reply.code(partial ? 409 : 400);
  return {
    code: partial ? -2021 : -2022,
    msg: partial ? "Order cancel-replace partially failed." : "Order cancel-replace failed.",
    data,
  };
}

/** The above leg and the below leg of an OCO, as Binance names them. */
const LEG_TYPES = ["LIMIT_MAKER", ...(Object.keys(STOP_TYPES) as (keyof typeof STOP_TYPES)[])];

async function placeOco(ctx: Ctx, p: Params, req: FastifyRequest) {
  const { user_id } = userOf(req);
  const s = ctx.symbols.get(p.required("symbol"));
  const side = p.oneOf("side", ["BUY", "SELL"] as const, () =>
    badRequest(BINANCE_CODES.INVALID_SIDE, "Invalid side."),
  );
  if (side === undefined) throw mandatory("side");
  const quantity = p.decimal("quantity");
  if (quantity === undefined) throw mandatory("quantity");
  const leg = (at: "above" | "below") => {
    const type = p.oneOf(`${at}Type`, LEG_TYPES, () =>
      badRequest(BINANCE_CODES.INVALID_ORDER_TYPE, "Invalid orderType."),
    );
    if (type === undefined) throw mandatory(`${at}Type`);
    return {
      type,
      cid: p.str(`${at}ClientOrderId`),
      price: p.decimal(`${at}Price`),
      stop_price: p.decimal(`${at}StopPrice`),
      tif: p.oneOf(`${at}TimeInForce`, ["GTC", "IOC", "FOK"] as const, () =>
        badRequest(BINANCE_CODES.INVALID_TIF, "Invalid timeInForce."),
      ),
    };
  };
  const above = leg("above");
  const below = leg("below");
  const list_cid = p.str("listClientOrderId");
  const stp = p.str("selfTradePreventionMode");
  p.done();
  // Bourse pairs a limit leg with a stop leg: the limit leg is the LIMIT_MAKER one.
  const limit = above.type === "LIMIT_MAKER" ? above : below.type === "LIMIT_MAKER" ? below : null;
  const stop = limit === above ? below : above;
  if (limit === null || stop.type === "LIMIT_MAKER") {
    throw badRequest(
      BINANCE_CODES.UNKNOWN_ORDER_COMPOSITION,
      "Unsupported order combination. One leg must be LIMIT_MAKER and the other a stop or take-profit type.",
    );
  }
  if (limit.price === undefined) throw mandatory(`${limit === above ? "above" : "below"}Price`);
  if (stop.stop_price === undefined) {
    throw mandatory(`${stop === above ? "above" : "below"}StopPrice`);
  }
  const stopType = STOP_TYPES[stop.type as keyof typeof STOP_TYPES];
  const cmd = ocoCommand(
    ctx.spec,
    {
      user_id,
      symbol: s.name,
      side: side === "BUY" ? "Buy" : "Sell",
      quantity,
      price: limit.price,
      post_only: true,
      cid: limit.cid,
      stop_type: orderTypeName[stopType as number] as string,
      stop_price: stop.stop_price,
      stop_limit_price: stop.price,
      stop_time_in_force: stop.tif,
      stop_cid: stop.cid,
      ...(stp === undefined ? {} : { stp: stpOf(stp) }),
    },
    ctx.now_ms(),
  );
  const out: CoreOutput = await ctx.backend.trade(cmd, { [Header.Correlation]: req.id });
  if (out.order_id === 0) throw registryError(codeOf(out.reject) as string);
  const rows = await rowsOf(ctx, user_id, [out.order_id, out.other_order_id]);
  for (const r of rows) {
    if (r.status === OrderStatus.Rejected) throw registryError(codeOf(r.reason) ?? "INTERNAL");
  }
  const name = ctx.symbols.nameOf(s);
  const ts = ctx.now_ms();
  const listId = orderListIdOf(rows[0] as OrderRow);
  const done = rows.every((r) => isTerminal(r.status));
  // Binance lists the below leg first.
  const ordered = limit === below ? rows : [...rows].reverse();
  return {
    orderListId: listId,
    contingencyType: "OCO",
    listStatusType: done ? "ALL_DONE" : "EXEC_STARTED",
    listOrderStatus: done ? "ALL_DONE" : "EXECUTING",
    listClientOrderId: list_cid ?? `oco-${listId}`,
    transactionTime: ts,
    symbol: name,
    orders: ordered.map((r) => ({ symbol: name, orderId: r.order_id, clientOrderId: r.cid })),
    orderReports: ordered.map((r) => {
      const {
        isWorking: _,
        icebergQty: __,
        time: ___,
        updateTime: ____,
        ...rest
      } = orderJson(name, s, r);
      return { ...rest, transactTime: ts };
    }),
  };
}

function stpOf(name: string): string {
  const byName: Record<string, string> = {
    EXPIRE_TAKER: "ExpireTaker",
    EXPIRE_MAKER: "ExpireMaker",
    EXPIRE_BOTH: "ExpireBoth",
  };
  const v = byName[name];
  if (v === undefined) throw invalidData("selfTradePreventionMode");
  return v;
}
