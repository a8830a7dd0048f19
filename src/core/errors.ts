// The single registry of stable error codes. A code never changes meaning once
// shipped; `id` is the compact form used on the wire and in the database, `code`
// is what clients see, `http` is the status the gateway answers with.

export interface ErrorSpec {
  readonly id: number;
  readonly code: string;
  readonly http: number;
  readonly message: string;
}

function spec(id: number, code: string, http: number, message: string): ErrorSpec {
  return Object.freeze({ id, code, http, message });
}

/** Reasons the core (UBSCore or the matching engine) refuses a command. */
export const Reject = {
  INSUFFICIENT_BALANCE: spec(1, "INSUFFICIENT_BALANCE", 422, "insufficient available balance"),
  UNKNOWN_SYMBOL: spec(2, "UNKNOWN_SYMBOL", 400, "unknown symbol"),
  UNKNOWN_ASSET: spec(3, "UNKNOWN_ASSET", 400, "unknown asset"),
  BAD_PRECISION: spec(4, "BAD_PRECISION", 400, "more decimal places than allowed"),
  BELOW_MIN_NOTIONAL: spec(5, "BELOW_MIN_NOTIONAL", 422, "order value below the minimum notional"),
  DUPLICATE_CLIENT_ORDER_ID: spec(
    6,
    "DUPLICATE_CLIENT_ORDER_ID",
    409,
    "client order id already used by an open order",
  ),
  POST_ONLY_WOULD_TAKE: spec(
    7,
    "POST_ONLY_WOULD_TAKE",
    422,
    "post-only order would match immediately",
  ),
  /** Also another user's order: whether an order id exists is not told to other users. */
  UNKNOWN_ORDER: spec(8, "UNKNOWN_ORDER", 404, "no such open order"),
  /** No longer answered (another user's order is UNKNOWN_ORDER); kept to read older logs. */
  NOT_YOUR_ORDER: spec(9, "NOT_YOUR_ORDER", 403, "order belongs to another user (retired)"),
  ORDER_ALREADY_DONE: spec(10, "ORDER_ALREADY_DONE", 409, "order is already filled or cancelled"),
  DUPLICATE_REQUEST_ID: spec(
    11,
    "DUPLICATE_REQUEST_ID",
    409,
    "request_id was already used with different parameters",
  ),
  INVALID_AMOUNT: spec(12, "INVALID_AMOUNT", 400, "amount must be a positive decimal"),
  AMOUNT_OVERFLOW: spec(13, "AMOUNT_OVERFLOW", 422, "amount exceeds the configured limits"),
  PRICE_OUT_OF_RANGE: spec(14, "PRICE_OUT_OF_RANGE", 400, "price outside the symbol's limits"),
  QUANTITY_OUT_OF_RANGE: spec(
    15,
    "QUANTITY_OUT_OF_RANGE",
    400,
    "quantity outside the symbol's limits",
  ),
  NO_LIQUIDITY: spec(16, "NO_LIQUIDITY", 422, "no opposite liquidity to price a market order"),
  /** A side, order type, time in force or stp outside its names (commands not from the HTTP API). */
  INVALID_ORDER: spec(17, "INVALID_ORDER", 400, "an order field is outside its allowed values"),
  TOO_MANY_OPEN_ORDERS: spec(18, "TOO_MANY_OPEN_ORDERS", 422, "too many open orders"),
  UNKNOWN_USER: spec(19, "UNKNOWN_USER", 400, "user id outside the allowed range"),
  /** Not a refusal of the command: why an order expired (self-trade prevention). */
  SELF_TRADE_PREVENTED: spec(20, "SELF_TRADE_PREVENTED", 422, "expired by self-trade prevention"),
  /** Not a refusal: an IOC, FOK or market order could not (fully) execute. */
  NOT_FILLED: spec(21, "NOT_FILLED", 422, "not (fully) executable at the order's price"),
  /** A cancel requested by the user. */
  USER_CANCELLED: spec(22, "USER_CANCELLED", 200, "cancelled by the user"),
  INVALID_REQUEST_ID: spec(
    23,
    "INVALID_REQUEST_ID",
    400,
    "request_id must be 1..64 printable characters",
  ),
  PRICE_REQUIRED: spec(24, "PRICE_REQUIRED", 400, "a limit order needs a price"),
  PRICE_NOT_ALLOWED: spec(25, "PRICE_NOT_ALLOWED", 400, "a market order takes no price"),
  QUANTITY_REQUIRED: spec(
    26,
    "QUANTITY_REQUIRED",
    400,
    "quantity is required (or quote_quantity for a market buy)",
  ),
  QUANTITY_CONFLICT: spec(
    27,
    "QUANTITY_CONFLICT",
    400,
    "give quantity or quote_quantity, not both",
  ),
  QUOTE_QUANTITY_NOT_ALLOWED: spec(
    28,
    "QUOTE_QUANTITY_NOT_ALLOWED",
    400,
    "quote_quantity is only for market buys",
  ),
  TIME_IN_FORCE_NOT_ALLOWED: spec(
    29,
    "TIME_IN_FORCE_NOT_ALLOWED",
    400,
    "time_in_force not allowed for this order: a market order is IOC or FOK, and a market buy by quote_quantity is IOC",
  ),
  POST_ONLY_NOT_ALLOWED: spec(
    30,
    "POST_ONLY_NOT_ALLOWED",
    400,
    "post_only is only for GTC limit orders",
  ),
  CID_TOO_LONG: spec(31, "CID_TOO_LONG", 400, "client order id longer than allowed"),
  INVALID_CID: spec(
    32,
    "INVALID_CID",
    400,
    "client order id may hold only letters, digits and _ . : -",
  ),
  INVALID_CANCEL_TARGET: spec(
    33,
    "INVALID_CANCEL_TARGET",
    400,
    "give exactly one of order_id and cid",
  ),
  // The trading commands' codes start at 40, clear of the ids the HTTP edge's
  // distinct refusals took meanwhile (24 to 33).
  /** A stop whose trigger the last trade price has already reached: Rejected at once. */
  STOP_WOULD_TRIGGER: spec(
    40,
    "STOP_WOULD_TRIGGER",
    422,
    "stop price already reached by the last trade price",
  ),
  /** Not a refusal: the other leg of the order's OCO traded, triggered or ended. */
  OCO_CANCELLED: spec(41, "OCO_CANCELLED", 200, "cancelled with the other leg of its OCO"),
  /** Not a refusal: the user's cancel-all-after timer expired. */
  AUTO_CANCELLED: spec(42, "AUTO_CANCELLED", 200, "cancelled by the cancel-all-after timer"),
  /** Not a refusal: an open order's quantity or price was changed by the user. */
  ORDER_AMENDED: spec(43, "ORDER_AMENDED", 200, "amended by the user"),
  AMEND_NOT_ALLOWED: spec(44, "AMEND_NOT_ALLOWED", 422, "this order cannot be amended that way"),
  NOT_ATTEMPTED: spec(
    45,
    "NOT_ATTEMPTED",
    409,
    "not attempted: the other half of the cancel-replace failed",
  ),
  REQUEST_EXPIRED: spec(46, "REQUEST_EXPIRED", 409, "request is older than the idempotency window"),
  TOO_MANY_TIMERS: spec(47, "TOO_MANY_TIMERS", 422, "too many armed cancel-all-after timers"),
  INVALID_TIMEOUT: spec(48, "INVALID_TIMEOUT", 400, "timeout outside the allowed range"),
  STOP_PRICE_REQUIRED: spec(
    49,
    "STOP_PRICE_REQUIRED",
    400,
    "a stop or take-profit order needs a stop_price",
  ),
  STOP_PRICE_NOT_ALLOWED: spec(
    50,
    "STOP_PRICE_NOT_ALLOWED",
    400,
    "stop_price is only for stop and take-profit orders",
  ),
} as const;

