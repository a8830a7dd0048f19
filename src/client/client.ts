// A typed client of the gateway's HTTP API. Each method is one route; it
// signs the request as the gateway verifies it (the same message layout, with
// Web Crypto so it also runs in browsers), returns the envelope's data, and
// throws BourseApiError on any failure. It imports nothing from Node: fetch,
// URL, AbortSignal and crypto.subtle are the platform's.

// biome-ignore-all lint/correctness/noPrivateImports: the wire types are TypeBox schemas and their types under one name each, which the visibility check cannot tell apart; they are public (the gateway's API) and come from their leaf module so that the client loads none of the server.
import { AuthHeader } from "../gateway/http/auth-header.ts";
import type {
  AmendRequest,
  Balance,
  CancelAllAfterResult,
  CancelAllRequest,
  CancelAllResult,
  CancelOrderRequest,
  CancelReplaceRequest,
  CancelReplaceResult,
  CancelResult,
  CreateOrderRequest,
  Depth,
  ErrorBody,
  ExchangeInfo,
  Health,
  Kline,
  ListenKey,
  ListQuery,
  MarketTrade,
  OcoRequest,
  OcoResult,
  Order,
  OrderResult,
  Ticker24h,
  TransferRequest,
  TransferResult,
  UserTrade,
} from "../gateway/http/schemas.ts";
import { BourseApiError, timeoutError, unavailableError } from "./errors.ts";
import { type HmacKey, hmacKey, signWithKey } from "./sign.ts";

export interface BourseClientOptions {
  /** The gateway's origin, e.g. "http://127.0.0.1:3001". */
  baseUrl: string;
  /** Key and secret, both or neither; public routes need none. */
  apiKey?: string;
  secret?: string;
  /** Per request, including reading the answer. Default 10000. */
  timeout_ms?: number;
  /** The clock whose time is signed; the gateway accepts it within its receive window. */
  now_ms?: () => number;
}

type Query = Record<string, string | number | undefined>;

const DEFAULT_TIMEOUT_MS = 10_000;

export class BourseClient {
  private readonly base: URL;
  private readonly apiKey: string | undefined;
  private readonly secret: string | undefined;
  private readonly timeout_ms: number;
  private readonly now_ms: () => number;
  private key: Promise<HmacKey> | null = null;
  /**
   * The last timestamp a state-changing request was signed with. The gateway
   * refuses a signature it has seen (a replay), so two identical orders sent
   * in the same millisecond are signed a millisecond apart.
   */
  private last_post_ts = 0;
  /**
   * The highest X-Bourse-Output-Seq a signed read answered with: its data
   * reflects at least that output, so a user stream client knows whether a
   * read already shows an event's output_seq (0 before any).
   */
  last_output_seq = 0;

  constructor(options: BourseClientOptions) {
    if ((options.apiKey === undefined) !== (options.secret === undefined)) {
      throw new TypeError("BourseClient: give both apiKey and secret, or neither");
    }
    this.base = new URL(options.baseUrl);
    this.apiKey = options.apiKey;
    this.secret = options.secret;
    this.timeout_ms = options.timeout_ms ?? DEFAULT_TIMEOUT_MS;
    this.now_ms = options.now_ms ?? Date.now;
  }

  createOrder(order: CreateOrderRequest): Promise<OrderResult> {
    return this.call("POST", "/api/v1/order/create", undefined, order);
  }

  cancelOrder(target: CancelOrderRequest): Promise<CancelResult> {
    return this.call("POST", "/api/v1/order/cancel", undefined, target);
  }

  /** An OCO pair: the answer lists the limit leg, then the stop leg. */
  createOco(oco: OcoRequest): Promise<OcoResult> {
    return this.call("POST", "/api/v1/order/oco", undefined, oco);
  }

  /** A new price and/or total quantity for an open order; answers the order as amended. */
  amendOrder(amend: AmendRequest): Promise<OrderResult> {
    return this.call("POST", "/api/v1/order/amend", undefined, amend);
  }

  /**
   * Cancel one order and place another. When a half fails this throws
   * BourseApiError with that half's code, and its `data` is the
   * CancelReplaceResult (what was done, what was not and why).
   */
  cancelReplace(r: CancelReplaceRequest): Promise<CancelReplaceResult> {
    return this.call("POST", "/api/v1/order/cancel_replace", undefined, r);
  }

  /** Every open order of yours, or those of one symbol. */
  cancelAll(q: CancelAllRequest = {}): Promise<CancelAllResult> {
    return this.call("POST", "/api/v1/order/cancel_all", undefined, q);
  }

  /** The dead-man's switch: cancel all your orders unless called again within timeout_ms; 0 turns it off. */
  cancelAllAfter(timeout_ms: number): Promise<CancelAllAfterResult> {
    return this.call("POST", "/api/v1/order/cancel_all_after", undefined, { timeout_ms });
  }

