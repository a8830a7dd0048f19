// The gateway's HTTP server: one fastify instance whose routes, validation,
// serialization and OpenAPI document all come from the schemas in
// schemas.ts. Returned ready to listen (or to inject requests into in tests).

import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import Fastify, { type FastifyRequest } from "fastify";
import { ApiError, BourseError, type Spec } from "../../core/mod.ts";
import type { MetricsSource } from "../../obs/mod.ts";
import type { ExchangeBackend } from "../backend.ts";
import { binanceApi } from "../binance/mod.ts";
import type { KeyLookup } from "../keys.ts";
import { type GatewayStreams, streamRoutes } from "../ws/mod.ts";
import { accountRoutes } from "./account.ts";
import { adminRoutes, type TraceLookup } from "./admin.ts";
import { authenticate } from "./auth.ts";
import { emitter, type RouteContext, type TypedApp } from "./context.ts";
import { GATEWAY_DEFAULTS } from "./defaults.ts";
import { classify, errorBody } from "./failure.ts";
import { healthRoutes } from "./health.ts";
import type { GatewayHooks } from "./hooks.ts";
import { connectionGuard, rawErrorResponse } from "./limits.ts";
import { marketRoutes } from "./market.ts";
import { orderRoutes } from "./orders.ts";
import { type RateLimit, RateLimiter } from "./rate-limit.ts";
import { ReplayGuard } from "./replay.ts";
import { SECURITY_SCHEMES } from "./route-schema.ts";
import { NoQuery } from "./schemas.ts";
import { tradingRoutes } from "./trading.ts";
import { validatorCompiler } from "./validate.ts";

/** @public */
export interface GatewayOptions {
  /** How far a request's timestamp may be from the server clock. Default 5000. */
  recv_window_ms?: number;
  /** Per API key; null turns limiting off. Default 50 a second, bursts of 100. */
  rate_limit?: RateLimit | null;
  /** Per client address, on the public market routes. Default as rate_limit. */
  public_rate_limit?: RateLimit | null;
  /** Largest request body accepted. Default 16 KiB. */
  body_limit_bytes?: number;
  /** Longest request line plus headers; longer answers 431 HEADERS_TOO_LARGE. Default 16 KiB. */
  max_header_bytes?: number;
  /** From a connection's first byte (or the previous response) to the last header. Default 10000. */
  headers_timeout_ms?: number;
  /** From a request's first byte to the end of its body; later answers 408 REQUEST_TIMEOUT. Default 15000. */
  request_timeout_ms?: number;
  /** A connection on which nothing moves for this long is closed. Default 60000. */
  idle_timeout_ms?: number;
  /** An idle keep-alive connection is closed after this long. Default 72000. */
  keep_alive_timeout_ms?: number;
  /** Open connections at most; more answer 503 TOO_MANY_CONNECTIONS and are closed. Default 4096. */
  max_connections?: number;
  /**
   * Signatures of state-changing requests remembered to refuse replays
   * (AUTH_REPLAYED), per generation of 2 x recv_window_ms; 0 turns the check
   * off. Default 500000.
   */
  replay_cache_max?: number;
  /** Trust X-Forwarded-For for the client address (behind a reverse proxy). Default false. */
  trust_proxy?: boolean;
  /** Serve the OpenAPI document and its UI at /docs. Default true. */
  docs?: boolean;
  /** Serve the trading page and operator console (dist/web, built by `npm run build`) at /. Default true. */
  web?: boolean;
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
  /** Answers GET /api/v1/admin/trace; without it that route answers UNAVAILABLE. */
  trace?: TraceLookup;
}

/**
 * The pages load their bundle and stylesheet from this origin and talk to
 * its API and streams ('self' covers ws: and wss: of the same host); the
 * chart sets inline styles and draws images from data: URLs.
 */
const WEB_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; object-src 'none'";

/** Where the build puts the web pages (scripts/build.mjs). */
export const WEB_ROOT = fileURLToPath(new URL("../../../dist/web/", import.meta.url));

