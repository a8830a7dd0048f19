// The gateway's HTTP server: one fastify instance whose routes, validation,
// serialization and OpenAPI document all come from the schemas in
// schemas.ts. Returned ready to listen (or to inject requests into in tests).

import { randomBytes } from "node:crypto";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import { type TypeBoxTypeProvider, TypeBoxValidatorCompiler } from "@fastify/type-provider-typebox";
import Fastify, { type FastifyRequest } from "fastify";
import { ApiError, BourseError, type Spec } from "../../core/mod.ts";
import type { MetricsSource } from "../../obs/mod.ts";
import type { ExchangeBackend } from "../backend.ts";
import type { KeyLookup } from "../keys.ts";
import { type GatewayStreams, streamRoutes } from "../ws/mod.ts";
import { accountRoutes } from "./account.ts";
import { authenticate } from "./auth.ts";
import { emitter, type RouteContext, type TypedApp } from "./context.ts";
import { classify, errorBody } from "./failure.ts";
import { healthRoutes } from "./health.ts";
import type { GatewayHooks } from "./hooks.ts";
import { marketRoutes } from "./market.ts";
import { orderRoutes } from "./orders.ts";
import { type RateLimit, RateLimiter } from "./rate-limit.ts";
import { SECURITY_SCHEMES } from "./route-schema.ts";

export interface GatewayOptions {
  /** How far a request's timestamp may be from the server clock. Default 5000. */
  recv_window_ms?: number;
  /** Per API key; null turns limiting off. Default 50 a second, bursts of 100. */
  rate_limit?: RateLimit | null;
  /** Per client address, on the public market routes. Default as rate_limit. */
  public_rate_limit?: RateLimit | null;
  /** Largest request body accepted. Default 16 KiB. */
  body_limit_bytes?: number;
  /** Trust X-Forwarded-For for the client address (behind a reverse proxy). Default false. */
  trust_proxy?: boolean;
  /** Serve the OpenAPI document and its UI at /docs. Default true. */
  docs?: boolean;
  /** The server clock; tests pass a fixed one. */
  now_ms?: () => number;
}

export interface GatewayAppParams {
  backend: ExchangeBackend;
  spec: Spec;
  keys: KeyLookup;
  options?: GatewayOptions;
  /** Served at GET /metrics when given. */
  metrics?: MetricsSource;
  hooks?: GatewayHooks;
  /** Market and user data streams (WebSocket), with the REST reads that go with them. */
  streams?: GatewayStreams;
}

export const GATEWAY_DEFAULTS = Object.freeze({
  recv_window_ms: 5000,
  rate_limit: Object.freeze({ rate_per_s: 50, burst: 100 }),
  body_limit_bytes: 16 * 1024,
});

const EMPTY = Buffer.alloc(0);

class RateLimitedError extends BourseError {
  constructor(readonly retry_after_s: number) {
    super(ApiError.RATE_LIMITED, `too many requests; retry in ${retry_after_s} s`);
  }
}

