// Rows of the settlement database that end a trace: the transfer and its
// ledger row, the order and its trades, the trade. SQLite (the embedded
// exchange's file) or PostgreSQL (distributed mode); every lookup goes
// through a primary key or an index, except transfers by event id, a table
// of deposits and withdrawals only.

import Database from "better-sqlite3";
import { BalanceKind, tradeIdOf } from "../core/mod.ts";
import { transferParts } from "./query.ts";
import type { Entry, SubjectKind } from "./types.ts";

type Row = Record<string, unknown>;
type Param = string | number;

export interface SqlSource {
  /** Statements use `?` placeholders. */
  all(sql: string, params: readonly Param[]): Promise<Row[]>;
  close(): Promise<void>;
}

export function openSqliteSource(path: string): SqlSource {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  return {
    all: async (sql, params) => db.prepare(sql).all(...params) as Row[],
    close: async () => {
      db.close();
    },
  };
}

const SCHEMA_RE = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const PG_INT8 = 20;

export async function openPostgresSource(url: string, schema = "public"): Promise<SqlSource> {
  if (!SCHEMA_RE.test(schema)) throw new Error(`not a schema name: ${JSON.stringify(schema)}`);
  // Loaded only when asked for: `bourse trace` on log files must start fast.
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
  await client.connect();
  // A connection that breaks fails the query in flight; the event itself must not end the process.
  client.on("error", () => undefined);
  return {
    async all(sql, params) {
      let n = 0;
      const text = sql.replace(/\?/g, () => `$${++n}`);
      const r = await client.query(text, [...params]);
      // BIGINT columns arrive as text; ids and times fit in a double, as in SQLite.
      const int8 = r.fields.filter((f) => f.dataTypeID === PG_INT8).map((f) => f.name);
      for (const row of r.rows as Row[]) {
        for (const name of int8) {
          const v = row[name];
          if (typeof v === "string" && Number.isSafeInteger(Number(v))) row[name] = Number(v);
        }
      }
      return r.rows as Row[];
    },
    close: () => client.end(),
  };
}

const TRADE_SYMBOL_SHIFT = tradeIdOf(1, 0);

function rowEntry(table: string, row: Row, timeColumn: string | null): Entry {
  const t = timeColumn === null ? null : row[timeColumn];
  return {
    source: "db",
    service: "database",
    event: `DB ${table} row`,
    time: typeof t === "number" ? t : null,
    file: null,
    offset: null,
    fields: row,
  };
}

function numericId(id: string): number | null {
  const n = Number(id);
  return /^\d+$/.test(id) && Number.isSafeInteger(n) ? n : null;
}

export class TraceDatabase {
  constructor(private readonly sql: SqlSource) {}

  /** The transfer's row and, when it was applied, its ledger row (found by request id). */
  async transferRows(event_id: string): Promise<Entry[]> {
    const p = transferParts(event_id);
    if (p === null) return [];
    const transfers = await this.sql.all("SELECT * FROM transfers WHERE event_id = ?", [event_id]);
    const out = transfers.map((r) => rowEntry("transfers", r, "ts_ms"));
    for (const t of transfers) {
      const ledger = await this.sql.all(
        `SELECT * FROM balance_ledger WHERE user_id = ? AND asset_id = ? AND ref = ?
          AND kind IN (${BalanceKind.Deposit}, ${BalanceKind.Withdraw}) ORDER BY seq`,
        [p.user_id, p.asset_id, String(t.request_id)],
      );
      out.push(...ledger.map((r) => rowEntry("balance_ledger", r, "ts_ms")));
    }
    return out;
  }

  /**
   * The order's row and its trades: each order change after its acceptance
   * is a trade (the fills) or its last state (on the row). The trades are
   * read from its owner's index range over the order's lifetime.
   */
  async orderRows(order_id: string): Promise<Entry[]> {
    const id = numericId(order_id);
    if (id === null) return [];
    const orders = await this.sql.all("SELECT * FROM orders WHERE order_id = ?", [id]);
    const out = orders.map((r) => rowEntry("orders", r, "updated_ts_ms"));
    for (const o of orders) {
      for (const side of ["taker", "maker"] as const) {
        const trades = await this.sql.all(
          `SELECT * FROM trades WHERE ${side}_user_id = ? AND symbol_id = ? AND ts_ms >= ?
            AND ts_ms <= ? AND ${side}_order_id = ? ORDER BY ts_ms, trade_id`,
          [
            Number(o.user_id),
            Number(o.symbol_id),
            Number(o.created_ts_ms),
            Number(o.updated_ts_ms),
            id,
          ],
        );
        out.push(...trades.map((r) => rowEntry("trades", r, "ts_ms")));
      }
    }
    return out;
  }

  /** The trade's one row (both sides). */
  async tradeRows(trade_id: string): Promise<Entry[]> {
    const id = numericId(trade_id);
    if (id === null) return [];
    const rows = await this.sql.all("SELECT * FROM trades WHERE symbol_id = ? AND trade_id = ?", [
      Math.floor(id / TRADE_SYMBOL_SHIFT),
      id,
    ]);
    return rows.map((r) => rowEntry("trades", r, "ts_ms"));
  }

  /** What the id is, from the database alone: for an id no log line mentions. */
  async probe(id: string): Promise<SubjectKind | null> {
    if (transferParts(id) !== null) {
      return (await this.transferRows(id)).length > 0 ? "transfer" : null;
    }
    const n = numericId(id);
    if (n !== null && n >= TRADE_SYMBOL_SHIFT && (await this.tradeRows(id)).length > 0) {
      return "trade";
    }
    if (n !== null && (await this.sql.all("SELECT 1 FROM orders WHERE order_id = ?", [n])).length) {
      return "order";
    }
    const byRequest = await this.sql.all("SELECT 1 FROM transfers WHERE request_id = ?", [id]);
    return byRequest.length > 0 ? "request" : null;
  }

  /** Transfer event ids of a client request id (the table's key). */
  async transferEventIds(request_id: string): Promise<string[]> {
    const rows = await this.sql.all("SELECT event_id FROM transfers WHERE request_id = ?", [
      request_id,
    ]);
    return rows.map((r) => String(r.event_id));
  }

  close(): Promise<void> {
    return this.sql.close();
  }
}
