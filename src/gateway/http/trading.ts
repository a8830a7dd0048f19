// The trading commands beyond create and cancel: OCO pairs, amends,
// cancel-replace, cancel-all and the dead-man's switch. Each answers from the
// core's output for it, after matching, with the same order shapes as
// create and cancel, and refuses with the registry's codes.

import {
  ApiError,
  amendCommand,
  BourseError,
  type CancelReplaceCmd,
  type CoreOutput,
  cancelAllAfterCommand,
  cancelAllCommand,
  cancelReplaceCommand,
  errorById,
  isTerminal,
  ocoCommand,
  ocoLegs,
  type PlaceOcoCmd,
  Reject,
  type Spec,
} from "../../core/mod.ts";
import type { OrderRow } from "../../store/mod.ts";
import { Header } from "../../transport/mod.ts";
import { orderReplyFor } from "../../ubscore/mod.ts";
import { ok, type RouteContext, type TypedApp, userOf } from "./context.ts";
import { FailureWithData, refusal, specOfCode } from "./failure.ts";
import {
  cancelResultOf,
  cancelResultOfRow,
  type OrderTerms,
  orderOfRow,
  orderResultOf,
} from "./format.ts";
import { FAILURES, SIGNED } from "./route-schema.ts";
import {
  AmendRequest,
  CancelAllAfterRequest,
  CancelAllAfterResult,
  CancelAllRequest,
  CancelAllResult,
  CancelReplaceRequest,
  CancelReplaceResult,
  type CancelResult,
  OcoRequest,
  OcoResult,
  Ok,
  type OrderResult,
  OrderResult as OrderResultSchema,
} from "./schemas.ts";

function orderIdOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const id = Number(text);
  if (!Number.isSafeInteger(id)) {
    throw new BourseError(ApiError.VALIDATION, `body.order_id ${text} is not a known order id`);
  }
  return id;
}

function codeOf(id: number): string | null {
  return id === 0 ? null : errorById(id).code;
}

/** The result of an order the output placed (or meant to place) with these terms. */
function resultOf(
  spec: Spec,
  out: CoreOutput,
  terms: OrderTerms,
  order_id: number,
  reject = out.reject,
) {
  return orderResultOf(spec, terms, orderReplyFor(out, order_id, spec, "order", reject));
}

/** An answer whose order ended Rejected is a failure carrying the answer, as create's is. */
function failIfRejected(what: string, order: OrderResult, reason: string | null, data: unknown) {
  if (order.status !== "Rejected") return;
  const spec = specOfCode(reason ?? ApiError.INTERNAL.code);
  throw new FailureWithData(spec, `${what} ${order.order_id} rejected: ${spec.message}`, data);
}

/** The two legs of an accepted OCO, as placed, each naming the other. */
function ocoTerms(c: PlaceOcoCmd, out: CoreOutput): [OrderTerms, OrderTerms] {
  const [limit, stop] = ocoLegs(c);
  return [
    { ...limit, ts_ms: c.ts_ms, oco_order_id: out.other_order_id },
    { ...stop, ts_ms: c.ts_ms, oco_order_id: out.order_id },
  ];
}

/** The cancel-replace's two halves, each with its outcome or the code that stopped it. */
function cancelReplaceResultOf(spec: Spec, cmd: CancelReplaceCmd, out: CoreOutput) {
  const cancel_code = codeOf(out.other_reject);
  const cancel: CancelResult | null =
    cancel_code === null
      ? cancelResultOf(spec, orderReplyFor(out, out.other_order_id, spec, "cancel", 0))
      : null;
  const placed = out.order_id !== 0;
  const order = placed
    ? resultOf(spec, out, { ...cmd.order, ts_ms: cmd.ts_ms }, out.order_id)
    : null;
  const order_code = placed ? null : codeOf(out.reject);
  return { cancel, cancel_code, order, order_code };
}

