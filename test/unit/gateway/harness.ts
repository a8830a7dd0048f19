// A gateway over a real in-process exchange, with keys in a temporary data
// folder and a clock the test moves, plus a signer for injected requests.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LightMyRequestResponse } from "fastify";
import { loadSpec } from "../../../src/core/mod.ts";
import {
  type ApiKey,
  buildGatewayApp,
  type GatewayEvent,
  type GatewayEventFields,
  type GatewayOptions,
  KeyStore,
  sign,
  type TypedApp,
} from "../../../src/gateway/mod.ts";
import { DirectBackend } from "../../support/direct-backend.ts";

export const T0 = 1_700_000_000_000;

export interface Harness {
  app: TypedApp;
  backend: DirectBackend;
  keys: KeyStore;
  dir: string;
  alice: ApiKey;
  bob: ApiKey;
  operator: ApiKey;
  clock: { t: number };
  /** Signed requests sent; each is signed at a different moment, as a real client's clock moves. */
  sent: number;
  events: { event: GatewayEvent; fields: GatewayEventFields }[];
  close(): Promise<void>;
}

export const ALICE = 1001;
export const BOB = 1002;

export async function harness(options: GatewayOptions = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), "bourse-gw-"));
  const keys = KeyStore.open(dir);
  const alice = keys.create({ role: "user", user_id: ALICE });
  const bob = keys.create({ role: "user", user_id: BOB });
  const operator = keys.create({ role: "operator" });
  const spec = loadSpec();
  const backend = await DirectBackend.open(spec);
  const clock = { t: T0 };
  const events: Harness["events"] = [];
  const app = buildGatewayApp({
    backend,
    spec,
    keys,
    options: { rate_limit: null, public_rate_limit: null, now_ms: () => clock.t, ...options },
    hooks: { onEvent: (event, fields) => events.push({ event, fields }) },
  });
  await app.ready();
  return {
    app,
    backend,
    keys,
    dir,
    alice,
    bob,
    operator,
    clock,
    sent: 0,
    events,
    async close() {
      await app.close();
      await backend.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface SignOptions {
  /** Timestamp to sign with; by default a moment before the harness clock, a new one per request. */
  ts?: number;
  /** Replace or drop (undefined) headers after signing. */
  headers?: Record<string, string | undefined>;
  /** Sign this body instead of the one sent. */
  signedBody?: string;
}

/** Sends a signed request; an object body is sent as JSON, a string body as is. */
export async function signed(
  h: Harness,
  key: ApiKey,
  method: "GET" | "POST",
  url: string,
  body?: unknown,
  opts: SignOptions = {},
): Promise<LightMyRequestResponse> {
  const payload = body === undefined ? "" : typeof body === "string" ? body : JSON.stringify(body);
  // Two requests signed at the same moment with the same content are one request
  // sent twice (a replay, refused); a client's clock moves between requests.
  const ts = String(opts.ts ?? h.clock.t - (h.sent++ % 1000));
  const headers: Record<string, string> = {
    "x-bourse-apikey": key.api_key,
    "x-bourse-timestamp": ts,
    "x-bourse-signature": sign(key.secret, ts, method, url, opts.signedBody ?? payload),
  };
  if (method === "POST") headers["content-type"] = "application/json";
  for (const [k, v] of Object.entries(opts.headers ?? {})) {
    if (v === undefined) delete headers[k];
    else headers[k] = v;
  }
  return h.app.inject({
    method,
    url,
    headers,
    ...(method === "POST" ? { payload } : {}),
  });
}

export interface Envelope {
  status: number;
  msg: string;
  code?: string;
  data?: unknown;
}

export function json(r: LightMyRequestResponse): Envelope {
  return JSON.parse(r.body) as Envelope;
}

/** Deposit through the API, as an operator. */
export async function deposit(
  h: Harness,
  user_id: number,
  asset: string,
  amount: string,
  request_id: string,
): Promise<LightMyRequestResponse> {
  return signed(h, h.operator, "POST", "/api/v1/user/transfer_in", {
    request_id,
    user_id,
    asset,
    amount,
  });
}

export async function balances(h: Harness, key: ApiKey): Promise<unknown> {
  return json(await signed(h, key, "GET", "/api/v1/user/balance")).data;
}

/**
 * Everything a user can observe, for "nothing changed" checks. The depth's
 * update id is left out: any command that reaches the book advances it, even
 * one that changes no level.
 */
export async function observe(h: Harness, key: ApiKey): Promise<unknown> {
  const get = async (url: string) => json(await signed(h, key, "GET", url)).data;
  const depth = json(
    await h.app.inject({ method: "GET", url: "/api/v1/market/depth?symbol=BTC_USDT" }),
  ).data as Record<string, unknown>;
  const { last_update_id: _, ...levels } = depth;
  return {
    balance: await get("/api/v1/user/balance"),
    active: await get("/api/v1/order/active"),
    history: await get("/api/v1/order/history"),
    trades: await get("/api/v1/order/trades"),
    depth: levels,
  };
}
