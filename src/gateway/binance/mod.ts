// Public door of the Binance-compatible surface (/api/v3/): the fastify
// plugin the gateway registers, the listen keys the user data stream will
// share, and what tests and clients need to sign and read answers.

export {
  BINANCE_CODES,
  type BinanceAnswer,
  BinanceError,
  failureOf,
  outcomeOf,
  REGISTRY_TO_BINANCE,
  rowOf,
} from "./errors.ts";
export {
  bigText,
  buildKlines,
  closeTimeOf,
  openTimeOf,
  tickerStats,
  timeZoneMs,
} from "./klines.ts";
export { OrderCounts, rateLimitsJson } from "./limits.ts";
export { MAX_PARAMS, Params } from "./params.ts";
export { type BinanceApiOptions, binanceApi, NOT_OFFERED } from "./plugin.ts";
export {
  API_KEY_HEADER,
  binanceSignature,
  checkTiming,
  MAX_RECV_WINDOW_MS,
  recvWindowMicros,
  splitSignature,
  timestampMicros,
  verifySigned,
} from "./signing.ts";
export { BinanceSymbols, binanceName } from "./symbols.ts";
