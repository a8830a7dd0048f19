// What route modules share: the typed fastify instance, the exchange behind
// the gateway, and the request state the hooks attach (key, raw body).

import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from "fastify";
import { ApiError, BourseError, type Spec } from "../../core/mod.ts";
import type { MarketHub } from "../../marketdata/mod.ts";
import type { ExchangeBackend } from "../backend.ts";
import type { ApiKey } from "../keys.ts";
import type { GatewayEvent, GatewayEventFields, GatewayHooks } from "./hooks.ts";

/** Who may call a route: anyone, a user key, or an operator key. */
export type Access = "public" | "user" | "operator";

declare module "fastify" {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    /** The key that signed the request; null on public routes. */
    api_key: ApiKey | null;
    /** The body bytes as received (what the signature covers); null when there was no body. */
    raw_body: Buffer | null;
    /** A body problem found while parsing, reported after authentication. */
    body_problem: BourseError | null;
    started_ms: number;
    /** The error code this request failed with, for onRequestDone. */
    failed_code: string | null;
  }
}

/** @public */
export type TypedApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression<RawServerDefault>,
  RawReplyDefaultExpression<RawServerDefault>,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** @public */
export interface RouteContext {
  backend: ExchangeBackend;
  spec: Spec;
  now_ms: () => number;
  emit: (event: GatewayEvent, fields: GatewayEventFields) => void;
  /** The gateway's market data (L2 books, tickers), when streams are served. */
  market?: MarketHub;
  /** The limits exchange info states. */
  limits: PublishedLimits;
}

/** Limits the gateway enforces, as exchange info states them (null: not limited or not served). */
export interface PublishedLimits {
  recv_window_ms: number;
  rate_limit: { rate_per_s: number; burst: number } | null;
  public_rate_limit: { rate_per_s: number; burst: number } | null;
  stream_connections_per_address: number | null;
  streams_per_connection: number | null;
  stream_messages_per_s: number | null;
  stream_send_buffer_bytes: number | null;
}

/** Calls the hook; a failing observer must not fail a request whose command was already applied. */
export function emitter(
  hooks: GatewayHooks | undefined,
  report: (err: unknown) => void,
): RouteContext["emit"] {
  const onEvent = hooks?.onEvent;
  if (onEvent === undefined) return () => {};
  return (event, fields) => {
    try {
      onEvent.call(hooks, event, fields);
    } catch (err) {
      report(err);
    }
  };
}

/** @public */
export function ok<T>(data: T): { status: 0; msg: "ok"; data: T } {
  return { status: 0, msg: "ok", data };
}

/**
 * The user a user route acts for: always the signing key's, never one from the request.
 * @public
 */
export function userOf(req: FastifyRequest): number {
  const id = req.api_key?.user_id;
  if (id === undefined || id === null) {
    throw new BourseError(ApiError.FORBIDDEN, "this route needs a user key");
  }
  return id;
}