export function tradingRoutes(app: TypedApp, ctx: RouteContext): void {
  const { backend, spec } = ctx;
  const config = { access: "user" as const };
  const headersOf = (id: string) => ({ [Header.Correlation]: id });
  /** An order's row once settlement holds this user's last write. */
  const settledRow = async (user_id: number, order_id: number): Promise<OrderRow> => {
    const q = { order_id, user_id };
    const row = await backend.store.order(q);
    if (row === null) {
      throw new BourseError(ApiError.INTERNAL, `order ${order_id} has no settled row`);
    }
    return row;
  };

  app.post(
    "/api/v1/order/oco",
    {
      config,
      schema: {
        tags: ["orders"],
        summary:
          "Place a one-cancels-the-other pair: a GTC limit leg and a stop leg; the first trade, trigger or end of either cancels the other",
        security: SIGNED,
        body: OcoRequest,
        response: { 200: Ok(OcoResult), ...FAILURES },
      },
    },
    async (req) => {
      const cmd = ocoCommand(spec, { ...req.body, user_id: userOf(req) }, ctx.now_ms());
      const out = await backend.trade(cmd, headersOf(req.id));
      if (out.order_id === 0) throw refusal(codeOf(out.reject) ?? ApiError.INTERNAL.code);
      const [limit, stop] = ocoTerms(cmd, out);
      const orders = [
        resultOf(spec, out, limit, out.order_id),
        resultOf(spec, out, stop, out.other_order_id),
      ];
      const data = { orders };
      // A leg the book refused without an update of its own carries the output's refusal.
      for (const o of orders) failIfRejected("OCO leg", o, o.reason ?? codeOf(out.reject), data);
      return ok(data);
    },
  );

  app.post(
    "/api/v1/order/amend",
    {
      config,
      schema: {
        tags: ["orders"],
        summary:
          "Change an open order's price and/or total quantity; a lower quantity keeps its place in the queue",
        security: SIGNED,
        body: AmendRequest,
        response: { 200: Ok(OrderResultSchema), ...FAILURES },
      },
    },
    async (req) => {
      const user_id = userOf(req);
      const b = req.body;
      const cmd = amendCommand(
        spec,
        { ...b, order_id: orderIdOf(b.order_id), user_id },
        ctx.now_ms(),
      );
      const out = await backend.trade(cmd, headersOf(req.id));
      if (out.reject !== 0) throw refusal(codeOf(out.reject) as string);
      // The order's terms are in settlement's row, the amend's new ones included.
      const row = await settledRow(user_id, out.order_id);
      const reply = orderReplyFor(out, out.order_id, spec, "order");
      const { trades } = orderResultOf(spec, { ...row, ts_ms: row.created_ts_ms }, reply);
      return ok({ ...orderOfRow(spec, row), trades });
    },
  );

  app.post(
    "/api/v1/order/cancel_replace",
    {
      config,
      schema: {
        tags: ["orders"],
        summary: "Cancel an open order and place another in its symbol, in one step",
        security: SIGNED,
        body: CancelReplaceRequest,
        response: { 200: Ok(CancelReplaceResult), ...FAILURES },
      },
    },
    async (req) => {
      const b = req.body;
      const cmd = cancelReplaceCommand(
        spec,
        userOf(req),
        { order_id: orderIdOf(b.order_id), cid: b.cid },
        b.mode,
        b.order,
        ctx.now_ms(),
      );
      const out = await backend.trade(cmd, headersOf(req.id));
      const data = cancelReplaceResultOf(spec, cmd, out);
      // The half that failed names the failure; NOT_ATTEMPTED only says the other one did.
      const failed = [data.order_code, data.cancel_code].filter((c) => c !== null) as string[];
      const code = failed.find((c) => c !== Reject.NOT_ATTEMPTED.code) ?? failed[0];
      if (code !== undefined) {
        const s = specOfCode(code);
        throw new FailureWithData(s, `cancel-replace failed: ${s.message}`, data);
      }
      if (data.order !== null) {
        failIfRejected("order", data.order, data.order.reason ?? codeOf(out.reject), data);
      }
      return ok(data);
    },
  );

  app.post(
    "/api/v1/order/cancel_all",
    {
      config,
      schema: {
        tags: ["orders"],
        summary: "Cancel all your open orders (waiting stops included), in one symbol or every one",
        security: SIGNED,
        body: CancelAllRequest,
        response: { 200: Ok(CancelAllResult), ...FAILURES },
      },
    },
    async (req) => {
      const user_id = userOf(req);
      const cmd = cancelAllCommand(spec, user_id, req.body.symbol, ctx.now_ms());
      const out = await backend.trade(cmd, headersOf(req.id));
      if (out.reject !== 0) throw refusal(codeOf(out.reject) as string);
      const ids = new Set<number>();
      for (const u of out.updates) {
        // A dead-man's switch that came due with this command cancels other users' orders first.
        if (u.user_id === user_id && isTerminal(u.status)) ids.add(u.order_id);
      }
      // Over every symbol, only the rows name each order's symbol.
      const sorted = [...ids].sort((a, b) => a - b);
      const rows = await Promise.all(sorted.map((id) => settledRow(user_id, id)));
      return ok({ cancelled: rows.map((r) => cancelResultOfRow(spec, r)) });
    },
  );

  app.post(
    "/api/v1/order/cancel_all_after",
    {
      config,
      schema: {
        tags: ["orders"],
        summary:
          "The dead-man's switch: cancel all your orders unless called again within timeout_ms (0 turns it off)",
        security: SIGNED,
        body: CancelAllAfterRequest,
        response: { 200: Ok(CancelAllAfterResult), ...FAILURES },
      },
    },
    async (req) => {
      const { timeout_ms } = req.body;
      const cmd = cancelAllAfterCommand(userOf(req), timeout_ms, ctx.now_ms());
      const out = await backend.trade(cmd, headersOf(req.id));
      if (out.reject !== 0) throw refusal(codeOf(out.reject) as string);
      return ok({ timeout_ms, armed: timeout_ms > 0 });
    },
  );
}
