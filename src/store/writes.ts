// Every write settlement makes, described once: the table, the columns in the
// order a planned row holds them, and their PostgreSQL types. Each database
// turns a spec into its own statement shape (sqlite-sql.ts, pg-sql.ts). A
// planned table's rows are one flat array of values, row after row, so a
// batch costs no array per row.

export type PgType = "bigint" | "integer" | "smallint" | "text";

export interface Column {
  readonly name: string;
  readonly type: PgType;
}

/** Numbers are safe integers; bigints only for sums (candle volumes); null only where the column allows it. */
export type SqlValue = number | bigint | string | null;

export interface InsertSpec {
  readonly op: "insert";
  readonly table: string;
  readonly columns: readonly Column[];
  /** The ON CONFLICT clause (or ""); the same text is valid in both databases. */
  readonly conflict: string;
}

/** Row = the set columns, then the key. */
export interface UpdateSpec {
  readonly op: "update";
  readonly table: string;
  readonly columns: readonly Column[];
  readonly key: Column;
  /** Columns a row sets only when its value is not 0 (0: the stored value stays). */
  readonly keepZero?: readonly string[];
}

/** The SET expression of an update's column, given the placeholder of its new value. */
export function updateSetOf(spec: UpdateSpec, column: string, value: string): string {
  return spec.keepZero?.includes(column) === true
    ? `${column} = COALESCE(NULLIF(${value}, 0), ${spec.table}.${column})`
    : `${column} = ${value}`;
}

export type WriteSpec = InsertSpec | UpdateSpec;

/** The values a row of this spec holds. */
export function widthOf(spec: WriteSpec): number {
  return spec.op === "insert" ? spec.columns.length : spec.columns.length + 1;
}

/** A prepared one-row statement, its values passed as arguments. */
export interface Runnable {
  run(...params: SqlValue[]): unknown;
}

/**
 * One table's planned rows. The rows stay the objects the plan read them
 * from (decoded events, trades, folded orders): SQLite passes a row's values
 * straight to a one-row statement, PostgreSQL reads them into one array per
 * column. Both accessors give the values in the spec's column order (a test
 * holds them to it), and refuse an amount that is not a safe integer.
 */
export interface Planned {
  readonly spec: WriteSpec;
  readonly count: number;
  /** Row i's values, in column order, into out. */
  row(i: number, out: SqlValue[]): void;
  /** Row i through a one-row statement of this spec. */
  run(stmt: Runnable, i: number): void;
}

function cols(spec: string): Column[] {
  return spec
    .trim()
    .split(/\s*,\s*/)
    .map((pair) => {
      const [name, type] = pair.split(/\s+/) as [string, PgType];
      return { name, type };
    });
}

const setFromExcluded = (columns: readonly Column[]): string =>
  columns.map((c) => `${c.name} = excluded.${c.name}`).join(", ");

/**
 * Append-only rows take no ON CONFLICT clause. A replayed output never gets
 * this far: apply() skips outputs at or below the stored position inside the
 * transaction that moves it, so a key conflict here means a broken stream and
 * must fail the batch, not vanish. It is also cheaper: PostgreSQL turns an
 * INSERT ... ON CONFLICT into a speculative insertion with an extra WAL record
 * per row.
 */
const APPEND = "";

const ORDER_STATE = cols(`status smallint, filled_lots bigint, remaining_lots bigint,
  filled_quote_units bigint, reason integer, updated_ts_ms bigint, output_seq bigint`);

/** An order accepted in the batch, with its state at the end of the batch. */
export const ORDER_INSERT: InsertSpec = {
  op: "insert",
  table: "orders",
  columns: [
    ...cols(`order_id bigint, user_id bigint, symbol_id integer, side smallint,
      order_type smallint, tif smallint, post_only smallint, stp smallint, price_ticks bigint,
      qty_lots bigint, quote_units bigint, cid text, created_ts_ms bigint, stop_price_ticks bigint,
      oco_order_id bigint`),
    ...ORDER_STATE,
  ],
  conflict: APPEND,
};

/**
 * An order accepted before the batch: its state changes (the last change of
 * the batch wins), and an amend's new price or total quantity (0: unchanged).
 */