export function buildGatewayApp(params: GatewayAppParams): TypedApp {
  const { backend, spec, keys, hooks } = params;
  const o = params.options ?? {};
  const recv_window_ms = o.recv_window_ms ?? GATEWAY_DEFAULTS.recv_window_ms;
  const body_limit_bytes = o.body_limit_bytes ?? GATEWAY_DEFAULTS.body_limit_bytes;
  const now_ms = o.now_ms ?? Date.now;
  const keyLimit = o.rate_limit === undefined ? GATEWAY_DEFAULTS.rate_limit : o.rate_limit;
  const ipLimit = o.public_rate_limit === undefined ? keyLimit : o.public_rate_limit;
  const perKey = keyLimit === null ? null : new RateLimiter(keyLimit);
  const perAddress = ipLimit === null ? null : new RateLimiter(ipLimit);

  // Request ids name a request in the hooks' lines; the prefix keeps them unique across gateways.
  const instance = randomBytes(4).toString("hex");
  let served = 0;
  const app = Fastify({
    bodyLimit: body_limit_bytes,
    trustProxy: o.trust_proxy ?? false,
    genReqId: () => `${instance}-${(++served).toString(36)}`,
    logger: false,
  })
    .withTypeProvider<TypeBoxTypeProvider>()
    .setValidatorCompiler(TypeBoxValidatorCompiler);

  const reportInternal = (err: unknown, req?: FastifyRequest) => {
    try {
      hooks?.onInternalError?.(err, { req_id: req?.id ?? null });
    } catch {
      // Reporting must never turn into a second failure.
    }
  };

  app.decorateRequest("api_key", null);
  app.decorateRequest("raw_body", null);
  app.decorateRequest("body_problem", null);
  app.decorateRequest("started_ms", 0);
  app.decorateRequest("failed_code", null);

  // The signature covers the exact bytes received, so every body is read as
  // bytes first; problems are reported after authentication, so an unsigned
  // request learns nothing about how its body would have been parsed.
  app.removeAllContentTypeParsers();
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (req, body, done) => {
    const raw = body as Buffer;
    req.raw_body = raw;
    parseJson(req, raw.toString("utf8"), (err, value) => {
      if (err !== null) req.body_problem = new BourseError(ApiError.BAD_JSON, jsonProblem(raw));
      done(null, err === null ? value : undefined);
    });
  });
  app.addContentTypeParser("*", { parseAs: "buffer" }, (req, body, done) => {
    req.raw_body = body as Buffer;
    req.body_problem = new BourseError(
      ApiError.UNSUPPORTED_MEDIA_TYPE,
      `body must be application/json, got ${req.headers["content-type"] ?? "no content type"}`,
    );
    done(null, undefined);
  });

  app.addHook("onRequest", async (req) => {
    req.started_ms = performance.now();
  });

  app.addHook("preValidation", async (req) => {
    const access = req.routeOptions.config.access;
    if (access === undefined) return;
    if (!backend.ready()) throw new BourseError(ApiError.UNAVAILABLE, "the exchange is not ready");
    const now = now_ms();
    if (access === "public") {
      limit(perAddress, `addr:${req.ip}`, now);
    } else {
      const key = authenticate(
        { method: req.method, url: req.url, headers: req.headers, body: req.raw_body ?? EMPTY },
        access,
        { keys, recv_window_ms },
        now,
      );
      req.api_key = key;
      limit(perKey, `key:${key.api_key}`, now);
    }
    if (req.body_problem !== null) throw req.body_problem;
    if (req.method === "POST" && req.raw_body === null) {
      throw new BourseError(ApiError.UNSUPPORTED_MEDIA_TYPE, "body must be a JSON object");
    }
  });

  app.addHook("onResponse", async (req, reply) => {
    const done = hooks?.onRequestDone;
    if (done === undefined) return;
    try {
      done.call(hooks, {
        method: req.method,
        route: req.routeOptions.url ?? "unmatched",
        status_code: reply.statusCode,
        code: req.failed_code,
        duration_ms: performance.now() - req.started_ms,
      });
    } catch (err) {
      reportInternal(err, req);
    }
  });

  app.setErrorHandler((err, req, reply) => {
    const c = classify(err, body_limit_bytes);
    if (c.spec.http >= 500 && c.spec !== ApiError.UNAVAILABLE && c.spec !== ApiError.TIMEOUT) {
      reportInternal(err, req);
    }
    req.failed_code = c.spec.code;
    if (err instanceof RateLimitedError) reply.header("retry-after", String(err.retry_after_s));
    return reply.code(c.spec.http).send(errorBody(c));
  });

  app.setNotFoundHandler((req, reply) => {
    req.failed_code = ApiError.NOT_FOUND.code;
    const path = req.url.split("?", 1)[0];
    return reply
      .code(404)
      .send(errorBody({ spec: ApiError.NOT_FOUND, msg: `no route ${req.method} ${path}` }));
  });

  if (o.docs ?? true) {
    app.register(swagger, {
      openapi: {
        openapi: "3.0.3",
        info: {
          title: "Bourse gateway API",
          version: "1",
          description:
            'Success: HTTP 200 {"status":0,"msg":"ok","data":...}. Failure: the error\'s HTTP status and {"status":<error id>,"msg":...,"code":...}.',
        },
        components: { securitySchemes: SECURITY_SCHEMES },
        tags: [{ name: "orders" }, { name: "account" }, { name: "market" }, { name: "health" }],
      },
    });
    app.register(swaggerUi, { routePrefix: "/docs" });
  }

  // Routes go in a plugin registered after swagger, so its route hook sees every one of them.
  app.register(async (scoped) => {
    const typed = scoped as unknown as TypedApp;
    const streams = params.streams;
    const ctx: RouteContext = {
      backend,
      spec,
      now_ms,
      emit: emitter(hooks, reportInternal),
      ...(streams === undefined ? {} : { market: streams.hub }),
      limits: {
        recv_window_ms,
        rate_limit: keyLimit,
        public_rate_limit: ipLimit,
        stream_connections_per_address: streams?.limits.max_connections_per_address ?? null,
        streams_per_connection: streams?.limits.max_streams_per_connection ?? null,
        stream_messages_per_s: streams?.limits.max_messages_per_s ?? null,
        stream_send_buffer_bytes: streams?.limits.max_buffer_bytes ?? null,
      },
    };
    if (streams !== undefined) streamRoutes(typed, ctx, streams);
    healthRoutes(typed, backend, params.metrics);
    orderRoutes(typed, ctx);
    accountRoutes(typed, ctx);
    marketRoutes(typed, ctx);
  });

  return app;
}

function limit(limiter: RateLimiter | null, bucket: string, now_ms: number): void {
  if (limiter === null) return;
  const v = limiter.take(bucket, now_ms);
  if (!v.allowed) throw new RateLimitedError(v.retry_after_s);
}

function jsonProblem(raw: Buffer): string {
  return raw.length === 0 ? "body is empty; send a JSON object" : ApiError.BAD_JSON.message;
}
