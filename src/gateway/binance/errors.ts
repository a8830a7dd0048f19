// Errors as Binance answers them: {"code":-1121,"msg":"Invalid symbol."} with
// Binance's HTTP status. Binance clients (ccxt among them) classify failures
// by these codes and, for order rejections, by the exact message text, so the
// codes and texts here are Binance's own. Bourse's error registry stays the
// one home of what went wrong; REGISTRY_TO_BINANCE is the one table saying how
// each registry entry reads on this surface (a consistency test checks it is
// complete and uses only codes of BINANCE_CODES).

import { ApiError, allErrors, BourseError, type ErrorSpec, Reject } from "../../core/mod.ts";
import { classify } from "../http/mod.ts";

/** Binance's codes used here, by their Binance name (errors.md of the spot API docs). */
export const BINANCE_CODES = {
  UNKNOWN: -1000,
  DISCONNECTED: -1001,
  TOO_MANY_REQUESTS: -1003,
  TIMEOUT: -1007,
  INVALID_MESSAGE: -1013,
  UNKNOWN_ORDER_COMPOSITION: -1014,
  UNSUPPORTED_OPERATION: -1020,
  INVALID_TIMESTAMP: -1021,
  INVALID_SIGNATURE: -1022,
  ILLEGAL_CHARS: -1100,
  TOO_MANY_PARAMETERS: -1101,
  MANDATORY_PARAM_EMPTY_OR_MALFORMED: -1102,
  UNREAD_PARAMETERS: -1104,
  PARAM_EMPTY: -1105,
  PARAM_NOT_REQUIRED: -1106,
  PARAM_OVERFLOW: -1108,
  BAD_PRECISION: -1111,
  TIF_NOT_REQUIRED: -1114,
  INVALID_TIF: -1115,
  INVALID_ORDER_TYPE: -1116,
  INVALID_SIDE: -1117,
  BAD_INTERVAL: -1120,
  BAD_SYMBOL: -1121,
  INVALID_SYMBOLSTATUS: -1122,
  INVALID_LISTEN_KEY: -1125,
  MORE_THAN_XX_HOURS: -1127,
  OPTIONAL_PARAMS_BAD_COMBO: -1128,
  INVALID_PARAMETER: -1130,
  INVALID_TICKER_TYPE: -1139,
  DUPLICATE_SYMBOLS: -1151,
  SYMBOL_DOES_NOT_MATCH_STATUS: -1220,
  NEW_ORDER_REJECTED: -2010,
  CANCEL_REJECTED: -2011,
  NO_SUCH_ORDER: -2013,
  BAD_API_KEY_FMT: -2014,
  REJECTED_MBX_KEY: -2015,
  CLIENT_ORDER_ID_INVALID: -2039,
} as const;

export type BinanceCode = (typeof BINANCE_CODES)[keyof typeof BINANCE_CODES];

export interface BinanceAnswer {
  code: BinanceCode;
  /** The HTTP status of the answer. */
  http: number;
  msg: string;
}

/** A failure already phrased for this surface; `spec` is the registry entry it stands for. */
export class BinanceError extends BourseError {
  constructor(
    spec: ErrorSpec,
    readonly answer: BinanceAnswer,
    /** Seconds a rate-limited client should wait (the Retry-After header). */
    readonly retry_after_s: number | null = null,
  ) {
    super(spec, answer.msg);
    this.name = "BinanceError";
  }
}

/** A 400 answer for a request problem found on this surface. */
export function badRequest(code: BinanceCode, msg: string, spec: ErrorSpec = ApiError.VALIDATION) {
  return new BinanceError(spec, { code, http: 400, msg });
}

export const mandatory = (name: string) =>
  badRequest(
    BINANCE_CODES.MANDATORY_PARAM_EMPTY_OR_MALFORMED,
    `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`,
  );

export const notRequired = (name: string) =>
  badRequest(BINANCE_CODES.PARAM_NOT_REQUIRED, `Parameter '${name}' sent when not required.`);

export const illegal = (name: string, legal: string) =>
  badRequest(
    BINANCE_CODES.ILLEGAL_CHARS,
    `Illegal characters found in parameter '${name}'; legal range is '${legal}'.`,
  );

export const invalidData = (name: string) =>
  badRequest(BINANCE_CODES.INVALID_PARAMETER, `Data sent for parameter '${name}' is not valid.`);

export const filterFailure = (filter: string, spec: ErrorSpec = Reject.INVALID_ORDER) =>
  badRequest(BINANCE_CODES.INVALID_MESSAGE, `Filter failure: ${filter}`, spec);

export const unsupported = (what: string) =>
  new BinanceError(ApiError.NOT_FOUND, {
    code: BINANCE_CODES.UNSUPPORTED_OPERATION,
    http: 404,
    msg: `This operation is not supported. ${what}`,
  });

/** Order statuses a registry reason leads to when it is not a failure of the request. */
export type Outcome = { readonly outcome: "EXPIRED" | "EXPIRED_IN_MATCH" | "CANCELED" | "NEW" };

/**
 * How a registry entry answers. `detail` appends Bourse's own explanation to
 * Binance's text; it stays off where clients match the text exactly.
 */
