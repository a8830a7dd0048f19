// What the gateway tells observability, kept to three optional calls so that
// logging, metrics and tracing can be wired in without the handlers knowing how.

import type { MarkerSpec } from "../../core/mod.ts";

/**
 * A gateway marker of the registry (src/core/markers.ts): *_RECEIVED, the
 * request passed validation and is being sent on; *_ANSWERED, it was
 * accepted or applied; *_REJECTED, it was refused, `code` says why;
 * *_FAILED, no answer (timeout, transport down).
 */
export type GatewayEvent = MarkerSpec;

export interface GatewayEventFields {
  /**
   * The business event's id, the same in every service: deposit_/withdraw_
   * ids for transfers, the order id for orders and cancels once known. An
   * order's RECEIVED line has no order id yet and uses `req_id` instead.
   */
  readonly event_id: string;
  /** This HTTP request's id; links an order's RECEIVED line to its answer. */
  readonly req_id: string;
  readonly user_id: number;
  readonly [field: string]: unknown;
}

export interface RequestDone {
  readonly method: string;
  /** The route pattern ("/api/v1/order/create"), or "unmatched". */
  readonly route: string;
  readonly status_code: number;
  /** The error code of a failure; null on success. */
  readonly code: string | null;
  readonly duration_ms: number;
}

export interface GatewayHooks {
  onEvent?(event: GatewayEvent, fields: GatewayEventFields): void;
  /** After every response, including failures and unknown routes: for latency and error metrics. */
  onRequestDone?(done: RequestDone): void;
  /** An unexpected error, answered with 500 INTERNAL (or a hook that threw). */
  onInternalError?(err: unknown, where: { req_id: string | null }): void;
}
