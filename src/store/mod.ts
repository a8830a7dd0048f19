// The settlement database: the only public surface of src/store.

export { settledTime } from "./clock.ts";
export { isCqlUrl, openCqlStore, parseCqlUrl } from "./cql-open.ts";
export { CQL_SCHEMA_VERSION } from "./cql-schema.ts";
export { type CqlStoreOptions, createCqlStore } from "./cql-store.ts";
export { watchCqlPosition } from "./cql-watch.ts";
export { STORE_ERROR_CODES, StoreError, type StoreErrorCode } from "./errors.ts";
export {
  ledgerEventId,
  orderEventId,
  tradeEventId,
  transferEventId,
} from "./event-id.ts";
export { hashToHex, hexToHash } from "./hex.ts";
export {} from "./klines.ts";
export { SCHEMA_VERSION } from "./migrations.ts";
export type { PgConnector, PgResult, PgSession } from "./pg-connector.ts";
export { singleConnection } from "./pg-connector.ts";
export { openPostgresStore } from "./pg-open.ts";
export { createPgStore, positionChannel } from "./pg-store.ts";
export { type PositionWatch, watchPostgresPosition } from "./pg-watch.ts";
export { MAX_QUERY_LIMIT } from "./queries.ts";
export { SeqWaiters } from "./seq-waiters.ts";
export { openSqliteReader, openSqliteStore } from "./sqlite-store.ts";
export {
  type ApplyResult,
  CORE_STREAM,
  type CoreBatch,
  type KlineQuery,
  type KlineRow,
  type LedgerRow,
  type MarketTradeRow,
  type OrderLookup,
  type OrderRow,
  type Page,
  type PostgresStoreOptions,
  type SettlementReader,
  type SettlementReads,
  type SettlementStore,
  type SqliteStoreOptions,
  type StoredPosition,
  type StoreOptions,
  type SymbolAssets,
  type TickerRow,
  type TradeRow,
  type TransferRow,
  type UserQuery,
} from "./types.ts";