export type Row = BinanceAnswer & { readonly detail: boolean };

type RegistryCode = keyof typeof Reject | keyof typeof ApiError;

const row = (code: BinanceCode, http: number, msg: string, detail = false): Row =>
  Object.freeze({ code, http, msg, detail });

const UNKNOWN_ORDER_SENT = "Unknown order sent.";

export const REGISTRY_TO_BINANCE: Readonly<Record<RegistryCode, Row | Outcome>> = Object.freeze({
  INSUFFICIENT_BALANCE: row(-2010, 400, "Account has insufficient balance for requested action."),
  UNKNOWN_SYMBOL: row(-1121, 400, "Invalid symbol."),
  UNKNOWN_ASSET: row(-1130, 400, "Data sent for parameter 'asset' is not valid."),
  BAD_PRECISION: row(-1111, 400, "A parameter has too much precision.", true),
  BELOW_MIN_NOTIONAL: row(-1013, 400, "Filter failure: NOTIONAL"),
  DUPLICATE_CLIENT_ORDER_ID: row(-2010, 400, "Duplicate order sent."),
  POST_ONLY_WOULD_TAKE: row(-2010, 400, "Order would immediately match and take."),
  UNKNOWN_ORDER: row(-2013, 400, "Order does not exist."),
  NOT_YOUR_ORDER: row(-2013, 400, "Order does not exist."),
  ORDER_ALREADY_DONE: row(-2011, 400, UNKNOWN_ORDER_SENT),
  DUPLICATE_REQUEST_ID: row(-1130, 400, "Data sent for parameter 'request_id' is not valid."),
  INVALID_AMOUNT: row(-1100, 400, "Illegal characters found in a parameter.", true),
  AMOUNT_OVERFLOW: row(-1108, 400, "A parameter overflowed.", true),
  PRICE_OUT_OF_RANGE: row(-1013, 400, "Filter failure: PRICE_FILTER"),
  QUANTITY_OUT_OF_RANGE: row(-1013, 400, "Filter failure: LOT_SIZE"),
  NO_LIQUIDITY: row(-2010, 400, "Order book liquidity is less than symbol minimum quantity."),
  INVALID_ORDER: row(-1014, 400, "Unsupported order combination.", true),
  PRICE_REQUIRED: row(
    -1102,
    400,
    "Mandatory parameter 'price' was not sent, was empty/null, or malformed.",
  ),
  PRICE_NOT_ALLOWED: row(-1106, 400, "Parameter 'price' sent when not required."),
  QUANTITY_REQUIRED: row(
    -1102,
    400,
    "Mandatory parameter 'quantity' was not sent, was empty/null, or malformed.",
  ),
  QUANTITY_CONFLICT: row(-1106, 400, "Parameter 'quoteOrderQty' sent when not required."),
  QUOTE_QUANTITY_NOT_ALLOWED: row(-1106, 400, "Parameter 'quoteOrderQty' sent when not required."),
  TIME_IN_FORCE_NOT_ALLOWED: row(-1106, 400, "Parameter 'timeInForce' sent when not required."),
  POST_ONLY_NOT_ALLOWED: row(-1014, 400, "Unsupported order combination.", true),
  CID_TOO_LONG: row(-1100, 400, "Illegal characters found in parameter 'newClientOrderId'.", true),
  INVALID_CID: row(-1100, 400, "Illegal characters found in parameter 'newClientOrderId'.", true),
  INVALID_CANCEL_TARGET: row(
    -1102,
    400,
    "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!",
  ),
  TOO_MANY_OPEN_ORDERS: row(-1013, 400, "Filter failure: EXCHANGE_MAX_NUM_ORDERS"),
  UNKNOWN_USER: row(-2015, 401, "Invalid API-key, IP, or permissions for action."),
  SELF_TRADE_PREVENTED: { outcome: "EXPIRED_IN_MATCH" },
  NOT_FILLED: { outcome: "EXPIRED" },
  USER_CANCELLED: { outcome: "CANCELED" },
  INVALID_REQUEST_ID: row(-1100, 400, "Illegal characters found in parameter 'request_id'."),
  VALIDATION: row(-1100, 400, "Illegal characters found in a parameter.", true),
  BAD_JSON: row(-1100, 400, "Illegal characters found in a parameter.", true),
  UNSUPPORTED_MEDIA_TYPE: row(
    -1100,
    400,
    "Parameters go in the query string or an application/x-www-form-urlencoded body.",
  ),
  AUTH_MISSING: row(-2014, 401, "API-key format invalid."),
  AUTH_BAD_KEY: row(-2015, 401, "Invalid API-key, IP, or permissions for action."),
  AUTH_BAD_SIGNATURE: row(-1022, 400, "Signature for this request is not valid."),
  AUTH_STALE_TIMESTAMP: row(-1021, 400, "Timestamp for this request is outside of the recvWindow."),
  AUTH_REPLAYED: row(-1022, 400, "Signature for this request is not valid.", true),
  FORBIDDEN: row(-2015, 401, "Invalid API-key, IP, or permissions for action."),
  NOT_FOUND: row(-1020, 404, "This operation is not supported.", true),
  RATE_LIMITED: row(-1003, 429, "Too many requests.", true),
  BAD_REQUEST: row(-1100, 400, "Illegal characters found in a parameter.", true),
  REQUEST_TIMEOUT: row(-1007, 408, "Timeout waiting for response from backend server.", true),
  HEADERS_TOO_LARGE: row(-1100, 431, "Request line and headers are too large.", true),
  TOO_MANY_CONNECTIONS: row(-1003, 429, "Too many connections.", true),
  TOO_MANY_STREAM_CONNECTIONS: row(-1003, 429, "Too many connections.", true),
  INVALID_LISTEN_KEY: row(-1125, 400, "This listenKey does not exist."),
  STOP_WOULD_TRIGGER: row(-2010, 400, "Order would trigger immediately."),
  OCO_CANCELLED: { outcome: "CANCELED" },
  AUTO_CANCELLED: { outcome: "CANCELED" },
  ORDER_AMENDED: { outcome: "NEW" },
  AMEND_NOT_ALLOWED: row(-1013, 400, "Order amend rejected.", true),
  NOT_ATTEMPTED: row(-1013, 400, "Not attempted: the other half of the cancel-replace failed."),
  REQUEST_EXPIRED: row(-1100, 400, "The request is older than the idempotency window.", true),
  TOO_MANY_TIMERS: row(-1013, 400, "Too many cancel-all-after timers.", true),
  INVALID_TIMEOUT: row(-1100, 400, "Illegal characters found in parameter 'countdownTime'.", true),
  STOP_PRICE_REQUIRED: row(
    -1102,
    400,
    "Mandatory parameter 'stopPrice' was not sent, was empty/null, or malformed.",
  ),
  STOP_PRICE_NOT_ALLOWED: row(-1106, 400, "Parameter 'stopPrice' sent when not required."),
  UNKNOWN_STREAM: row(-1100, 400, "Illegal characters found in parameter 'streams'.", true),
  TOO_MANY_STREAMS: row(-1100, 400, "Too many streams in one connection.", true),
  UNAVAILABLE: row(-1001, 503, "Internal error; unable to process your request. Please try again."),
  TIMEOUT: row(
    -1007,
    503,
    "Timeout waiting for response from backend server. Send status unknown; execution status unknown.",
  ),
  INTERNAL: row(-1000, 500, "An unknown error occurred while processing the request."),
});

