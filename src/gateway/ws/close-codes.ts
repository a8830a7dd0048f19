// Why the server closes a stream connection: one registry of close codes and
// reasons (docs/market-data.md lists them). 4000-4999 are the application's
// range in RFC 6455.

export const CloseCode = {
  /** The gateway is shutting down: reconnect (to another gateway) and resync. */
  GOING_AWAY: 1001,
  /** The client broke the protocol's rules (too many messages a second, binary frames). */
  POLICY: 1008,
  /** The client read too slowly: its send buffer passed the limit. Reconnect and resync. */
  SLOW_CONSUMER: 4000,
  /** The gateway lost its place in the output stream; what it sent may have a gap: resync. */
  RESYNC: 4001,
  /** The listen key expired or was deleted: create a new one and reconnect. */
  LISTEN_KEY_EXPIRED: 4002,
  /** No pong to two pings in a row. */
  NO_PONG: 4003,
  /** The connection reached its longest life (24 h): reconnect. */
  MAX_LIFETIME: 4004,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];
