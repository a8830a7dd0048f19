// The gateway's defaults, in a module of their own without imports, so that
// the command line can state them in --help without loading the HTTP server.
// docs/api.md lists them; test/unit/gateway/http-limits.test.ts checks the table.

/** @public */
export const GATEWAY_DEFAULTS = Object.freeze({
  /** How far a request's timestamp may be from the server clock. */
  recv_window_ms: 5000,
  /** Per API key. */
  rate_limit: Object.freeze({ rate_per_s: 50, burst: 100 }),
  /** Largest request body. */
  body_limit_bytes: 16 * 1024,
  /** Longest request line plus headers; longer is 431. */
  max_header_bytes: 16 * 1024,
  /** From a connection's first byte (or the end of the previous request) to the last header. */
  headers_timeout_ms: 10_000,
  /** From a request's first byte to the last byte of its body: a trickled body ends here. */
  request_timeout_ms: 15_000,
  /** A connection on which nothing moves for this long is closed. */
  idle_timeout_ms: 60_000,
  /** An idle keep-alive connection is closed after this long without a new request. */
  keep_alive_timeout_ms: 72_000,
  /** Open connections at most; beyond it a connection is answered 503 and closed. */
  max_connections: 4096,
  /** Signatures remembered to refuse replays; at most this many per receive window. */
  replay_cache_max: 500_000,
});
