// Public surface of the client package (bourse/client). It is shipped
// compiled (dist/client/, ESM and .d.ts, built by `npm run build`, which
// `npm ci` runs) and uses only what Node 20+ and browsers both have.

export { AuthHeader } from "../gateway/http/auth-header.ts";
export type {
  AmendRequest,
  Balance,
  CancelAllAfterResult,
  CancelAllRequest,
  CancelAllResult,
  CancelOrderRequest,
  CancelReplaceRequest,
  CancelReplaceResult,
  CancelResult,
  CreateOrderRequest,
  Depth,
  DepthLevel,
  ErrorBody,
  ExchangeInfo,
  Health,
  Kline,
  ListenKey,
  ListQuery,
  MarketTrade,
  OcoRequest,
  OcoResult,
  Order,
  OrderResult,
  OrderTrade,
  Ticker24h,
  TransferRequest,
  TransferResult,
  UserTrade,
} from "../gateway/http/schemas.ts";
export { BourseClient, type BourseClientOptions } from "./client.ts";
export { BourseApiError } from "./errors.ts";
export { sign } from "./sign.ts";
export {
  type DepthUpdate,
  defaultWebSocket,
  LocalOrderBook,
  type LocalOrderBookOptions,
  MarketStream,
  type MarketStreamOptions,
  type UserEvent,
  UserStream,
  type UserStreamOptions,
  type WebSocketFactory,
  type WebSocketLike,
} from "./stream.ts";
