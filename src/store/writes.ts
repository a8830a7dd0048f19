// Every write settlement makes, described once: the table, the columns in the
// order a planned row holds them, and their PostgreSQL types. Each database
// turns a spec into its own statement shape (sqlite-sql.ts, pg-sql.ts).

export type PgType = "bigint" | "integer" | "smallint" | "text";

export interface Column {
  readonly name: string;
  readonly type: PgType;
}

/** A row in column order. Numbers are safe integers; null only where the column allows it. */
export type SqlValue = number | string | null;
export type Row = SqlValue[];

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
}

/** Row = [key]. */
export interface DeleteSpec {
  readonly op: "delete";
  readonly table: string;
  readonly key: Column;
}

export type WriteSpec = InsertSpec | UpdateSpec | DeleteSpec;

function cols(spec: string): Column[] {
  return spec
    .trim()
    .split(/\s*,\s*/)
    .map((pair) => {
      const [name, type] = pair.split(/\s+/) as [string, PgType];
      return { name, type };
    });
}

/**
 * Append-only rows take no ON CONFLICT clause. A replayed output never gets
 * this far: apply() skips outputs at or below the stored position inside the
 * transaction that moves it, so a key conflict here means a broken stream and
 * must fail the batch, not vanish. It is also cheaper: PostgreSQL turns an
 * INSERT ... ON CONFLICT into a speculative insertion with an extra WAL record
 * per row (12% of the batch time in bench/results/store.md).
 */
const APPEND = "";

export const ENGINE_LOG: InsertSpec = {
  op: "insert",
  table: "engine_output_log",
  columns: cols(`symbol_id integer, output_seq bigint, prev_hash text, hash text,
    input_kind smallint, order_id bigint, user_id bigint, ubs_seq bigint, reject integer,
    update_count integer, trade_count integer, delta_count integer, completion_count integer,
    best_bid_ticks bigint, best_ask_ticks bigint, ts_ms bigint`),
  conflict: APPEND,
};

export const BALANCE_LOG: InsertSpec = {
  op: "insert",
  table: "balance_output_log",
  columns: cols(`output_seq bigint, prev_hash text, hash text, cause smallint,
    command_kind smallint, request_id text, user_id bigint, engine_symbol_id integer,
    engine_output_seq bigint, order_id bigint, reject integer, duplicate smallint,
    event_count integer, ts_ms bigint`),
  conflict: APPEND,
};

const ORDER_STATE = cols(`status smallint, filled_lots bigint, remaining_lots bigint,
  filled_quote_units bigint, reason integer, updated_ts_ms bigint, output_seq bigint`);

const setFromExcluded = (columns: readonly Column[]): string =>
  columns.map((c) => `${c.name} = excluded.${c.name}`).join(", ");

/** An order created in the batch, with its state at the end of the batch. */
export const ORDER_INSERT: InsertSpec = {
  op: "insert",
  table: "orders",
  columns: [
    ...cols(`order_id bigint, user_id bigint, symbol_id integer, side smallint,
      order_type smallint, tif smallint, post_only smallint, stp smallint, price_ticks bigint,
      qty_lots bigint, quote_units bigint, cid text, created_ts_ms bigint`),
    ...ORDER_STATE,
  ],
  conflict: `ON CONFLICT (order_id) DO UPDATE SET ${setFromExcluded(ORDER_STATE)}`,
};

/** An order created before the batch: only its state changes. */
export const ORDER_UPDATE: UpdateSpec = {
  op: "update",
  table: "orders",
  columns: ORDER_STATE,
  key: { name: "order_id", type: "bigint" },
};

export const HISTORY_INSERT: InsertSpec = {
  op: "insert",
  table: "order_history",
  columns: cols(`symbol_id integer, output_seq bigint, idx integer, order_id bigint,
    user_id bigint, status smallint, filled_lots bigint, remaining_lots bigint,
    filled_quote_units bigint, reason integer, trade_id bigint, ts_ms bigint, event_id text`),
  conflict: APPEND,
};

const ACTIVE_COLUMNS = cols(
  "order_id bigint, user_id bigint, symbol_id integer, created_ts_ms bigint",
);

export const ACTIVE_INSERT: InsertSpec = {
  op: "insert",
  table: "active_orders",
  columns: ACTIVE_COLUMNS,
  conflict: `ON CONFLICT (order_id) DO UPDATE SET ${setFromExcluded(ACTIVE_COLUMNS.slice(1))}`,
};

export const ACTIVE_DELETE: DeleteSpec = {
  op: "delete",
  table: "active_orders",
  key: { name: "order_id", type: "bigint" },
};

export const TRADE_INSERT: InsertSpec = {
  op: "insert",
  table: "trades",
  columns: cols(`symbol_id integer, trade_id bigint, side smallint, user_id bigint,
    order_id bigint, counterparty_user_id bigint, counterparty_order_id bigint, is_maker smallint,
    price_ticks bigint, qty_lots bigint, quote_units bigint, fee_units bigint,
    fee_asset_id integer, ts_ms bigint, output_seq bigint`),
  conflict: APPEND,
};

export const LEDGER_INSERT: InsertSpec = {
  op: "insert",
  table: "balance_ledger",
  columns: cols(`user_id bigint, asset_id integer, seq bigint, kind smallint,
    delta_avail bigint, delta_frozen bigint, avail bigint, frozen bigint, ref_id bigint,
    ref text, event_id text, output_seq bigint`),
  conflict: APPEND,
};

const TRANSFER_COLUMNS = cols(`request_id text, kind smallint, user_id bigint, asset_id integer,
  amount_units bigint, reject integer, event_id text, ts_ms bigint, output_seq bigint`);

/**
 * A request refused once (say, for lack of balance) may be retried and
 * applied; an applied one is never replaced, so the row always tells what
 * finally happened to that request_id.
 */
export const TRANSFER_INSERT: InsertSpec = {
  op: "insert",
  table: "transfers",
  columns: TRANSFER_COLUMNS,
  conflict: `ON CONFLICT (request_id) DO UPDATE SET ${setFromExcluded(TRANSFER_COLUMNS.slice(1))}
    WHERE transfers.reject <> 0 AND excluded.reject = 0`,
};

export const POSITION_UPSERT: InsertSpec = {
  op: "insert",
  table: "consumer_positions",
  columns: cols("stream text, seq bigint, hash text"),
  conflict: "ON CONFLICT (stream) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
};