export const ORDER_UPDATE: UpdateSpec = {
  op: "update",
  table: "orders",
  columns: [...ORDER_STATE, ...cols("price_ticks bigint, qty_lots bigint")],
  key: { name: "order_id", type: "bigint" },
  keepZero: ["price_ticks", "qty_lots"],
};

/** One row per trade: both sides, their orders and fees. */
export const TRADE_INSERT: InsertSpec = {
  op: "insert",
  table: "trades",
  columns: cols(`symbol_id integer, trade_id bigint, price_ticks bigint, qty_lots bigint,
    quote_units bigint, taker_side smallint, taker_order_id bigint, maker_order_id bigint,
    taker_user_id bigint, maker_user_id bigint, buyer_fee_units bigint, seller_fee_units bigint,
    ts_ms bigint, output_seq bigint`),
  conflict: APPEND,
};

export const LEDGER_INSERT: InsertSpec = {
  op: "insert",
  table: "balance_ledger",
  columns: cols(`user_id bigint, asset_id integer, seq bigint, kind smallint,
    delta_avail bigint, delta_frozen bigint, avail bigint, frozen bigint, ref_id bigint,
    ref text, ts_ms bigint, output_seq bigint`),
  conflict: APPEND,
};

const TRANSFER_COLUMNS = cols(`request_id text, kind smallint, user_id bigint, asset_id integer,
  amount_units bigint, reject integer, event_id text, ts_ms bigint, output_seq bigint`);

/**
 * A request refused once (say, for lack of balance) may be retried and
 * applied; an applied one is never replaced, so the row always tells what
 * finally happened to that request_id.
 */
export const TRANSFER_UPSERT: InsertSpec = {
  op: "insert",
  table: "transfers",
  columns: TRANSFER_COLUMNS,
  conflict: `ON CONFLICT (request_id) DO UPDATE SET ${setFromExcluded(TRANSFER_COLUMNS.slice(1))}
    WHERE transfers.reject <> 0 AND excluded.reject = 0`,
};

const greater = (c: string) =>
  `${c} = CASE WHEN excluded.${c} > klines.${c} THEN excluded.${c} ELSE klines.${c} END`;
const smaller = (c: string) =>
  `${c} = CASE WHEN excluded.${c} < klines.${c} THEN excluded.${c} ELSE klines.${c} END`;
const added = (c: string) => `${c} = klines.${c} + excluded.${c}`;

/**
 * One row per candle touched by the batch, folded in memory (klines.ts). A
 * stored candle keeps its open and first trade and takes the batch's close
 * and last trade: the batch's trades are later (settled clock).
 */
export const KLINE_UPSERT: InsertSpec = {
  op: "insert",
  table: "klines",
  columns: cols(`symbol_id integer, interval_s integer, open_time_ms bigint, open_ticks bigint,
    high_ticks bigint, low_ticks bigint, close_ticks bigint, volume_lots bigint,
    quote_units bigint, taker_buy_volume_lots bigint, taker_buy_quote_units bigint,
    trade_count bigint, first_trade_id bigint, last_trade_id bigint`),
  conflict: `ON CONFLICT (symbol_id, interval_s, open_time_ms) DO UPDATE SET ${[
    greater("high_ticks"),
    smaller("low_ticks"),
    "close_ticks = excluded.close_ticks",
    added("volume_lots"),
    added("quote_units"),
    added("taker_buy_volume_lots"),
    added("taker_buy_quote_units"),
    added("trade_count"),
    "last_trade_id = excluded.last_trade_id",
  ].join(", ")}`,
};

export const POSITION_UPSERT: InsertSpec = {
  op: "insert",
  table: "consumer_positions",
  columns: cols("stream text, seq bigint, hash text, clock_ms bigint, source_seq bigint"),
  conflict: `ON CONFLICT (stream) DO UPDATE SET seq = excluded.seq, hash = excluded.hash,
    clock_ms = excluded.clock_ms, source_seq = excluded.source_seq`,
};

/** The order in which a batch's tables are written (the ledger's continuity is checked before). */
export const WRITE_ORDER: readonly WriteSpec[] = [
  ORDER_INSERT,
  ORDER_UPDATE,
  TRADE_INSERT,
  LEDGER_INSERT,
  TRANSFER_UPSERT,
  KLINE_UPSERT,
  POSITION_UPSERT,
];
