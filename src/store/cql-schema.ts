// The CQL tables of the settlement store. A CQL table answers only the reads
// its primary key was designed for (no ALLOW FILTERING anywhere), so each
// read the gateway makes has its own table, written from the same plan as
// the SQL stores: partitions by user (and symbol or asset) for a user's
// histories, by symbol for the market's, by id bucket for lookups and
// cursors. Every write is an upsert of values computed in full by the
// writer, so writing a batch twice leaves the same rows (see cql-store.ts).

import { StoreError } from "./errors.ts";

/** The CQL schema generation; its own numbering, apart from the SQL stores'. */
export const CQL_SCHEMA_VERSION = 2;

/** Ids per bucket of the id-keyed tables: a cursor probes at most two buckets. */
export const ID_BUCKET = 65_536;

export function bucketOf(id: number): bigint {
  return BigInt(Math.floor(id / ID_BUCKET));
}

const KEYSPACE_NAME = /^[a-z_][a-z0-9_]{0,47}$/;

export function checkKeyspace(name: string): string {
  if (!KEYSPACE_NAME.test(name)) {
    throw new Error(`keyspace must match ${KEYSPACE_NAME.source}, got ${JSON.stringify(name)}`);
  }
  return name;
}

const ORDER_FIELDS = `user_id bigint, symbol_id int, side int, order_type int, tif int,
  post_only int, stp int, price_ticks bigint, qty_lots bigint, quote_units bigint, cid text,
  stop_price_ticks bigint, oco_order_id bigint,
  status int, filled_lots bigint, remaining_lots bigint, filled_quote_units bigint, reason int,
  created_ts_ms bigint, updated_ts_ms bigint, output_seq bigint`;

const TRADE_FIELDS = `price_ticks bigint, qty_lots bigint, quote_units bigint, taker_side int,
  taker_order_id bigint, maker_order_id bigint, taker_user_id bigint, maker_user_id bigint,
  buyer_fee_units bigint, seller_fee_units bigint, output_seq bigint`;

