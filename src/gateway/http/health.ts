// What orchestrators and scrapers poll: liveness (the process answers),
// readiness (the exchange behind it can take traffic) and Prometheus metrics.

import { Type } from "typebox";
import { ApiError, BourseError } from "../../core/mod.ts";
import type { MetricsSource } from "../../obs/mod.ts";
import type { ExchangeBackend } from "../backend.ts";
import { ok, type TypedApp } from "./context.ts";
import { FAILURES } from "./route-schema.ts";
import { Health, Ok } from "./schemas.ts";

export function healthRoutes(
  app: TypedApp,
  backend: ExchangeBackend,
  metrics: MetricsSource | undefined,
): void {
  app.get(
    "/livez",
    {
      schema: {
        tags: ["health"],
        summary: "200 while the process runs",
        response: { 200: Ok(Health), ...FAILURES },
      },
    },
    async () => ok({ status: "live" as const }),
  );

  app.get(
    "/readyz",
    {
      schema: {
        tags: ["health"],
        summary:
          "200 when the exchange can take traffic; 503 while starting, recovering or stopping",
        response: { 200: Ok(Health), ...FAILURES },
      },
    },
    async () => {
      if (!backend.ready()) {
        throw new BourseError(ApiError.UNAVAILABLE, "the exchange is not ready");
      }
      return ok({ status: "ready" as const });
    },
  );

  if (metrics !== undefined) {
    app.get(
      "/metrics",
      {
        schema: {
          tags: ["health"],
          summary: "Prometheus metrics (text exposition format)",
          response: { 200: Type.String(), ...FAILURES },
        },
      },
      async (_req, reply) => {
        const body = await metrics.metrics();
        return reply.type(metrics.contentType).send(body);
      },
    );
  }
}
