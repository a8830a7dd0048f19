// What the Binance route modules share: the exchange behind the gateway, the
// symbol names, the request state the hooks attach (parameters, key, limiter
// bucket) and the helper that declares a route with its security.

import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Spec } from "../../core/mod.ts";
import type { MarketHub } from "../../marketdata/mod.ts";
import type { ExchangeBackend } from "../backend.ts";
import type { GatewayEvent, GatewayEventFields, RateLimiter } from "../http/mod.ts";
import type { ApiKey } from "../keys.ts";
import type { ListenKeys } from "../ws/mod.ts";
import type { Context } from "./errors.ts";
import type { Limiters, OrderCounts } from "./limits.ts";
import type { Params } from "./params.ts";
import type { Security } from "./signing.ts";
import type { BinanceSymbols } from "./symbols.ts";

export interface BinanceRoute {
  security: Security;
  /** How registry failures read (a cancel names unknown orders as -2011). */
  context?: Context;
}

export interface BinanceRequest {
  params: Params;
  key: ApiKey | null;
  limiter: RateLimiter | null;
  bucket: string;
}

declare module "fastify" {
  interface FastifyContextConfig {
    binance?: BinanceRoute;
  }
  interface FastifyRequest {
    /** Set by the Binance surface's preHandler on its routes. */
    bn: BinanceRequest | null;
  }
}

export interface Ctx {
  backend: ExchangeBackend;
  spec: Spec;
  symbols: BinanceSymbols;
  now_ms: () => number;
  emit: (event: GatewayEvent, fields: GatewayEventFields) => void;
  listen_keys: ListenKeys;
  limiters: Limiters;
  order_counts: OrderCounts;
  /** The gateway's L2 books, kept from the diff stream (absent when streams are off). */
  market?: MarketHub;
}

export type Handler = (p: Params, req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

type Method = "GET" | "POST" | "PUT" | "DELETE";

/** Declares a route of this surface; kept out of the Bourse OpenAPI document (docs/binance-api.md has it). */
export function route(
  app: FastifyInstance,
  method: Method,
  url: string,
  spec: BinanceRoute,
  handler: Handler,
): void {
  app.route({
    method,
    url,
    config: { binance: spec },
    schema: { hide: true },
    handler: (req, reply) => handler(stateOf(req).params, req, reply),
  });
}

export function stateOf(req: FastifyRequest): BinanceRequest {
  if (req.bn === null) throw new Error("Binance request state missing");
  return req.bn;
}

/** The user a signed route acts for: always the signing key's. */
export function userOf(req: FastifyRequest): { user_id: number; key: ApiKey } {
  const key = stateOf(req).key;
  if (key === null || key.user_id === null) throw new Error("route needs a user key");
  return { user_id: key.user_id, key };
}