/**
 * Errors raised at the edges (HTTP, auth, transports).
 * @public
 */
export const ApiError = {
  VALIDATION: spec(100, "VALIDATION", 400, "request failed validation"),
  BAD_JSON: spec(101, "BAD_JSON", 400, "body is not valid JSON"),
  UNSUPPORTED_MEDIA_TYPE: spec(102, "UNSUPPORTED_MEDIA_TYPE", 400, "body must be application/json"),
  UNKNOWN_STREAM: spec(103, "UNKNOWN_STREAM", 400, "unknown stream name"),
  TOO_MANY_STREAMS: spec(104, "TOO_MANY_STREAMS", 400, "too many streams for one connection"),
  AUTH_MISSING: spec(110, "AUTH_MISSING", 401, "missing authentication headers"),
  AUTH_BAD_KEY: spec(111, "AUTH_BAD_KEY", 401, "unknown API key"),
  AUTH_BAD_SIGNATURE: spec(112, "AUTH_BAD_SIGNATURE", 401, "signature does not match"),
  AUTH_STALE_TIMESTAMP: spec(
    113,
    "AUTH_STALE_TIMESTAMP",
    401,
    "timestamp outside the receive window",
  ),
  FORBIDDEN: spec(114, "FORBIDDEN", 403, "this key may not call this route"),
  AUTH_REPLAYED: spec(
    115,
    "AUTH_REPLAYED",
    401,
    "this signature was already used; sign each request anew",
  ),
  INVALID_LISTEN_KEY: spec(116, "INVALID_LISTEN_KEY", 400, "listen key does not exist or expired"),
  NOT_FOUND: spec(120, "NOT_FOUND", 404, "route not found"),
  BAD_REQUEST: spec(121, "BAD_REQUEST", 400, "malformed HTTP request"),
  REQUEST_TIMEOUT: spec(122, "REQUEST_TIMEOUT", 408, "the request was not received in time"),
  HEADERS_TOO_LARGE: spec(123, "HEADERS_TOO_LARGE", 431, "request line and headers are too large"),
  RATE_LIMITED: spec(130, "RATE_LIMITED", 429, "too many requests"),
  TOO_MANY_STREAM_CONNECTIONS: spec(
    131,
    "TOO_MANY_STREAM_CONNECTIONS",
    429,
    "too many stream connections from this address",
  ),
  UNAVAILABLE: spec(140, "UNAVAILABLE", 503, "service unavailable"),
  TIMEOUT: spec(141, "TIMEOUT", 503, "no answer in time; the request may still be applied"),
  TOO_MANY_CONNECTIONS: spec(
    142,
    "TOO_MANY_CONNECTIONS",
    503,
    "the gateway has as many connections as it accepts",
  ),
  INTERNAL: spec(150, "INTERNAL", 500, "internal error"),
} as const;

