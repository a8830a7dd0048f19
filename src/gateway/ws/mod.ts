// Public surface of the gateway's streams: the WebSocket routes (market
// streams in Binance's dialect, user data streams), the fan-out, the listen
// key registry and the close codes.

export { CloseCode } from "./close-codes.ts";
export { Conn, Fanout, type FanoutOptions } from "./fanout.ts";
export { textFrames } from "./frames.ts";
export { LISTEN_KEY_TTL_MS, type ListenKeyOptions, ListenKeys } from "./listen-keys.ts";
export {
  createStreams,
  type GatewayStreams,
  OUTPUT_SEQ_HEADER,
  STREAM_DEFAULTS,
  type StreamLimits,
  type StreamsOptions,
  streamRoutes,
} from "./routes.ts";
