// Versioned schema, one text for both databases. SQLite gives BIGINT and
// SMALLINT columns integer affinity, so the only difference is that SQLite
// tables are clustered on their primary key (WITHOUT ROWID): every row is
// written once, not once in the table and again in the key's index.

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

const v1 = (d: Dialect): string[] => [
  // Hashes are 16-char hex; counts are kept so that the log row alone tells
  // what an output did without re-reading the stream.
  `CREATE TABLE engine_output_log (
    symbol_id INTEGER NOT NULL,
    output_seq BIGINT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    input_kind SMALLINT NOT NULL,
    order_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    ubs_seq BIGINT NOT NULL,
    reject INTEGER NOT NULL,
    update_count INTEGER NOT NULL,
    trade_count INTEGER NOT NULL,
    delta_count INTEGER NOT NULL,
    completion_count INTEGER NOT NULL,
    best_bid_ticks BIGINT NOT NULL,
    best_ask_ticks BIGINT NOT NULL,
    ts_ms BIGINT NOT NULL,
    PRIMARY KEY (symbol_id, output_seq)
  )${d.clustered}`,
  `CREATE TABLE balance_output_log (
    output_seq BIGINT NOT NULL PRIMARY KEY,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    cause SMALLINT NOT NULL,
    command_kind SMALLINT,
    request_id TEXT,
    user_id BIGINT,
    engine_symbol_id INTEGER NOT NULL,
    engine_output_seq BIGINT NOT NULL,
    order_id BIGINT NOT NULL,
    reject INTEGER NOT NULL,
    duplicate SMALLINT NOT NULL,
    event_count INTEGER NOT NULL,
    ts_ms BIGINT
  )${d.clustered}`,
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
    status SMALLINT NOT NULL,
    filled_lots BIGINT NOT NULL,
    remaining_lots BIGINT NOT NULL,
    filled_quote_units BIGINT NOT NULL,
    reason INTEGER NOT NULL,
    created_ts_ms BIGINT NOT NULL,
    updated_ts_ms BIGINT NOT NULL,
    output_seq BIGINT NOT NULL
  )${d.clustered}`,
  // The only user index of each big table: a query over all of a user's
  // symbols (or assets) reads each one's newest rows and merges them
  // (reads.ts), rather than every write paying for a second random index.
  "CREATE INDEX orders_user_symbol_time ON orders (user_id, symbol_id, created_ts_ms, order_id)",
  // Keyed by where the change came from, so a replayed output lands on the same key.
  `CREATE TABLE order_history (
    symbol_id INTEGER NOT NULL,
    output_seq BIGINT NOT NULL,
    idx INTEGER NOT NULL,
    order_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    status SMALLINT NOT NULL,
    filled_lots BIGINT NOT NULL,
    remaining_lots BIGINT NOT NULL,
    filled_quote_units BIGINT NOT NULL,
    reason INTEGER NOT NULL,
    trade_id BIGINT,
    ts_ms BIGINT NOT NULL,
    event_id TEXT NOT NULL,
    PRIMARY KEY (symbol_id, output_seq, idx)
  )${d.clustered}`,
  "CREATE INDEX order_history_order ON order_history (order_id, output_seq, idx)",
  // Only the keys: the current state is read from orders, so a fill of a
  // resting order costs no write here; the row goes when the order ends.
  `CREATE TABLE active_orders (
    order_id BIGINT NOT NULL PRIMARY KEY,
    user_id BIGINT NOT NULL,
    symbol_id INTEGER NOT NULL,
    created_ts_ms BIGINT NOT NULL
  )${d.clustered}`,
  "CREATE INDEX active_orders_user ON active_orders (user_id, symbol_id, created_ts_ms, order_id)",
  // One row per side: (trade, side) stays unique when a user trades with themself.
  `CREATE TABLE trades (
    symbol_id INTEGER NOT NULL,
    trade_id BIGINT NOT NULL,
    side SMALLINT NOT NULL,
    user_id BIGINT NOT NULL,
    order_id BIGINT NOT NULL,
    counterparty_user_id BIGINT NOT NULL,
    counterparty_order_id BIGINT NOT NULL,
    is_maker SMALLINT NOT NULL,
    price_ticks BIGINT NOT NULL,
    qty_lots BIGINT NOT NULL,
    quote_units BIGINT NOT NULL,
    fee_units BIGINT NOT NULL,
    fee_asset_id INTEGER NOT NULL,
    ts_ms BIGINT NOT NULL,
    output_seq BIGINT NOT NULL,
    PRIMARY KEY (symbol_id, trade_id, side)
  )${d.clustered}`,
  "CREATE INDEX trades_user_symbol_time ON trades (user_id, symbol_id, ts_ms, trade_id, side)",
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
    event_id TEXT NOT NULL,
    output_seq BIGINT NOT NULL,
    PRIMARY KEY (user_id, asset_id, seq)
  )${d.clustered}`,
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
  `CREATE TABLE consumer_positions (
    stream TEXT NOT NULL PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
  )${d.clustered}`,
];

export const MIGRATIONS: readonly Migration[] = [{ version: 1, statements: v1 }];