export { GATEWAY_DEFAULTS };

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
  const replay_max = o.replay_cache_max ?? GATEWAY_DEFAULTS.replay_cache_max;
  const replays = replay_max > 0 ? new ReplayGuard(recv_window_ms, replay_max, now_ms()) : null;
  const max_header_bytes = o.max_header_bytes ?? GATEWAY_DEFAULTS.max_header_bytes;
  const headers_timeout_ms = o.headers_timeout_ms ?? GATEWAY_DEFAULTS.headers_timeout_ms;
  const request_timeout_ms = o.request_timeout_ms ?? GATEWAY_DEFAULTS.request_timeout_ms;

  // Request ids name a request in the hooks' lines; the prefix keeps them unique across gateways.
  const instance = randomBytes(4).toString("hex");
  let served = 0;
  const limits = { max_header_bytes, request_timeout_ms, headers_timeout_ms };
  const app = Fastify({
    bodyLimit: body_limit_bytes,
    trustProxy: o.trust_proxy ?? false,
    genReqId: () => `${instance}-${(++served).toString(36)}`,
    logger: false,
    // Timeouts and sizes: a slow or oversized client must not hold a connection.
    requestTimeout: request_timeout_ms,
    connectionTimeout: o.idle_timeout_ms ?? GATEWAY_DEFAULTS.idle_timeout_ms,
    keepAliveTimeout: o.keep_alive_timeout_ms ?? GATEWAY_DEFAULTS.keep_alive_timeout_ms,
    http: {
      maxHeaderSize: max_header_bytes,
      headersTimeout: headers_timeout_ms,
      requestTimeout: request_timeout_ms,
      // How often node checks the two timeouts above (its default is 30 s).
      connectionsCheckingInterval: Math.min(1000, headers_timeout_ms),
    },
    // Failures node answers before fastify sees a request, in the envelope.
    clientErrorHandler: (err, socket) => rawErrorResponse(err, socket, limits),
    // Requests arriving while the gateway closes are answered below, in the envelope.
    return503OnClosing: false,
  })
    .withTypeProvider<TypeBoxTypeProvider>()
    .setValidatorCompiler(validatorCompiler);
  const refused = connectionGuard(
    app.server,
    o.max_connections ?? GATEWAY_DEFAULTS.max_connections,
  );
  let closing = false;
  app.addHook("preClose", async () => {
    closing = true;
  });
  // Every API route refuses a query field it does not know, including routes that take none.
  app.addHook("onRoute", (route) => {
    if (route.config?.access === undefined) return;
    route.schema ??= {};
    route.schema.querystring ??= NoQuery;
  });

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
    const text = raw.toString("utf8");
    parseJson(req, text, (err, value) => {
      if (err !== null) req.body_problem = jsonProblem(text);
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

  app.addHook("onRequest", async (req, reply) => {
    req.started_ms = performance.now();
    if (refused.has(req.raw.socket)) {
      // Over the connection limit: already answered 503 and closing; nothing else runs.
      throw new BourseError(ApiError.TOO_MANY_CONNECTIONS, ApiError.TOO_MANY_CONNECTIONS.message);
    }
    if (closing) {
      reply.header("connection", "close");
      throw new BourseError(
        ApiError.UNAVAILABLE,
        "the gateway is shutting down; retry on another gateway or once it is back",
      );
    }
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
      if (replays !== null && req.method !== "GET" && req.method !== "HEAD") {
        refuseReplay(replays, String(req.headers["x-bourse-signature"]), now);
      }
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
    const c = classify(err, body_limit_bytes, req.url.split("?", 1)[0] ?? "/");
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
        tags: [
          { name: "orders" },
          { name: "account" },
          { name: "market" },
          { name: "health" },
          { name: "admin" },
        ],
      },
    });
    app.register(swaggerUi, { routePrefix: "/docs" });
  }
  // The pages are static files; a checkout that was never built serves the API alone.
  if ((o.web ?? true) && existsSync(join(WEB_ROOT, "index.html"))) {
    app.register(fastifyStatic, {
      root: WEB_ROOT,
      prefix: "/",
      // One route per file found now, so unknown paths keep the API's 404 envelope.
      wildcard: false,
      decorateReply: false,
      index: ["index.html"],
      // The page holds a signing key: scripts only from here, no framing, no other origins.
      setHeaders: (reply) => {
        reply.header("content-security-policy", WEB_CSP);
        reply.header("x-content-type-options", "nosniff");
        reply.header("referrer-policy", "no-referrer");
      },
    });
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
    if (streams !== undefined) streamRoutes(typed, ctx, streams, { keys, recv_window_ms });
    healthRoutes(typed, backend, params.metrics);
    orderRoutes(typed, ctx);
    tradingRoutes(typed, ctx);
    accountRoutes(typed, ctx);
    marketRoutes(typed, ctx);
    adminRoutes(typed, params.trace);
    scoped.register(binanceApi, {
      ...ctx,
      ...(streams === undefined ? {} : { listen_keys: streams.listen_keys }),
      keys,
      recv_window_ms,
      body_limit_bytes,
      limiters: { key: perKey, address: perAddress },
      report: reportInternal,
    });
  });

  return app;
}

function limit(limiter: RateLimiter | null, bucket: string, now_ms: number): void {
  if (limiter === null) return;
  const v = limiter.take(bucket, now_ms);
  if (!v.allowed) throw new RateLimitedError(v.retry_after_s);
}

function refuseReplay(guard: ReplayGuard, signature: string, now_ms: number): void {
  const verdict = guard.admit(signature, now_ms);
  if (verdict === "seen") {
    throw new BourseError(
      ApiError.AUTH_REPLAYED,
      "this signature was already used within its receive window; a request is accepted once: sign a new one (a new timestamp) to send it again",
    );
  }
  if (verdict === "full") {
    throw new RateLimitedError(Math.max(1, Math.ceil(guard.untilTurn_ms(now_ms) / 1000)));
  }
}

/**
 * Why a body the safe parser refused was refused: empty, not JSON, or JSON
 * with a prototype key (which plain JSON.parse accepts, as an own property).
 * Only refused bodies are parsed twice.
 */
function jsonProblem(text: string): BourseError {
  if (text.length === 0)
    return new BourseError(ApiError.BAD_JSON, "body is empty; send a JSON object");
  try {
    JSON.parse(text);
  } catch {
    return new BourseError(ApiError.BAD_JSON, ApiError.BAD_JSON.message);
  }
  return new BourseError(
    ApiError.VALIDATION,
    'body holds a "__proto__" key (or "constructor" with "prototype"), which is refused',
  );
}
