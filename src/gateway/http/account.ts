// Balances (user keys) and the operator's deposits and withdrawals. A
// transfer answers only once UBSCore applied (or refused) it durably; a retry
// with the same request_id answers "duplicate" with the first result.

import { Type } from "typebox";
import {
  CommandKind,
  DEPOSIT_MARKERS,
  transferCommand,
  transferEventIdOf,
  WITHDRAW_MARKERS,
} from "../../core/mod.ts";
import { Header } from "../../transport/mod.ts";
import type { TransferReply } from "../../ubscore/mod.ts";
import { ok, type RouteContext, type TypedApp, userOf } from "./context.ts";
import { explainTransfer } from "./explain.ts";
import { refusal } from "./failure.ts";
import { balancesOf, transferResultOf } from "./format.ts";
import { FAILURES, SIGNED } from "./route-schema.ts";
import { Balance, Ok, TransferRequest, TransferResult } from "./schemas.ts";

export function accountRoutes(app: TypedApp, ctx: RouteContext): void {
  const { backend, spec, emit } = ctx;

  app.get(
    "/api/v1/user/balance",
    {
      config: { access: "user" },
      schema: {
        tags: ["account"],
        summary: "Your available and frozen balance of every asset, live from UBSCore",
        security: SIGNED,
        response: { 200: Ok(Type.Array(Balance)), ...FAILURES },
      },
    },
    async (req) => ok(balancesOf(spec, await backend.balances(userOf(req)))),
  );

  for (const [path, kind, marker, summary] of [
    [
      "/api/v1/user/transfer_in",
      CommandKind.Deposit,
      DEPOSIT_MARKERS,
      "Credit a user's available balance (operator key)",
    ],
    [
      "/api/v1/user/transfer_out",
      CommandKind.Withdraw,
      WITHDRAW_MARKERS,
      "Debit a user's available balance (operator key)",
    ],
  ] as const) {
    app.post(
      path,
      {
        config: { access: "operator" },
        schema: {
          tags: ["account"],
          summary,
          security: SIGNED,
          body: TransferRequest,
          response: { 200: Ok(TransferResult), ...FAILURES },
        },
      },
      async (req) => {
        const b = req.body;
        const cmd = transferCommand(spec, kind, b, ctx.now_ms());
        const event_id = transferEventIdOf(cmd);
        const fields = {
          event_id,
          req_id: req.id,
          user_id: b.user_id,
          request_id: b.request_id,
          asset: b.asset,
          amount: b.amount,
        };
        emit(marker.RECEIVED, fields);
        let reply: TransferReply;
        try {
          reply = await backend.transfer(cmd, {
            [Header.EventId]: event_id,
            [Header.Correlation]: req.id,
          });
        } catch (err) {
          emit(marker.FAILED, { ...fields, error: String(err) });
          throw err;
        }
        // Every service logs a retry under its own id; the reply names the first application's.
        const answered =
          reply.duplicate && reply.event_id !== fields.event_id
            ? { ...fields, first_event_id: reply.event_id }
            : fields;
        if (reply.code !== null) {
          emit(marker.REJECTED, { ...answered, code: reply.code, duplicate: reply.duplicate });
          throw refusal(reply.code, explainTransfer(spec, cmd, reply.code, reply.duplicate));
        }
        emit(marker.ANSWERED, { ...answered, duplicate: reply.duplicate });
        return ok(transferResultOf(spec, reply));
      },
    );
  }
}
