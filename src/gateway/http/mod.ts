// Public surface of the gateway's HTTP server.

export type { TraceAnswer, TraceLookup } from "./admin.ts";
export {
  buildGatewayApp,
  GATEWAY_DEFAULTS,
  type GatewayAppParams,
  type GatewayOptions,
  WEB_ROOT,
} from "./app.ts";
export { type AuthSettings, authenticate, type SignedRequest } from "./auth.ts";
export type { Access, TypedApp } from "./context.ts";
export { classify } from "./failure.ts";
export type {
  GatewayEvent,
  GatewayEventFields,
  GatewayHooks,
  RequestDone,
} from "./hooks.ts";
export { liveDepth } from "./market.ts";
export { type RateLimit, RateLimiter } from "./rate-limit.ts";
export type * from "./schemas.ts";
export { AuthHeader, sign, signatureMatches } from "./signature.ts";
