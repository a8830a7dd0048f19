// The gateway's hooks wired to its logs and metrics.

import { logEvent, type ServiceObs } from "../obs/mod.ts";
import type { GatewayHooks } from "./http/mod.ts";

export function observeGateway(obs: ServiceObs): GatewayHooks {
  const latency = obs.metrics.stage_latency_seconds.labels({ stage: "http_request" });
  return {
    onEvent(event, fields) {
      // Order lines are thinned like every per-order line; the HTTP request id
      // keeps a sampled order's first line joined to the rest.
      logEvent(
        obs.log,
        event,
        { request_id: fields.req_id, ...fields },
        { sampleKey: fields.req_id },
      );
    },
    onRequestDone(done) {
      latency.observe(done.duration_ms / 1000);
      if (done.code !== null && done.status_code >= 500) {
        obs.metrics.errors_total.labels({ kind: done.code }).inc();
      }
    },
    onInternalError(err, where) {
      obs.metrics.errors_total.labels({ kind: "INTERNAL" }).inc();
      obs.log.logger.error({ event: "GATEWAY_ERROR", req_id: where.req_id, err }, "internal error");
    },
  };
}
