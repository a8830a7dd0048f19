// Versioned schema, one text for both databases. SQLite gives BIGINT and
// SMALLINT columns integer affinity, so the only difference is that SQLite
// tables are clustered on their primary key (WITHOUT ROWID): every row is
// written once, not once in the table and again in the key's index.
//
// Generation 2 is written from the combined core's single output stream.
// Generation 1 (version 1: per-service streams, output logs, active_orders,
// two rows per trade) is refused rather than migrated: its positions count
// outputs of streams that no longer exist, so nothing could tell where in
// the core's stream it would resume (docs/settlement-store.md).

import { isTerminal, OrderStatus } from "../core/mod.ts";
import { StoreError } from "./errors.ts";

export interface Dialect {
  readonly name: "sqlite" | "postgres";
  readonly clustered: string;
}

export const SQLITE: Dialect = { name: "sqlite", clustered: " WITHOUT ROWID" };
export const POSTGRES: Dialect = { name: "postgres", clustered: "" };

export interface Migration {
  readonly version: number;
  statements(d: Dialect): string[];
}

export const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  applied_at_ms BIGINT NOT NULL
)`;

/** The statuses of an order still on the book; the open-orders index holds exactly these. */
export const OPEN_STATUSES: readonly OrderStatus[] = Object.values(OrderStatus).filter(
  (s) => !isTerminal(s),
);

/** The SQL predicate of "open", written the same in the index and in the queries that use it. */
export const OPEN_PREDICATE = `status IN (${OPEN_STATUSES.join(", ")})`;

const v2 = (d: Dialect): string[] => [
  // One row per accepted order (every status), inserted with its state at the
  // end of the batch that accepted it and updated when a later batch changes it.
  `CREATE TABLE orders (
    order_id BIGINT NOT NULL PRIMARY KEY,
    user_id BIGINT NOT NULL,
    symbol_id INTEGER NOT NULL,
    side SMALLINT NOT NULL,
    order_type SMALLINT NOT NULL,
    tif SMALLINT NOT NULL,
    post_only SMALLINT NOT NULL,
    stp SMALLINT NOT NULL,
    price_ticks BIGINT NOT NULL,
    qty_lots BIGINT NOT NULL,
    quote_units BIGINT NOT NULL,
    cid TEXT NOT NULL,
    created_ts_ms BIGINT NOT NULL,
    status SMALLINT NOT NULL,
    filled_lots BIGINT NOT NULL,
    remaining_lots BIGINT NOT NULL,
    filled_quote_units BIGINT NOT NULL,
    reason INTEGER NOT NULL,
    updated_ts_ms BIGINT NOT NULL,
    output_seq BIGINT NOT NULL
  )${d.clustered}`,
  // History pages: one user and symbol, by settled time (= by id).
  "CREATE INDEX orders_user ON orders (user_id, symbol_id, created_ts_ms, order_id)",
  // Open orders: an entry while the order rests; an order that ends in the
  // batch that accepted it (most takers) never enters it.
  `CREATE INDEX orders_open ON orders (user_id, symbol_id, order_id) WHERE ${OPEN_PREDICATE}`,
  // Lookup by client order id; orders without one cost nothing here.
  "CREATE INDEX orders_cid ON orders (user_id, cid, order_id) WHERE cid <> ''",
  // One row per trade. The taker's and the maker's user index each give one
  // user their side; the time index serves market pages by time. Trade ids
  // carry their symbol in the high bits, and the key keeps a symbol's trades
  // together in id order (the market's newest first, cursor pages).
  `CREATE TABLE trades (
    symbol_id INTEGER NOT NULL,
    trade_id BIGINT NOT NULL,
    price_ticks BIGINT NOT NULL,
    qty_lots BIGINT NOT NULL,
    quote_units BIGINT NOT NULL,
    taker_side SMALLINT NOT NULL,
    taker_order_id BIGINT NOT NULL,
    maker_order_id BIGINT NOT NULL,
    taker_user_id BIGINT NOT NULL,
    maker_user_id BIGINT NOT NULL,
    buyer_fee_units BIGINT NOT NULL,
    seller_fee_units BIGINT NOT NULL,
    ts_ms BIGINT NOT NULL,
    output_seq BIGINT NOT NULL,
    PRIMARY KEY (symbol_id, trade_id)
  )${d.clustered}`,
  "CREATE INDEX trades_taker ON trades (taker_user_id, symbol_id, ts_ms, trade_id)",
  "CREATE INDEX trades_maker ON trades (maker_user_id, symbol_id, ts_ms, trade_id)",
  "CREATE INDEX trades_time ON trades (symbol_id, ts_ms, trade_id)",
  // Append-only: one row per balance event, the account's seq without gaps,
  // the balances after it.
  `CREATE TABLE balance_ledger (
    user_id BIGINT NOT NULL,
    asset_id INTEGER NOT NULL,
    seq BIGINT NOT NULL,
    kind SMALLINT NOT NULL,
    delta_avail BIGINT NOT NULL,
    delta_frozen BIGINT NOT NULL,
    avail BIGINT NOT NULL,
    frozen BIGINT NOT NULL,
    ref_id BIGINT NOT NULL,
    ref TEXT NOT NULL,
    ts_ms BIGINT NOT NULL,
    output_seq BIGINT NOT NULL,
    PRIMARY KEY (user_id, asset_id, seq)
  )${d.clustered}`,
  // One row per deposit or withdrawal request_id, refused ones included.
  `CREATE TABLE transfers (
    request_id TEXT NOT NULL PRIMARY KEY,
    kind SMALLINT NOT NULL,
    user_id BIGINT NOT NULL,
    asset_id INTEGER NOT NULL,
    amount_units BIGINT NOT NULL,
    reject INTEGER NOT NULL,
    event_id TEXT NOT NULL,
    ts_ms BIGINT NOT NULL,
    output_seq BIGINT NOT NULL
  )${d.clustered}`,
  // One row per symbol, interval and candle that had a trade.
  `CREATE TABLE klines (
    symbol_id INTEGER NOT NULL,
    interval_s INTEGER NOT NULL,
    open_time_ms BIGINT NOT NULL,
    open_ticks BIGINT NOT NULL,
    high_ticks BIGINT NOT NULL,
    low_ticks BIGINT NOT NULL,
    close_ticks BIGINT NOT NULL,
    volume_lots BIGINT NOT NULL,
    quote_units BIGINT NOT NULL,
    taker_buy_volume_lots BIGINT NOT NULL,
    taker_buy_quote_units BIGINT NOT NULL,
    trade_count BIGINT NOT NULL,
    first_trade_id BIGINT NOT NULL,
    last_trade_id BIGINT NOT NULL,
    PRIMARY KEY (symbol_id, interval_s, open_time_ms)
  )${d.clustered}`,
  // Where settlement stands in the core's stream, committed with the rows.
  `CREATE TABLE consumer_positions (
    stream TEXT NOT NULL PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL,
    clock_ms BIGINT NOT NULL,
    source_seq BIGINT NOT NULL
  )${d.clustered}`,
];

// The trading commands' terms: a stop order's trigger and the other leg of an
// OCO (0 for orders without); orders settled before have neither. The
// open-orders index is rebuilt over the open statuses of now (waiting and
// triggered stops are open), which a database made before them lacks.
const v3 = (): string[] => [
  "ALTER TABLE orders ADD COLUMN stop_price_ticks BIGINT NOT NULL DEFAULT 0",
  "ALTER TABLE orders ADD COLUMN oco_order_id BIGINT NOT NULL DEFAULT 0",
  "DROP INDEX orders_open",
  `CREATE INDEX orders_open ON orders (user_id, symbol_id, order_id) WHERE ${OPEN_PREDICATE}`,
];

/** Every version this code knows; version 1 is the previous generation, never applied. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 2, statements: v2 },
  { version: 3, statements: v3 },
];

export const SCHEMA_VERSION = 3;

/**
 * Which migrations to run, given the versions a database records; refuses a
 * database of the previous generation or written by a newer version.
 */
export function pendingMigrations(done: ReadonlySet<number>, where: string): Migration[] {
  if (done.has(1)) {
    throw new StoreError(
      "SCHEMA_UNSUPPORTED",
      `${where} holds settlement tables of schema 1 (per-service streams); this version writes schema ${SCHEMA_VERSION} from the core's output stream and cannot resume from those positions. Start on an empty database (a new data folder, or another --database-schema); the old file or schema can be kept for reading.`,
    );
  }
  for (const v of done) {
    if (v > SCHEMA_VERSION) {
      throw new StoreError(
        "SCHEMA_UNSUPPORTED",
        `${where} has schema ${v}, written by a newer version of bourse (this one knows ${SCHEMA_VERSION})`,
      );
    }
  }
  return MIGRATIONS.filter((m) => !done.has(m.version));
}
