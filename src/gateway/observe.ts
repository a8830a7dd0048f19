// The gateway's hooks wired to its logs and metrics.

import { Marker } from "../core/mod.ts";
import { logEvent, logLifecycle, type ServiceObs } from "../obs/mod.ts";
import type { GatewayHooks } from "./http/mod.ts";

export function observeGateway(obs: ServiceObs): GatewayHooks {
  const latency = obs.metrics.stage_latency_seconds.labels({ stage: "http_request" });
  return {
    onEvent(event, fields) {
      // With sampling on, lines naming an order are kept by its id, as in
      // every service; a RECEIVED line, written before the order has one, is
      // always kept (until commands carry the request id everywhere and it
      // becomes the key).
      logEvent(obs.log, event, { request_id: fields.req_id, ...fields });
    },
    onRequestDone(done) {
      latency.observe(done.duration_ms / 1000);
      if (done.code !== null && done.status_code >= 500) {
        obs.metrics.errors_total.labels({ kind: done.code }).inc();
      }
    },
    onInternalError(err, where) {
      obs.metrics.errors_total.labels({ kind: "INTERNAL" }).inc();
      logLifecycle(obs.log, Marker.GATEWAY_ERROR, { req_id: where.req_id, err }, "internal error");
    },
  };
}
