// Public surface of the client package (bourse/client).

export type {
  Balance,
  CancelOrderRequest,
  CancelResult,
  CreateOrderRequest,
  Depth,
  DepthLevel,
  ErrorBody,
  Health,
  ListQuery,
  MarketTrade,
  Order,
  OrderResult,
  OrderTrade,
  TransferRequest,
  TransferResult,
  UserTrade,
} from "../gateway/http/schemas.ts";
export { AuthHeader, sign } from "../gateway/http/signature.ts";
export { BourseClient, type BourseClientOptions } from "./client.ts";
export { BourseApiError } from "./errors.ts";
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
