// The Binance-compatible surface as one fastify plugin, in its own
// encapsulated context: its own body parsing (query string and form bodies,
// kept as bytes for the signature), its own authentication, error answers and
// rate-limit headers, over the same backend, keys and limiters as /api/v1.
// Margin, futures, options and wallet paths answer a clear -1020, never 200.

import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ApiError, type Spec } from "../../core/mod.ts";
import type { MarketHub } from "../../marketdata/mod.ts";
import type { ExchangeBackend } from "../backend.ts";
import type { GatewayEvent, GatewayEventFields } from "../http/mod.ts";
import type { KeyLookup } from "../keys.ts";
import { ListenKeys } from "../ws/mod.ts";
import { accountRoutes } from "./account.ts";
import type { Ctx } from "./context.ts";
import { BINANCE_CODES, BinanceError, badRequest, failureOf, unsupported } from "./errors.ts";
import { type Limiters, limitMessage, OrderCounts } from "./limits.ts";
import { marketRoutes } from "./market.ts";
import { Params } from "./params.ts";
import { API_KEY_HEADER, keyOf, verifySigned } from "./signing.ts";
import { BinanceSymbols } from "./symbols.ts";
import { tradingRoutes } from "./trading.ts";

export interface BinanceApiOptions {
  backend: ExchangeBackend;
  spec: Spec;
  keys: KeyLookup;
  now_ms: () => number;
  emit: (event: GatewayEvent, fields: GatewayEventFields) => void;
  /** The default recvWindow (Binance's is 5000 ms); at most 60000. */
  recv_window_ms: number;
  body_limit_bytes: number;
  /** The gateway's own limiters, so one key's budget is shared by both surfaces. */
  limiters: Limiters;
  /** An unexpected error (a 500), for the gateway's error reporting. */
  report: (err: unknown, req?: FastifyRequest) => void;
  /** Shared with the user data stream once it exists; one is made when omitted. */
  listen_keys?: ListenKeys;
  /** The gateway's market data, when streams are served: depth answers with the stream's update id. */
  market?: MarketHub;
}

/** Paths of Binance products Bourse does not offer, answered -1020. */
export const NOT_OFFERED = [
  [
    "/sapi",
    "Bourse is a spot exchange: margin, savings and wallet (sapi) endpoints are not offered.",
  ],
  ["/wapi", "Bourse is a spot exchange: wallet (wapi) endpoints are not offered."],
  ["/fapi", "Bourse is a spot exchange: USD-M futures (fapi) are not offered."],
  ["/dapi", "Bourse is a spot exchange: COIN-M futures (dapi) are not offered."],
  ["/eapi", "Bourse is a spot exchange: options (eapi) are not offered."],
  ["/papi", "Bourse is a spot exchange: portfolio margin (papi) is not offered."],
] as const;

