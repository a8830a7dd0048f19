// The settlement database: the only public surface of src/store.

export { StoreError, type StoreErrorCode } from "./errors.ts";
export {
  balanceEventId,
  orderEventId,
  tradeEventId,
  transferEventId,
} from "./event-id.ts";
export { hashToHex, hexToHash } from "./hex.ts";
export type { PgConnector, PgResult, PgSession } from "./pg-connector.ts";
export { singleConnection } from "./pg-connector.ts";
export { openPostgresStore } from "./pg-open.ts";
export { createPgStore } from "./pg-store.ts";
export { MAX_QUERY_LIMIT } from "./queries.ts";
export { openSqliteStore } from "./sqlite-store.ts";
export { BALANCE_STREAM, engineStream, positionsOf } from "./streams.ts";
export type {
  ApplyResult,
  LedgerRow,
  MarketTradeRow,
  MarketTradesQuery,
  OrderHistoryRow,
  OrderRow,
  PostgresStoreOptions,
  SettlementBatch,
  SettlementStore,
  SqliteStoreOptions,
  StoredPosition,
  StoreOptions,
  SymbolAssets,
  TradeRow,
  TransferRow,
  UserQuery,
} from "./types.ts";