export type RejectCode = keyof typeof Reject;

const byId = new Map<number, ErrorSpec>();
for (const e of [...Object.values(Reject), ...Object.values(ApiError)]) {
  if (byId.has(e.id)) throw new Error(`duplicate error id ${e.id}`);
  byId.set(e.id, e);
}

export function errorById(id: number): ErrorSpec {
  const e = byId.get(id);
  if (e === undefined) throw new Error(`unknown error id ${id}`);
  return e;
}

/** @public Every code of the registry (the web pages name errors from it). */
export const allErrors: readonly ErrorSpec[] = [...byId.values()];

/** An error that carries a registry entry; thrown at the edges, never inside the core's hot path. */
export class BourseError extends Error {
  readonly spec: ErrorSpec;
  readonly detail: string | undefined;
  constructor(spec: ErrorSpec, detail?: string, options?: ErrorOptions) {
    super(detail === undefined ? spec.message : `${spec.message}: ${detail}`, options);
    this.name = "BourseError";
    this.spec = spec;
    this.detail = detail;
  }
  get code(): string {
    return this.spec.code;
  }
}

/** A broken invariant: the process must stop rather than continue with corrupt state. */
export class InvariantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvariantError";
  }
}

/**
 * Check an invariant. On hot paths pass a function: a template string argument
 * would be built on every call, succeed or not.
 */
export function assert(cond: boolean, message: string | (() => string)): asserts cond {
  if (!cond) throw new InvariantError(typeof message === "string" ? message : message());
}