export async function binanceApi(app: FastifyInstance, o: BinanceApiOptions): Promise<void> {
  const ctx: Ctx = {
    backend: o.backend,
    spec: o.spec,
    symbols: new BinanceSymbols(o.spec),
    now_ms: o.now_ms,
    emit: o.emit,
    listen_keys: o.listen_keys ?? new ListenKeys({ now_ms: o.now_ms }),
    limiters: o.limiters,
    order_counts: new OrderCounts(),
    ...(o.market === undefined ? {} : { market: o.market }),
  };

  app.decorateRequest("bn", null);
  // Bodies are kept as bytes: the signature covers them exactly as sent.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer" }, (req, body, done) => {
    req.raw_body = body as Buffer;
    done(null, undefined);
  });

  app.addHook("preHandler", async (req) => {
    const route = req.routeOptions.config.binance;
    if (route === undefined) return;
    if (!o.backend.ready()) throw new BinanceError(ApiError.UNAVAILABLE, unavailable());
    checkTimeUnit(req.headers["x-mbx-time-unit"]);
    const query = queryOf(req.url);
    const params = Params.parse(query, formBody(req));
    let key = null;
    if (route.security === "SIGNED") {
      key = verifySigned(
        {
          query,
          body: formBody(req),
          api_key_header: req.headers[API_KEY_HEADER],
          timestamp: params.str("timestamp"),
          recv_window: params.str("recvWindow"),
        },
        o.keys,
        o.recv_window_ms,
        o.now_ms(),
      );
      params.str("signature");
    } else if (route.security === "USER_STREAM") {
      key = keyOf(req.headers[API_KEY_HEADER], o.keys);
      // The API key alone authorizes these; a client that signs them anyway is not refused.
      for (const name of ["timestamp", "recvWindow", "signature"]) params.str(name);
    }
    req.api_key = key;
    const limiter = key === null ? o.limiters.address : o.limiters.key;
    const bucket = key === null ? `addr:${req.ip}` : `key:${key.api_key}`;
    req.bn = { params, key, limiter, bucket };
    if (limiter === null) return;
    const v = limiter.take(bucket, o.now_ms());
    if (!v.allowed) {
      throw new BinanceError(
        ApiError.RATE_LIMITED,
        {
          code: BINANCE_CODES.TOO_MANY_REQUESTS,
          http: 429,
          msg: limitMessage(limiter.limit, v.retry_after_s),
        },
        v.retry_after_s,
      );
    }
  });

  app.addHook("onSend", async (req, reply) => {
    const bn = req.bn;
    if (bn === null || bn.limiter === null) return;
    const used = String(bn.limiter.usedThisMinute(bn.bucket, o.now_ms()));
    reply.header("x-mbx-used-weight", used);
    reply.header("x-mbx-used-weight-1m", used);
  });

  app.setErrorHandler((err, req, reply) => answerFailure(o, err, req, reply));

  app.register(
    async (v3) => {
      marketRoutes(v3, ctx);
      tradingRoutes(v3, ctx);
      accountRoutes(v3, ctx);
      v3.setNotFoundHandler((req, reply) =>
        answerFailure(
          o,
          unsupported(
            `Bourse does not offer ${req.method} ${pathOf(req.url)}; see docs/binance-api.md.`,
          ),
          req,
          reply,
        ),
      );
    },
    { prefix: "/api/v3" },
  );

  for (const [prefix, why] of NOT_OFFERED) {
    for (const url of [prefix, `${prefix}/*`]) {
      app.route({
        method: ["GET", "POST", "PUT", "DELETE"],
        url,
        schema: { hide: true },
        handler: async () => {
          throw unsupported(why);
        },
      });
    }
  }
}

function answerFailure(
  o: BinanceApiOptions,
  err: unknown,
  req: FastifyRequest,
  reply: FastifyReply,
) {
  const context = req.routeOptions.config.binance?.context ?? "default";
  const f = failureOf(err, o.body_limit_bytes, context);
  if (f.answer.http >= 500 && f.spec !== ApiError.UNAVAILABLE && f.spec !== ApiError.TIMEOUT) {
    o.report(err, req);
  }
  req.failed_code = f.spec.code;
  if (f.retry_after_s !== null) reply.header("retry-after", String(f.retry_after_s));
  return reply.code(f.answer.http).send({ code: f.answer.code, msg: f.answer.msg });
}

function unavailable() {
  return {
    code: BINANCE_CODES.DISCONNECTED,
    http: 503,
    msg: "Internal error; unable to process your request. Please try again.",
  };
}

/** Times are milliseconds; a client asking for microseconds is told so rather than misread. */
function checkTimeUnit(header: string | string[] | undefined): void {
  if (header === undefined || String(header).toUpperCase() === "MILLISECOND") return;
  throw badRequest(
    BINANCE_CODES.UNSUPPORTED_OPERATION,
    "This operation is not supported. X-MBX-TIME-UNIT: Bourse answers times in milliseconds only.",
  );
}

function queryOf(url: string): string {
  const i = url.indexOf("?");
  return i < 0 ? "" : url.slice(i + 1);
}

function pathOf(url: string): string {
  const i = url.indexOf("?");
  return i < 0 ? url : url.slice(0, i);
}

/** A form body as text; any other non-empty body is refused (Binance takes no JSON). */
function formBody(req: FastifyRequest): string {
  const raw = req.raw_body;
  if (raw === null || raw.length === 0) return "";
  const type = String(req.headers["content-type"] ?? "")
    .split(";")[0]
    ?.trim()
    .toLowerCase();
  if (type !== "application/x-www-form-urlencoded") {
    throw new BinanceError(ApiError.UNSUPPORTED_MEDIA_TYPE, {
      code: BINANCE_CODES.ILLEGAL_CHARS,
      http: 400,
      msg: `Parameters go in the query string or an application/x-www-form-urlencoded body, not ${type === "" ? "a body without a content type" : type}.`,
    });
  }
  return raw.toString("utf8");
}
