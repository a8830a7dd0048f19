// Streams on the gateway, in Binance Spot's dialect: raw streams at
// /ws/<stream> (several: /ws/<a>/<b>), combined streams at
// /stream?streams=<a>/<b> (each event wrapped as {"stream":…,"data":…}),
// SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS messages on either, and a
// user's data stream at /ws/<listenKey> (or as one of the combined streams).
// The upgrade is an ordinary GET through the app's hooks (readiness, the
// per-address rate limit, request logging); the connection limits are
// checked there too, so a refusal is a plain HTTP error with a registry code.
// Also here: the listen key routes and the header that tells a REST reader
// which output its answer reflects (for resyncing a user stream), and
// Binance's WebSocket API for user data (ws-api.ts) at /ws-api/v3.

import websocket from "@fastify/websocket";
import type { FastifyRequest } from "fastify";
import { Type } from "typebox";
import type { WebSocket } from "ws";
import { ApiError, BourseError } from "../../core/mod.ts";
import { type MarketHub, parseStream, symbolLookup } from "../../marketdata/mod.ts";
import { ok, type RouteContext, type TypedApp, userOf } from "../http/context.ts";
import { FAILURES, SIGNED } from "../http/route-schema.ts";
import { ListenKey, ListenKeyQuery, Ok } from "../http/schemas.ts";
import type { KeyLookup } from "../keys.ts";
import { CloseCode } from "./close-codes.ts";
import { Conn, Fanout } from "./fanout.ts";
import { ListenKeys } from "./listen-keys.ts";
import { WS_API_PATH, type WsApiDeps, wsApiMessage } from "./ws-api.ts";

export interface StreamLimits {
  /** Open stream connections from one client address. */
  max_connections_per_address: number;
  /** Open stream connections on this gateway. */
  max_connections: number;
  max_streams_per_connection: number;
  /** Messages a client may send a second; beyond, the connection is closed (POLICY). */
  max_messages_per_s: number;
  /** Unsent bytes a connection may hold before it is closed as a slow consumer. */
  max_buffer_bytes: number;
  /** Largest message a client may send. */
  max_message_bytes: number;
  /** A ping every this often; no pong by the next one closes the connection. */
  ping_every_ms: number;
  /** A connection lives this long at most. */
  max_lifetime_ms: number;
  /** Least time between two flushes of the fan-out (0: every turn of the event loop). */
  flush_interval_ms: number;
}

export const STREAM_DEFAULTS: Readonly<StreamLimits> = Object.freeze({
  max_connections_per_address: 100,
  max_connections: 20_000,
  max_streams_per_connection: 1024,
  max_messages_per_s: 10,
  max_buffer_bytes: 4 * 1024 * 1024,
  max_message_bytes: 64 * 1024,
  ping_every_ms: 20_000,
  max_lifetime_ms: 24 * 3_600_000,
  flush_interval_ms: 0,
});

/** What the gateway app needs to serve streams: buildGatewayApp takes it as `streams`. */
export interface GatewayStreams {
  readonly hub: MarketHub;
  readonly fanout: Fanout;
  readonly listen_keys: ListenKeys;
  readonly limits: StreamLimits;
  /** A lower bound of the output seq a user's REST read reflects (X-Bourse-Output-Seq). */
  readonly reflected_seq: () => number;
  /** Open connections (for tests and metrics). */
  connections(): number;
  /**
   * The gateway lost outputs it follows (a gap): what user and trade streams
   * sent may miss events, so every connection is closed with RESYNC (4001).
   */
  resync(reason: string): void;
  stop(): void;
}

export interface StreamsOptions {
  hub: MarketHub;
  limits?: Partial<StreamLimits>;
  /**
   * A lower bound of the output seq user reads reflect: settlement's committed
   * position wherever history comes from the settlement database. Default: the
   * hub's last followed output (right only for reads of live state).
   */
  reflected_seq?: () => number;
  listen_keys?: ListenKeys;
}

export const OUTPUT_SEQ_HEADER = "x-bourse-output-seq";

interface Plan {
  streams: string[];
  user: { key: string; user_id: number } | null;
  combined: boolean;
  /** A /ws-api/v3 connection: its messages are WebSocket API requests. */
  api: boolean;
}