/** Table -> its CQL body (columns and key), created in the store's keyspace. */
export const CQL_TABLES: Readonly<Record<string, string>> = {
  schema_migrations: "(version int PRIMARY KEY, applied_at_ms bigint)",
  // Written last in each batch, by a conditional update: the batch's commit point.
  consumer_positions: `(stream text PRIMARY KEY, seq bigint, hash text, clock_ms bigint,
    source_seq bigint)`,
  // order(): by id; a history cursor: the first order at or after an id.
  orders_by_id: `(bucket bigint, order_id bigint, ${ORDER_FIELDS},
    PRIMARY KEY ((bucket), order_id))`,
  // orderHistory(): one user's orders on one symbol, newest first.
  orders_by_user: `(user_id bigint, symbol_id int, created_ts_ms bigint, order_id bigint,
    side int, order_type int, tif int, post_only int, stp int, price_ticks bigint,
    qty_lots bigint, quote_units bigint, cid text, stop_price_ticks bigint, oco_order_id bigint,
    status int, filled_lots bigint, remaining_lots bigint, filled_quote_units bigint, reason int,
    updated_ts_ms bigint, output_seq bigint,
    PRIMARY KEY ((user_id, symbol_id), created_ts_ms, order_id))
    WITH CLUSTERING ORDER BY (created_ts_ms DESC, order_id DESC)`,
  // order() by client id: the newest order of the user with it.
  orders_by_cid: `(user_id bigint, cid text, order_id bigint,
    PRIMARY KEY ((user_id, cid), order_id)) WITH CLUSTERING ORDER BY (order_id DESC)`,
  // activeOrders(): the open orders' keys (few per user); rows come from orders_by_id.
  active_orders: `(user_id bigint, symbol_id int, order_id bigint,
    PRIMARY KEY ((user_id), symbol_id, order_id))
    WITH CLUSTERING ORDER BY (symbol_id ASC, order_id DESC)`,
  // The symbols a user has orders (kind 0) or trades (kind 1) on, the assets with ledger rows (kind 2).
  user_keys: "(user_id bigint, kind int, key int, PRIMARY KEY ((user_id), kind, key))",
  // marketTrades(): one symbol's trades, newest first.
  market_trades: `(symbol_id int, ts_ms bigint, trade_id bigint, ${TRADE_FIELDS},
    PRIMARY KEY ((symbol_id), ts_ms, trade_id))
    WITH CLUSTERING ORDER BY (ts_ms DESC, trade_id DESC)`,
  // A trade cursor: the settled time of the first trade at or after an id.
  trades_by_id: `(symbol_id int, bucket bigint, trade_id bigint, ts_ms bigint,
    PRIMARY KEY ((symbol_id, bucket), trade_id))`,
  // userTrades(): each side of a trade under its user (rank 0 taker, 1 maker).
  user_trades: `(user_id bigint, symbol_id int, ts_ms bigint, trade_id bigint, rank int,
    ${TRADE_FIELDS}, PRIMARY KEY ((user_id, symbol_id), ts_ms, trade_id, rank))
    WITH CLUSTERING ORDER BY (ts_ms DESC, trade_id DESC, rank DESC)`,
  // orderTrades(): one order's trades, oldest first.
  order_trades: `(order_id bigint, trade_id bigint, rank int, symbol_id int, ts_ms bigint,
    ${TRADE_FIELDS}, PRIMARY KEY ((order_id), trade_id))`,
  // ledger(): one account, newest first; a transfer's event id is kept on its rows.
  balance_ledger: `(user_id bigint, asset_id int, seq bigint, kind int, delta_avail bigint,
    delta_frozen bigint, avail bigint, frozen bigint, ref_id bigint, ref text, ts_ms bigint,
    output_seq bigint, transfer_event_id text,
    PRIMARY KEY ((user_id, asset_id), seq)) WITH CLUSTERING ORDER BY (seq DESC)`,
  transfers: `(request_id text PRIMARY KEY, kind int, user_id bigint, asset_id int,
    amount_units bigint, reject int, event_id text, ts_ms bigint, output_seq bigint)`,
  // klines() and ticker24h(): one symbol and interval, by open time. seq is the
  // position of the batch that wrote the row; prev the candle before it (JSON),
  // which a batch replayed after a failed write starts from.
  klines: `(symbol_id int, interval_s int, open_time_ms bigint, open_ticks bigint,
    high_ticks bigint, low_ticks bigint, close_ticks bigint, volume_lots bigint,
    quote_units bigint, taker_buy_volume_lots bigint, taker_buy_quote_units bigint,
    trade_count bigint, first_trade_id bigint, last_trade_id bigint, seq bigint, prev text,
    PRIMARY KEY ((symbol_id, interval_s), open_time_ms))`,
};

export function createStatements(ks: string, replication_factor: number): string[] {
  return [
    `CREATE KEYSPACE IF NOT EXISTS ${ks} WITH replication =
      {'class': 'SimpleStrategy', 'replication_factor': ${replication_factor}}`,
    ...Object.entries(CQL_TABLES).map(
      ([name, body]) => `CREATE TABLE IF NOT EXISTS ${ks}.${name} ${body}`,
    ),
  ];
}

/** Refuses a keyspace written by another schema generation. */
export function checkVersions(versions: readonly number[], ks: string): boolean {
  const other = versions.filter((v) => v !== CQL_SCHEMA_VERSION);
  if (other.length > 0) {
    throw new StoreError(
      "SCHEMA_UNSUPPORTED",
      `keyspace ${ks} holds CQL schema ${other.join(", ")}; this build writes ${CQL_SCHEMA_VERSION}. Start on an empty keyspace.`,
    );
  }
  return versions.includes(CQL_SCHEMA_VERSION);
}
