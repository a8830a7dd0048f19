// Request authentication. A request proves it holds a key's secret by signing
// its timestamp, method, target and exact body bytes (signature.ts); the
// timestamp bounds how long a captured request can be replayed. The identity
// of a user route is the key's user: no user id is ever read from a request.

import { ApiError, BourseError } from "../../core/mod.ts";
import type { ApiKey, KeyLookup, KeyRole } from "../keys.ts";
import { AuthHeader, sign, signatureMatches } from "./signature.ts";

export interface SignedRequest {
  method: string;
  /** The request target as received: path and query string. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  /** The body bytes as received; empty when there was none. */
  body: Uint8Array;
}

export interface AuthSettings {
  keys: KeyLookup;
  recv_window_ms: number;
}

const TIMESTAMP_RE = /^[0-9]{1,16}$/;

function header(req: SignedRequest, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === "string" && v.length > 0 ? v : undefined;
}

/** The key that signed the request, if it may call a route for `role`; throws the reason otherwise. */
export function authenticate(
  req: SignedRequest,
  role: KeyRole,
  settings: AuthSettings,
  now_ms: number,
): ApiKey {
  const api_key = header(req, AuthHeader.ApiKey);
  const timestamp = header(req, AuthHeader.Timestamp);
  const signature = header(req, AuthHeader.Signature);
  if (api_key === undefined || timestamp === undefined || signature === undefined) {
    const missing = [
      api_key === undefined ? "X-BOURSE-APIKEY" : null,
      timestamp === undefined ? "X-BOURSE-TIMESTAMP" : null,
      signature === undefined ? "X-BOURSE-SIGNATURE" : null,
    ].filter((h) => h !== null);
    throw new BourseError(ApiError.AUTH_MISSING, `missing header ${missing.join(", ")}`);
  }
  const key = settings.keys.lookup(api_key);
  if (key === undefined)
    throw new BourseError(ApiError.AUTH_BAD_KEY, ApiError.AUTH_BAD_KEY.message);
  if (!TIMESTAMP_RE.test(timestamp)) {
    throw new BourseError(
      ApiError.AUTH_STALE_TIMESTAMP,
      "X-BOURSE-TIMESTAMP must be milliseconds since the Unix epoch",
    );
  }
  const skew_ms = now_ms - Number(timestamp);
  if (Math.abs(skew_ms) > settings.recv_window_ms) {
    throw new BourseError(
      ApiError.AUTH_STALE_TIMESTAMP,
      `timestamp is ${Math.abs(skew_ms)} ms ${skew_ms > 0 ? "old" : "in the future"}; the receive window is ${settings.recv_window_ms} ms`,
    );
  }
  const expected = sign(key.secret, timestamp, req.method, req.url, req.body);
  if (!signatureMatches(expected, signature)) {
    throw new BourseError(ApiError.AUTH_BAD_SIGNATURE, ApiError.AUTH_BAD_SIGNATURE.message);
  }
  if (key.role !== role) {
    throw new BourseError(
      ApiError.FORBIDDEN,
      role === "operator" ? "this route needs an operator key" : "this route needs a user key",
    );
  }
  return key;
}