/**
 * ccxt opens raw-stream connections at /ws/<n>, numbering them, and
 * subscribes by message: a path name of digits only names no stream.
 */
const CONNECTION_INDEX_RE = /^[0-9]{1,6}$/;

/** The fan-out, the listen keys and the connection book-keeping, wired to a hub. */
export function createStreams(o: StreamsOptions): GatewayStreams {
  const limits = { ...STREAM_DEFAULTS, ...o.limits };
  const fanout = new Fanout({
    max_buffer_bytes: limits.max_buffer_bytes,
    flush_interval_ms: limits.flush_interval_ms,
  });
  o.hub.attach(fanout);
  const listen_keys = o.listen_keys ?? new ListenKeys();
  listen_keys.onExpired((key, user_id) => {
    for (const c of fanout.connsOfKey(key, user_id)) {
      try {
        c.ws.send(`{"e":"listenKeyExpired","E":${Date.now()},"listenKey":"${key}"}`);
      } catch {
        // The connection is going anyway.
      }
      c.close(CloseCode.LISTEN_KEY_EXPIRED, "listen key expired or deleted");
    }
  });
  const hub = o.hub;
  const s: GatewayStreams & { conns: Set<Conn> } = {
    hub,
    fanout,
    listen_keys,
    limits,
    reflected_seq: o.reflected_seq ?? (() => hub.outputsThrough()),
    conns: new Set<Conn>(),
    connections: () => s.conns.size,
    resync(reason: string) {
      for (const c of s.conns) c.close(CloseCode.RESYNC, reason);
    },
    stop() {
      listen_keys.stop();
      hub.stop();
      for (const c of s.conns) c.close(CloseCode.GOING_AWAY, "the gateway is shutting down");
    },
  };
  return s;
}

/** Binance's answer codes for stream control messages. */
const MsgError = { UNKNOWN_PROPERTY: 0, INVALID_VALUE: 1, INVALID_REQUEST: 2, INVALID_JSON: 3 };

/** The routes and hooks; buildGatewayApp calls this once, before its other routes. */
/** What the WebSocket API needs to check a subscription's signature. */
export interface WsApiAuth {
  keys: KeyLookup;
  recv_window_ms: number;
}

