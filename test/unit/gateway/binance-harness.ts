// Signed requests to the Binance surface of an injected gateway, the way a
// Binance client sends them: parameters in the query string or a form body,
// timestamp, signature over query string + body, key in X-MBX-APIKEY.

import type { LightMyRequestResponse } from "fastify";
import { binanceSignature } from "../../../src/gateway/binance/mod.ts";
import type { ApiKey } from "../../../src/gateway/mod.ts";
import type { Harness } from "./harness.ts";

export interface BnOptions {
  /** Send the parameters (and signature) as a form body instead of the query string. */
  body?: boolean;
  ts?: number;
  /** Sign with this secret instead of the key's. */
  secret?: string;
  headers?: Record<string, string | undefined>;
  /** Add no timestamp and no signature (public and API-key-only routes). */
  unsigned?: boolean;
}

export type Method = "GET" | "POST" | "PUT" | "DELETE";

export async function bn(
  h: Harness,
  key: ApiKey | null,
  method: Method,
  path: string,
  params: Record<string, string> = {},
  o: BnOptions = {},
): Promise<LightMyRequestResponse> {
  let payload = new URLSearchParams(params).toString();
  if (key !== null && o.unsigned !== true) {
    const ts = `timestamp=${o.ts ?? h.clock.t}`;
    payload = payload === "" ? ts : `${payload}&${ts}`;
    payload = `${payload}&signature=${binanceSignature(o.secret ?? key.secret, payload)}`;
  }
  const headers: Record<string, string> = {};
  if (key !== null) headers["x-mbx-apikey"] = key.api_key;
  if (o.body === true) headers["content-type"] = "application/x-www-form-urlencoded";
  for (const [k, v] of Object.entries(o.headers ?? {})) {
    if (v === undefined) delete headers[k];
    else headers[k] = v;
  }
  if (o.body === true) return h.app.inject({ method, url: path, headers, payload });
  return h.app.inject({ method, url: payload === "" ? path : `${path}?${payload}`, headers });
}

export interface BinanceBody {
  code?: number;
  msg?: string;
  [field: string]: unknown;
}

export function body(r: LightMyRequestResponse): BinanceBody {
  return JSON.parse(r.body) as BinanceBody;
}

/** [HTTP status, Binance code, message] of a failure. */
export function failed(
  r: LightMyRequestResponse,
): [number, number | undefined, string | undefined] {
  const b = body(r);
  return [r.statusCode, b.code, b.msg];
}
