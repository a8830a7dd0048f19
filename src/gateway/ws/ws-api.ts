// Binance's WebSocket API, as far as clients need it to follow a user's
// orders: ccxt's watchOrders and watchBalance subscribe to the spot user data
// stream with `userDataStream.subscribe.signature` on /ws-api/v3 (listen keys
// are Binance's older way, served at /ws/<listenKey>). A request is
// {"id","method","params"}; the answer {"id","status":200,"result"} or
// {"id","status":4xx,"error":{"code","msg"}} with Binance's codes. Once
// subscribed, the user's events (executionReport, outboundAccountPosition,
// balanceUpdate: the same as the listen-key stream) arrive on the connection
// as {"subscriptionId":N,"event":{…}}. The signature is checked as a signed
// REST request's: the parameters but `signature`, sorted by name, joined as
// `name=value&…`, HMAC-SHA256 with the key's secret, within the recvWindow.

import { ApiError } from "../../core/mod.ts";
import { BINANCE_CODES, BinanceError, failureOf, verifySigned } from "../binance/mod.ts";
import type { KeyLookup } from "../keys.ts";
import type { Conn, Fanout } from "./fanout.ts";

export const WS_API_PATH = "/ws-api/v3";

/** The methods served; anything else answers -1020 (not supported). */
export const WS_API_METHODS = [
  "ping",
  "time",
  "userDataStream.subscribe.signature",
  "userDataStream.unsubscribe",
] as const;

export interface WsApiDeps {
  keys: KeyLookup;
  fanout: Fanout;
  now_ms: () => number;
  recv_window_ms: number;
}

interface Request {
  id: string | number | null;
  method: string;
  params: Record<string, unknown>;
}

/** Answers one text message of a /ws-api/v3 connection. */
export function wsApiMessage(c: Conn, text: string, d: WsApiDeps): void {
  let req: Request;
  try {
    req = parseRequest(text);
  } catch (err) {
    answer(c, null, err);
    return;
  }
  try {
    answer(c, req.id, null, run(c, req, d));
  } catch (err) {
    answer(c, req.id, err);
  }
}

function run(c: Conn, req: Request, d: WsApiDeps): unknown {
  switch (req.method) {
    case "ping":
      return {};
    case "time":
      return { serverTime: d.now_ms() };
    case "userDataStream.subscribe.signature":
      return subscribe(c, req.params, d);
    case "userDataStream.unsubscribe":
      d.fanout.unsubscribeUser(c);
      return {};
    default:
      throw new BinanceError(ApiError.NOT_FOUND, {
        code: BINANCE_CODES.UNSUPPORTED_OPERATION,
        http: 400,
        msg: `This operation is not supported: ${req.method}. Served: ${WS_API_METHODS.join(", ")}.`,
      });
  }
}

function subscribe(c: Conn, params: Record<string, unknown>, d: WsApiDeps) {
  const text: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) {
    if (typeof v !== "string" && typeof v !== "number") throw invalid(`'${k}' must be a scalar.`);
    text[k] = String(v);
  }
  const signed = Object.keys(text)
    .filter((k) => k !== "signature")
    .sort()
    .map((k) => `${k}=${text[k]}`)
    .join("&");
  const signature = text.signature === undefined ? "" : `&signature=${text.signature}`;
  const key = verifySigned(
    {
      api_key_header: text.apiKey,
      timestamp: text.timestamp,
      recv_window: text.recvWindow,
      query: `${signed}${signature}`,
      body: "",
    },
    d.keys,
    d.recv_window_ms,
    d.now_ms(),
  );
  if (c.user_id !== null && c.user_id !== key.user_id) {
    throw invalid("This connection already follows another user's data stream.");
  }
  const id = c.api_subscription ?? 0;
  d.fanout.subscribeUser(c, null, key.user_id as number);
  c.api_subscription = id;
  return { subscriptionId: id };
}

function parseRequest(text: string): Request {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    throw invalid("Malformed JSON request.");
  }
  if (typeof msg !== "object" || msg === null || Array.isArray(msg)) {
    throw invalid("A request is a JSON object.");
  }
  const m = msg as { id?: unknown; method?: unknown; params?: unknown };
  const id = m.id ?? null;
  if (id !== null && typeof id !== "string" && !Number.isSafeInteger(id)) {
    throw invalid("'id' must be a string or an integer.");
  }
  if (typeof m.method !== "string") throw invalid("'method' must be a string.");
  const params = m.params ?? {};
  if (typeof params !== "object" || params === null || Array.isArray(params)) {
    throw invalid("'params' must be an object.");
  }
  return {
    id: id as string | number | null,
    method: m.method,
    params: params as Request["params"],
  };
}

function invalid(msg: string): BinanceError {
  return new BinanceError(ApiError.VALIDATION, {
    code: BINANCE_CODES.INVALID_PARAMETER,
    http: 400,
    msg,
  });
}

function answer(c: Conn, id: Request["id"], err: unknown, result?: unknown): void {
  if (c.closed) return;
  if (err === null) {
    c.ws.send(JSON.stringify({ id, status: 200, result }));
    return;
  }
  const { answer: a } = failureOf(err, 0, "default");
  c.ws.send(JSON.stringify({ id, status: a.http, error: { code: a.code, msg: a.msg } }));
}