/** A cancel names an order that is not open (or not the caller's) the way Binance does. */
const IN_CANCEL: Readonly<Partial<Record<RegistryCode, Row>>> = Object.freeze({
  UNKNOWN_ORDER: row(-2011, 400, UNKNOWN_ORDER_SENT),
  NOT_YOUR_ORDER: row(-2011, 400, UNKNOWN_ORDER_SENT),
  ORDER_ALREADY_DONE: row(-2011, 400, UNKNOWN_ORDER_SENT),
});

export type Context = "default" | "cancel";

/** The row of a registry code; null for the codes that name an order outcome, not a failure. */
export function rowOf(code: string, context: Context = "default"): Row | null {
  const key = code as RegistryCode;
  const r = (context === "cancel" ? IN_CANCEL[key] : undefined) ?? REGISTRY_TO_BINANCE[key];
  if (r === undefined || "outcome" in r) return null;
  return r;
}

/** The order status a registry reason stands for, when it is an outcome (STP, not filled, cancel). */
export function outcomeOf(code: string): Outcome["outcome"] | null {
  const r = REGISTRY_TO_BINANCE[code as RegistryCode];
  return r !== undefined && "outcome" in r ? r.outcome : null;
}

const byCode = new Map<string, ErrorSpec>(allErrors.map((e) => [e.code, e]));

/** The failure a code the core answered with stands for (INTERNAL for one it does not know). */
export function registryError(code: string): BourseError {
  const spec = byCode.get(code);
  return new BourseError(spec !== undefined && spec.http >= 400 ? spec : ApiError.INTERNAL);
}

export interface Failure {
  spec: ErrorSpec;
  answer: BinanceAnswer;
  retry_after_s: number | null;
}

/** Any thrown value as this surface answers it. */
export function failureOf(err: unknown, body_limit_bytes: number, context: Context): Failure {
  if (err instanceof BinanceError) {
    return { spec: err.spec, answer: err.answer, retry_after_s: err.retry_after_s };
  }
  const c = err instanceof BourseError ? { spec: err.spec, msg: err.detail ?? "" } : null;
  const { spec, msg } = c ?? classify(err, body_limit_bytes);
  const r = rowOf(spec.code, context) ?? (rowOf(ApiError.INTERNAL.code) as Row);
  const detail = r.detail && msg !== "" && msg !== spec.message && spec !== ApiError.INTERNAL;
  return {
    spec,
    answer: { code: r.code, http: r.http, msg: detail ? `${r.msg} ${sentence(msg)}` : r.msg },
    retry_after_s: null,
  };
}

function sentence(text: string): string {
  const t = text.charAt(0).toUpperCase() + text.slice(1);
  return t.endsWith(".") ? t : `${t}.`;
}
