// What node's HTTP server answers before a request reaches fastify (a request
// line or headers too large, a request not received in time, bytes that are
// not HTTP) and the connection limit, answered in the gateway's failure
// envelope like every other failure, then the connection is closed.

import type { Server } from "node:http";
import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import { ApiError, type ErrorSpec } from "../../core/mod.ts";
import { errorBody } from "./failure.ts";

export interface ClientErrorLimits {
  max_header_bytes: number;
  request_timeout_ms: number;
  headers_timeout_ms: number;
}

function rawResponse(spec: ErrorSpec, msg: string): string {
  const body = JSON.stringify(errorBody({ spec, msg }));
  return [
    `HTTP/1.1 ${spec.http} ${STATUS_CODES[spec.http] ?? "Error"}`,
    "content-type: application/json; charset=utf-8",
    `content-length: ${Buffer.byteLength(body)}`,
    "connection: close",
    "",
    body,
  ].join("\r\n");
}

/** The failure of a request node refused, written straight to its socket. */
export function clientFailure(
  err: NodeJS.ErrnoException,
  limits: ClientErrorLimits,
): { spec: ErrorSpec; msg: string } {
  switch (err.code) {
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return {
        spec: ApiError.REQUEST_TIMEOUT,
        msg: `the request was not received in time: headers within ${limits.headers_timeout_ms} ms, the whole request within ${limits.request_timeout_ms} ms`,
      };
    case "HPE_HEADER_OVERFLOW":
      return {
        spec: ApiError.HEADERS_TOO_LARGE,
        msg: `request line and headers are larger than ${limits.max_header_bytes} bytes (a URL that long is refused too)`,
      };
    default:
      return { spec: ApiError.BAD_REQUEST, msg: "malformed HTTP request" };
  }
}

/** fastify's clientErrorHandler: answer in the envelope when nothing was sent yet, then close. */
export function rawErrorResponse(
  err: NodeJS.ErrnoException,
  socket: Socket,
  limits: ClientErrorLimits,
): void {
  if (err.code === "ECONNRESET" || socket.destroyed) return;
  // A response already under way must not be corrupted by a second one.
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } | null })
    ._httpMessage;
  if (socket.writable && inFlight?.headersSent !== true) {
    const f = clientFailure(err, limits);
    socket.end(rawResponse(f.spec, f.msg), () => socket.destroy());
    // A client that never reads must not keep the socket either.
    setTimeout(() => socket.destroy(), 1000).unref();
    return;
  }
  socket.destroy();
}

/**
 * Count open connections; one beyond `max` is answered 503
 * TOO_MANY_CONNECTIONS at once and closed. Returns the sockets so refused,
 * whose requests (if node parsed one meanwhile) must not run.
 */
export function connectionGuard(server: Server, max: number): WeakSet<Socket> {
  const refused = new WeakSet<Socket>();
  let open = 0;
  server.on("connection", (socket: Socket) => {
    open++;
    socket.once("close", () => {
      open--;
    });
    if (open <= max) return;
    refused.add(socket);
    const msg = `the gateway has ${max} open connections, as many as it accepts; retry shortly`;
    socket.end(rawResponse(ApiError.TOO_MANY_CONNECTIONS, msg), () => socket.destroy());
    setTimeout(() => socket.destroy(), 1000).unref();
  });
  return refused;
}
