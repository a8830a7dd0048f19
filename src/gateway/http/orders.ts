// Orders: create, cancel, and the user's own open orders, order history and
// trades. Create and cancel answer with UBSCore's real outcome, after matching.

import { Type } from "typebox";
import {
  ApiError,
  BourseError,
  cancelCommand,
  Marker,
  placeCommand,
  type Spec,
  symbolOf,
} from "../../core/mod.ts";
import type { UserQuery } from "../../store/mod.ts";
import { Header } from "../../transport/mod.ts";
import { ok, type RouteContext, type TypedApp, userOf } from "./context.ts";
import { explainOrder } from "./explain.ts";
import { FailureWithData, refusal, specOfCode } from "./failure.ts";
import { cancelResultOf, orderOfRow, orderResultOf, userTradeOfRow } from "./format.ts";
import { FAILURES, SIGNED } from "./route-schema.ts";
import {
  CancelOrderRequest,
  CancelResult,
  CreateOrderRequest,
  ListQuery,
  Ok,
  Order,
  OrderResult,
  UserTrade,
} from "./schemas.ts";

export const DEFAULT_LIMIT = 100;

function userQuery(spec: Spec, user_id: number, q: ListQuery): UserQuery {
  const out: UserQuery = { user_id, limit: q.limit ?? DEFAULT_LIMIT };
  if (q.symbol !== undefined) out.symbol_id = symbolOf(spec, q.symbol).id;
  return out;
}

function orderIdOf(text: string): number {
  const id = Number(text);
  if (!Number.isSafeInteger(id)) {
    throw new BourseError(ApiError.VALIDATION, `body.order_id ${text} is not a known order id`);
  }
  return id;
}

export function orderRoutes(app: TypedApp, ctx: RouteContext): void {
  const { backend, spec, emit } = ctx;

  app.post(
    "/api/v1/order/create",
    {
      config: { access: "user" },
      schema: {
        tags: ["orders"],
        summary: "Place an order; answers with its status and fills after matching",
        security: SIGNED,
        body: CreateOrderRequest,
        response: { 200: Ok(OrderResult), ...FAILURES },
      },
    },
    async (req) => {
      const user_id = userOf(req);
      const b = req.body;
      const cmd = placeCommand(spec, { ...b, user_id }, ctx.now_ms());
      const base = { req_id: req.id, user_id, symbol: b.symbol };
      emit(Marker.ORDER_RECEIVED, {
        ...base,
        event_id: req.id,
        side: b.side,
        order_type: b.order_type,
        cid: b.cid ?? null,
      });
      let reply: Awaited<ReturnType<typeof backend.place>>;
      try {
        reply = await backend.place(cmd, { [Header.Correlation]: req.id });
      } catch (err) {
        emit(Marker.ORDER_FAILED, { ...base, event_id: req.id, error: String(err) });
        throw err;
      }
      if (reply.code !== null) {
        emit(Marker.ORDER_REJECTED, { ...base, event_id: req.id, code: reply.code });
        throw refusal(reply.code, explainOrder(spec, cmd, b, reply.code));
      }
      const result = orderResultOf(spec, cmd, reply);
      const order_id = result.order_id;
      if (result.status === "Rejected") {
        const code = reply.reason ?? ApiError.INTERNAL.code;
        emit(Marker.ORDER_REJECTED, {
          ...base,
          event_id: order_id,
          order_id: reply.order_id,
          code,
        });
        const reason = specOfCode(code);
        throw new FailureWithData(reason, `order ${order_id} rejected: ${reason.message}`, result);
      }
      emit(Marker.ORDER_ANSWERED, {
        ...base,
        event_id: order_id,
        // A number, as every other service logs it (jq matches by type).
        order_id: reply.order_id,
        status: result.status,
        trades: result.trades.length,
      });
      return ok(result);
    },
  );

  app.post(
    "/api/v1/order/cancel",
    {
      config: { access: "user" },
      schema: {
        tags: ["orders"],
        summary: "Cancel one of your open orders, by order_id or cid",
        security: SIGNED,
        body: CancelOrderRequest,
        response: { 200: Ok(CancelResult), ...FAILURES },
      },
    },
    async (req) => {
      const user_id = userOf(req);
      const b = req.body;
      const target: { order_id?: number; cid?: string } = {};
      if (b.order_id !== undefined) target.order_id = orderIdOf(b.order_id);
      if (b.cid !== undefined) target.cid = b.cid;
      const cmd = cancelCommand(user_id, target, ctx.now_ms());
      const base = { req_id: req.id, user_id };
      const event_id = b.order_id ?? req.id;
      emit(Marker.CANCEL_RECEIVED, {
        ...base,
        event_id,
        order_id: b.order_id === undefined ? null : Number(b.order_id),
        cid: b.cid ?? null,
      });
      let reply: Awaited<ReturnType<typeof backend.cancel>>;
      try {
        reply = await backend.cancel(cmd, { [Header.Correlation]: req.id });
      } catch (err) {
        emit(Marker.CANCEL_FAILED, { ...base, event_id, error: String(err) });
        throw err;
      }
      if (reply.code !== null) {
        emit(Marker.CANCEL_REJECTED, { ...base, event_id, code: reply.code });
        throw refusal(reply.code);
      }
      const result = cancelResultOf(spec, reply);
      emit(Marker.CANCEL_ANSWERED, {
        ...base,
        event_id: result.order_id,
        order_id: reply.order_id,
        status: result.status,
      });
      return ok(result);
    },
  );

  const list = { config: { access: "user" as const }, security: SIGNED };

  app.get(
    "/api/v1/order/active",
    {
      config: list.config,
      schema: {
        tags: ["orders"],
        summary:
          "Your open orders (New, PartiallyFilled, and stops Untriggered or Triggered), newest first",
        security: list.security,
        querystring: ListQuery,
        response: { 200: Ok(Type.Array(Order)), ...FAILURES },
      },
    },
    async (req) => {
      const rows = await backend.store.activeOrders(userQuery(spec, userOf(req), req.query));
      return ok(rows.map((r) => orderOfRow(spec, r)));
    },
  );

  app.get(
    "/api/v1/order/history",
    {
      config: list.config,
      schema: {
        tags: ["orders"],
        summary: "Your orders of every status, newest first",
        security: list.security,
        querystring: ListQuery,
        response: { 200: Ok(Type.Array(Order)), ...FAILURES },
      },
    },
    async (req) => {
      const rows = await backend.store.orderHistory(userQuery(spec, userOf(req), req.query));
      return ok(rows.map((r) => orderOfRow(spec, r)));
    },
  );

  app.get(
    "/api/v1/order/trades",
    {
      config: list.config,
      schema: {
        tags: ["orders"],
        summary: "Your side of your trades, newest first",
        security: list.security,
        querystring: ListQuery,
        response: { 200: Ok(Type.Array(UserTrade)), ...FAILURES },
      },
    },
    async (req) => {
      const rows = await backend.store.userTrades(userQuery(spec, userOf(req), req.query));
      return ok(rows.map((r) => userTradeOfRow(spec, r)));
    },
  );
}
