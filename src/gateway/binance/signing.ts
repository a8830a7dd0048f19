// Binance's request signing, verified with the same API keys as /api/v1:
//
//   signature = hex HMAC-SHA256(secret, query_string + body)
//
// over the exact bytes sent, without the signature parameter itself (which
// may stand in the query string or the body), with the key in X-MBX-APIKEY,
// and `timestamp` (ms, or µs with 16 digits) accepted when
//   timestamp < now + 1 s  and  now - timestamp <= recvWindow
// (recvWindow defaults to the gateway's receive window, at most 60000 ms,
// with up to three decimals for microseconds).

import { createHmac } from "node:crypto";
import { ApiError } from "../../core/mod.ts";
import { signatureMatches } from "../http/mod.ts";
import type { ApiKey, KeyLookup } from "../keys.ts";
import { BINANCE_CODES, BinanceError, badRequest, mandatory } from "./errors.ts";

export const API_KEY_HEADER = "x-mbx-apikey";
export const MAX_RECV_WINDOW_MS = 60_000;
/** How far ahead of the server clock a timestamp may be. */
export const AHEAD_LIMIT_MS = 1000;

/** Who may call a route: anyone, an API key alone (listen keys), or a signed request. */
export type Security = "NONE" | "USER_STREAM" | "SIGNED";

export function binanceSignature(secret: string, payload: string): string {
  return createHmac("sha256", secret).update(payload).digest("hex");
}

export interface SignedParts {
  /** The query string as received, without "?". */
  query: string;
  /** The body as received (a form), "" when none. */
  body: string;
}

/** The signed payload (both parts without their signature pair) and the signature sent. */
export function splitSignature(parts: SignedParts): { payload: string; signature: string | null } {
  const q = withoutSignature(parts.query);
  const b = withoutSignature(parts.body);
  if (q.signature !== null && b.signature !== null) {
    throw badRequest(
      BINANCE_CODES.TOO_MANY_PARAMETERS,
      "Duplicate values for a parameter detected (signature).",
    );
  }
  return { payload: q.rest + b.rest, signature: q.signature ?? b.signature };
}

function withoutSignature(raw: string): { rest: string; signature: string | null } {
  if (raw === "") return { rest: "", signature: null };
  const kept: string[] = [];
  let signature: string | null = null;
  for (const pair of raw.split("&")) {
    if (pair.startsWith("signature=")) {
      if (signature !== null) {
        throw badRequest(
          BINANCE_CODES.TOO_MANY_PARAMETERS,
          "Duplicate values for a parameter detected (signature).",
        );
      }
      signature = pair.slice("signature=".length);
    } else {
      kept.push(pair);
    }
  }
  return { rest: kept.join("&"), signature };
}

const TIMESTAMP_RE = /^[0-9]{1,16}$/;
const RECV_WINDOW_RE = /^[0-9]{1,5}(\.[0-9]{1,3})?$/;

/** A timestamp parameter in microseconds: 16 digits are microseconds already, fewer are ms. */
export function timestampMicros(text: string): number | null {
  if (!TIMESTAMP_RE.test(text)) return null;
  const n = Number(text);
  return text.length === 16 ? n : n * 1000;
}

/** recvWindow in microseconds; null when absent. */
export function recvWindowMicros(text: string | undefined): number | null {
  if (text === undefined) return null;
  if (!RECV_WINDOW_RE.test(text)) throw mandatory("recvWindow");
  const [whole, frac = ""] = text.split(".");
  const us = Number(whole) * 1000 + Number(frac.padEnd(3, "0"));
  if (us > MAX_RECV_WINDOW_MS * 1000) {
    throw badRequest(
      BINANCE_CODES.MANDATORY_PARAM_EMPTY_OR_MALFORMED,
      `'recvWindow' contains unexpected value. Cannot be greater than ${MAX_RECV_WINDOW_MS}.`,
    );
  }
  return us;
}

/** Throws -1021 unless the timestamp is inside the window around now. */
export function checkTiming(ts_us: number, recv_window_us: number, now_ms: number): void {
  const now_us = now_ms * 1000;
  if (ts_us >= now_us + AHEAD_LIMIT_MS * 1000) {
    throw new BinanceError(ApiError.AUTH_STALE_TIMESTAMP, {
      code: BINANCE_CODES.INVALID_TIMESTAMP,
      http: 400,
      msg: `Timestamp for this request was ${AHEAD_LIMIT_MS}ms ahead of the server's time.`,
    });
  }
  if (now_us - ts_us > recv_window_us) {
    throw new BinanceError(ApiError.AUTH_STALE_TIMESTAMP, {
      code: BINANCE_CODES.INVALID_TIMESTAMP,
      http: 400,
      msg: "Timestamp for this request is outside of the recvWindow.",
    });
  }
}

/** The user key named by X-MBX-APIKEY; -2014 when missing, -2015 when unknown or not a user key. */
export function keyOf(header: string | string[] | undefined, keys: KeyLookup): ApiKey {
  if (typeof header !== "string" || header === "") {
    throw new BinanceError(ApiError.AUTH_MISSING, {
      code: BINANCE_CODES.BAD_API_KEY_FMT,
      http: 401,
      msg: "API-key format invalid.",
    });
  }
  const key = keys.lookup(header);
  if (key === undefined || key.role !== "user") {
    throw new BinanceError(key === undefined ? ApiError.AUTH_BAD_KEY : ApiError.FORBIDDEN, {
      code: BINANCE_CODES.REJECTED_MBX_KEY,
      http: 401,
      msg: "Invalid API-key, IP, or permissions for action.",
    });
  }
  return key;
}

export interface SignedRequest extends SignedParts {
  api_key_header: string | string[] | undefined;
  /** The parsed parameters' timestamp and recvWindow as sent. */
  timestamp: string | undefined;
  recv_window: string | undefined;
}

/** The key that signed a SIGNED request; throws the Binance answer otherwise. */
export function verifySigned(
  req: SignedRequest,
  keys: KeyLookup,
  default_recv_window_ms: number,
  now_ms: number,
): ApiKey {
  const key = keyOf(req.api_key_header, keys);
  if (req.timestamp === undefined) throw mandatory("timestamp");
  const ts_us = timestampMicros(req.timestamp);
  if (ts_us === null) throw mandatory("timestamp");
  const { payload, signature } = splitSignature(req);
  if (signature === null || signature === "") throw mandatory("signature");
  const window_us =
    recvWindowMicros(req.recv_window) ??
    Math.min(default_recv_window_ms, MAX_RECV_WINDOW_MS) * 1000;
  checkTiming(ts_us, window_us, now_ms);
  if (!signatureMatches(binanceSignature(key.secret, payload), signature)) {
    throw new BinanceError(ApiError.AUTH_BAD_SIGNATURE, {
      code: BINANCE_CODES.INVALID_SIGNATURE,
      http: 400,
      msg: "Signature for this request is not valid.",
    });
  }
  return key;
}
