// Operator routes that read rather than change: the timeline of one event id
// (what `bourse trace --json` prints), so the operator console can show it.
// The gateway does not scan logs itself: whoever starts it passes a lookup
// that knows where the logs and the settlement database are.

import { Type } from "typebox";
import { ApiError, BourseError } from "../../core/mod.ts";
import { ok, type TypedApp } from "./context.ts";
import { FAILURES, SIGNED } from "./route-schema.ts";
import { Ok } from "./schemas.ts";

/** A trace result (src/trace TraceResult): `status` is complete, incomplete or not_found. */
export interface TraceAnswer {
  readonly status: string;
  readonly [field: string]: unknown;
}

/**
 * Looks one id up; throws a BourseError (VALIDATION for what is not an id).
 * `bourse start` and `bourse gateway` pass one built on src/trace.
 */
export type TraceLookup = (id: string) => Promise<TraceAnswer>;

const TraceQuery = Type.Object(
  {
    id: Type.String({
      minLength: 1,
      maxLength: 200,
      description:
        "A deposit or withdrawal event id, an order id, a trade id or a request id; prefix order:, trade:, request: or transfer: to say which",
    }),
  },
  { additionalProperties: false },
);

export function adminRoutes(app: TypedApp, lookup: TraceLookup | undefined): void {
  app.get(
    "/api/v1/admin/trace",
    {
      config: { access: "operator" },
      schema: {
        tags: ["admin"],
        summary:
          "One event's timeline across the services' logs and the settlement database (operator key)",
        security: SIGNED,
        querystring: TraceQuery,
        response: { 200: Ok(Type.Unknown()), ...FAILURES },
      },
    },
    async (req) => {
      if (lookup === undefined) {
        throw new BourseError(ApiError.UNAVAILABLE, "this gateway was started without traces");
      }
      const result = await lookup(req.query.id);
      if (result.status === "not_found") {
        throw new BourseError(ApiError.NOT_FOUND, `no log line or row mentions ${req.query.id}`);
      }
      return ok(result);
    },
  );
}