  activeOrders(q: ListQuery = {}): Promise<Order[]> {
    return this.call("GET", "/api/v1/order/active", q);
  }

  orderHistory(q: ListQuery = {}): Promise<Order[]> {
    return this.call("GET", "/api/v1/order/history", q);
  }

  trades(q: ListQuery = {}): Promise<UserTrade[]> {
    return this.call("GET", "/api/v1/order/trades", q);
  }

  balance(): Promise<Balance[]> {
    return this.call("GET", "/api/v1/user/balance");
  }

  transferIn(t: TransferRequest): Promise<TransferResult> {
    return this.call("POST", "/api/v1/user/transfer_in", undefined, t);
  }

  transferOut(t: TransferRequest): Promise<TransferResult> {
    return this.call("POST", "/api/v1/user/transfer_out", undefined, t);
  }

  depth(symbol: string, limit?: number): Promise<Depth> {
    return this.call("GET", "/api/v1/market/depth", { symbol, limit });
  }

  marketTrades(symbol: string, limit?: number): Promise<MarketTrade[]> {
    return this.call("GET", "/api/v1/market/trades", { symbol, limit });
  }

  klines(
    symbol: string,
    interval: string,
    q: { limit?: number; start_time?: number; end_time?: number } = {},
  ): Promise<Kline[]> {
    return this.call("GET", "/api/v1/market/klines", { symbol, interval, ...q });
  }

  ticker24h(symbol: string): Promise<Ticker24h | null> {
    return this.call("GET", "/api/v1/market/ticker_24h", { symbol });
  }

  exchangeInfo(): Promise<ExchangeInfo> {
    return this.call("GET", "/api/v1/market/exchange_info");
  }

  /** A listen key for this user's data stream (the user's existing one, extended, if any). */
  createListenKey(): Promise<ListenKey> {
    return this.call("POST", "/api/v1/user/listen_key", undefined, {});
  }

  keepAliveListenKey(listen_key: string): Promise<ListenKey> {
    return this.call("PUT", "/api/v1/user/listen_key", { listen_key });
  }

  /** An event's timeline across the services (operator key), as `bourse trace --json` prints it. */
  trace(id: string): Promise<Record<string, unknown>> {
    return this.call("GET", "/api/v1/admin/trace", { id });
  }

  livez(): Promise<Health> {
    return this.call("GET", "/livez");
  }

  readyz(): Promise<Health> {
    return this.call("GET", "/readyz");
  }

  private async call<T>(
    method: "GET" | "POST" | "PUT",
    path: string,
    query?: Query,
    body?: unknown,
  ): Promise<T> {
    const url = new URL(path, this.base);
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    const text = body === undefined ? "" : JSON.stringify(body);
    const headers: Record<string, string> = { accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (this.apiKey !== undefined && this.secret !== undefined) {
      let now = this.now_ms();
      if (method !== "GET") {
        now = Math.max(now, this.last_post_ts + 1);
        this.last_post_ts = now;
      }
      const ts = String(now);
      this.key ??= hmacKey(this.secret);
      headers[AuthHeader.ApiKey] = this.apiKey;
      headers[AuthHeader.Timestamp] = ts;
      // The gateway verifies against the target it receives: path and query, as sent here.
      headers[AuthHeader.Signature] = await signWithKey(
        await this.key,
        ts,
        method,
        url.pathname + url.search,
        text,
      );
    }
    let res: Response;
    let raw: string;
    try {
      res = await fetch(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body: text }),
        signal: AbortSignal.timeout(this.timeout_ms),
      });
      raw = await res.text();
    } catch (err) {
      const name = (err as Error).name;
      if (name === "TimeoutError" || name === "AbortError")
        throw timeoutError(this.timeout_ms, err);
      throw unavailableError(`cannot reach ${this.base.origin}: ${(err as Error).message}`, 0, err);
    }
    let env: { status?: unknown; msg?: unknown; code?: unknown; data?: unknown };
    try {
      env = JSON.parse(raw) as typeof env;
    } catch (err) {
      throw unavailableError(`not a gateway answer (HTTP ${res.status})`, res.status, err);
    }
    const seq = Number(res.headers.get("x-bourse-output-seq"));
    if (Number.isSafeInteger(seq) && seq > this.last_output_seq) this.last_output_seq = seq;
    if (res.status === 200 && env.status === 0) return env.data as T;
    if (typeof env.code !== "string" || typeof env.status !== "number") {
      throw unavailableError(`not a gateway answer (HTTP ${res.status})`, res.status);
    }
    const e = env as ErrorBody;
    throw new BourseApiError(res.status, e.code, e.msg, { error_id: e.status, data: e.data });
  }
}