export function streamRoutes(
  app: TypedApp,
  ctx: RouteContext,
  streams: GatewayStreams,
  auth: WsApiAuth,
): void {
  const st = streams as GatewayStreams & { conns: Set<Conn> };
  const { fanout, listen_keys, limits } = streams;
  const lookup = symbolLookup(ctx.spec);
  const per_address = new Map<string, number>();
  const plans = new WeakMap<FastifyRequest, Plan>();
  const started = new WeakMap<FastifyRequest, number>();

  // Every user read states the output it reflects at least (taken before the read).
  app.addHook("onRequest", async (req) => {
    if (req.method === "GET") started.set(req, streams.reflected_seq());
  });
  app.addHook("onSend", async (req, reply, payload) => {
    if (req.routeOptions.config.access === "user" && req.method === "GET") {
      reply.header(OUTPUT_SEQ_HEADER, String(started.get(req) ?? 0));
    }
    return payload;
  });

  const api_deps: WsApiDeps = { ...auth, fanout, now_ms: ctx.now_ms };
  const plan = (names: string[], combined: boolean, ip: string, api = false): Plan => {
    if ((per_address.get(ip) ?? 0) >= limits.max_connections_per_address) {
      throw new BourseError(
        ApiError.TOO_MANY_STREAM_CONNECTIONS,
        `${limits.max_connections_per_address} connections from this address are open`,
      );
    }
    if (st.conns.size >= limits.max_connections) {
      throw new BourseError(
        ApiError.TOO_MANY_STREAM_CONNECTIONS,
        "the gateway's connections are full",
      );
    }
    if (names.length > limits.max_streams_per_connection) {
      throw new BourseError(
        ApiError.TOO_MANY_STREAMS,
        `${names.length} streams; at most ${limits.max_streams_per_connection} a connection`,
      );
    }
    const out: Plan = { streams: [], user: null, combined, api };
    for (const name of names) {
      if (!combined && CONNECTION_INDEX_RE.test(name)) continue;
      if (ListenKeys.looksLikeKey(name)) {
        const user_id = listen_keys.userOf(name);
        if (user_id === null || out.user !== null) {
          throw new BourseError(
            ApiError.INVALID_LISTEN_KEY,
            "this listen key does not exist or expired",
          );
        }
        out.user = { key: name, user_id };
        continue;
      }
      const p = parseStream(lookup, name);
      if ("error" in p) throw new BourseError(ApiError.UNKNOWN_STREAM, p.error);
      if (!out.streams.includes(p.stream)) out.streams.push(p.stream);
    }
    return out;
  };

  const open = (socket: WebSocket, req: FastifyRequest) => {
    const p = plans.get(req);
    if (p === undefined) {
      socket.close(CloseCode.POLICY, "no stream plan");
      return;
    }
    const c = new Conn(socket, req.ip, p.combined);
    st.conns.add(c);
    per_address.set(c.address, (per_address.get(c.address) ?? 0) + 1);
    for (const name of p.streams) fanout.subscribe(c, name);
    if (p.user !== null) fanout.subscribeUser(c, p.user.key, p.user.user_id);
    let alive = true;
    let window_start = 0;
    let in_window = 0;
    socket.on("pong", () => {
      alive = true;
    });
    socket.on("message", (data, binary) => {
      const now = Date.now();
      if (now - window_start >= 1000) {
        window_start = now;
        in_window = 0;
      }
      if (++in_window > limits.max_messages_per_s) {
        c.close(CloseCode.POLICY, `more than ${limits.max_messages_per_s} messages a second`);
        return;
      }
      if (binary) {
        c.close(CloseCode.POLICY, "binary messages are not accepted");
        return;
      }
      if (p.api) wsApiMessage(c, String(data), api_deps);
      else control(c, String(data));
    });
    const ping = setInterval(() => {
      if (!alive) {
        c.close(CloseCode.NO_PONG, "no pong to the last ping");
        return;
      }
      alive = false;
      socket.ping();
    }, limits.ping_every_ms);
    ping.unref();
    const life = setTimeout(
      () => c.close(CloseCode.MAX_LIFETIME, "connection reached its longest life; reconnect"),
      limits.max_lifetime_ms,
    );
    life.unref();
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearInterval(ping);
      clearTimeout(life);
      c.closed = true;
      fanout.remove(c);
      st.conns.delete(c);
      const n = (per_address.get(c.address) ?? 1) - 1;
      if (n <= 0) per_address.delete(c.address);
      else per_address.set(c.address, n);
    });
  };

  const control = (c: Conn, text: string) => {
    const reply = (v: unknown) => {
      if (!c.closed) c.ws.send(JSON.stringify(v));
    };
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      reply({ error: { code: MsgError.INVALID_JSON, msg: "Invalid JSON" }, id: null });
      return;
    }
    if (typeof msg !== "object" || msg === null || Array.isArray(msg)) {
      reply({
        error: { code: MsgError.INVALID_REQUEST, msg: "Invalid request: not an object" },
        id: null,
      });
      return;
    }
    const m = msg as { method?: unknown; params?: unknown; id?: unknown };
    const id = m.id;
    if (id !== undefined && id !== null && !(Number.isSafeInteger(id) || typeof id === "string")) {
      reply({ error: { code: MsgError.INVALID_VALUE, msg: "Invalid value type: id" }, id: null });
      return;
    }
    const fail = (code: number, text: string) =>
      reply({ error: { code, msg: text }, id: id ?? null });
    for (const k of Object.keys(m)) {
      if (k !== "method" && k !== "params" && k !== "id") {
        fail(MsgError.UNKNOWN_PROPERTY, `Unknown property: ${k}`);
        return;
      }
    }
    if (m.method === "LIST_SUBSCRIPTIONS") {
      reply({ result: [...c.streams], id: id ?? null });
      return;
    }
    if (m.method !== "SUBSCRIBE" && m.method !== "UNSUBSCRIBE") {
      fail(
        MsgError.INVALID_REQUEST,
        "Invalid request: method must be SUBSCRIBE, UNSUBSCRIBE or LIST_SUBSCRIPTIONS",
      );
      return;
    }
    if (!Array.isArray(m.params) || !m.params.every((p) => typeof p === "string")) {
      fail(MsgError.INVALID_VALUE, "Invalid value type: params must be an array of stream names");
      return;
    }
    const names: string[] = [];
    for (const p of m.params as string[]) {
      const r = parseStream(lookup, p);
      if ("error" in r) {
        fail(MsgError.INVALID_REQUEST, `Invalid request: ${r.error}`);
        return;
      }
      names.push(r.stream);
    }
    if (m.method === "SUBSCRIBE") {
      const total = new Set([...c.streams, ...names]).size;
      if (total > limits.max_streams_per_connection) {
        fail(
          MsgError.INVALID_REQUEST,
          `Invalid request: at most ${limits.max_streams_per_connection} streams a connection`,
        );
        return;
      }
      for (const n of names) fanout.subscribe(c, n);
    } else {
      for (const n of names) fanout.unsubscribe(c, n);
    }
    reply({ result: null, id: id ?? null });
  };

  app.register(websocket, {
    options: { maxPayload: limits.max_message_bytes, perMessageDeflate: false },
  });
  app.register(async (scoped) => {
    const wsApp = scoped as unknown as {
      get: (
        path: string,
        opts: Record<string, unknown>,
        handler: (socket: WebSocket, req: FastifyRequest) => void,
      ) => void;
    };
    const pub = { access: "public" as const };
    wsApp.get(
      "/ws",
      {
        websocket: true,
        config: pub,
        schema: { hide: true },
        preHandler: async (req: FastifyRequest) => {
          plans.set(req, plan([], false, req.ip));
        },
      },
      open,
    );
    wsApp.get(
      "/ws/*",
      {
        websocket: true,
        config: pub,
        schema: { hide: true },
        preHandler: async (req: FastifyRequest) => {
          const rest = (req.params as { "*"?: string })["*"] ?? "";
          const names = rest.split("/").filter((n) => n !== "");
          plans.set(req, plan(names, false, req.ip));
        },
      },
      open,
    );
    wsApp.get(
      WS_API_PATH,
      {
        websocket: true,
        config: pub,
        schema: { hide: true },
        preHandler: async (req: FastifyRequest) => {
          plans.set(req, plan([], false, req.ip, true));
        },
      },
      open,
    );
    wsApp.get(
      "/stream",
      {
        websocket: true,
        config: pub,
        schema: {
          hide: true,
          querystring: Type.Object({ streams: Type.Optional(Type.String({ maxLength: 65_536 })) }),
        },
        preHandler: async (req: FastifyRequest) => {
          const q = (req.query as { streams?: string }).streams ?? "";
          const names = q.split("/").filter((n) => n !== "");
          plans.set(req, plan(names, true, req.ip));
        },
      },
      open,
    );
  });

  const user = { access: "user" as const };
  app.post(
    "/api/v1/user/listen_key",
    {
      config: user,
      schema: {
        tags: ["account"],
        summary: "Create a listen key for your user data stream (or extend the one you have)",
        security: SIGNED,
        body: Type.Object({}, { additionalProperties: false }),
        response: { 200: Ok(ListenKey), ...FAILURES },
      },
    },
    async (req) => {
      const k = listen_keys.create(userOf(req));
      return ok({ listen_key: k.listen_key, expires_ts_ms: k.expires_ms });
    },
  );
  app.put(
    "/api/v1/user/listen_key",
    {
      config: user,
      schema: {
        tags: ["account"],
        summary: "Keep a listen key alive for another 60 minutes",
        security: SIGNED,
        querystring: ListenKeyQuery,
        response: { 200: Ok(ListenKey), ...FAILURES },
      },
    },
    async (req) => {
      const key = req.query.listen_key;
      return ok({ listen_key: key, expires_ts_ms: listen_keys.keepAlive(userOf(req), key) });
    },
  );
  app.delete(
    "/api/v1/user/listen_key",
    {
      config: user,
      schema: {
        tags: ["account"],
        summary: "Delete a listen key; its streams are closed",
        security: SIGNED,
        querystring: ListenKeyQuery,
        response: { 200: Ok(Type.Null()), ...FAILURES },
      },
    },
    async (req) => {
      listen_keys.close(userOf(req), req.query.listen_key);
      return ok(null);
    },
  );
}
