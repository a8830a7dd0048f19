// The queries of the CQL store. Each is one slice of one partition of the
// table keyed for it (cql-schema.ts); a read over all of a user's symbols or
// assets lists them from user_keys, asks each partition for its page and
// merges them as the SQL stores do (reads.ts). Pages rely on the settled
// clock as the SQL ones do: within a partition, time order is id order, so a
// page "from this id" starts at the tuple (the id's time, the id).

import { BalanceKind, KLINE_INTERVALS, type KlineInterval, tradeIdOf } from "../core/mod.ts";
import { bucketOf, ID_BUCKET } from "./cql-schema.ts";
import { intervalSeconds } from "./klines.ts";
import {
  type DbRow,
  num,
  toKline,
  toLedger,
  toMarketTrade,
  toOrder,
  toPosition,
  toTransfer,
  toUserTrade,
} from "./mappers.ts";
import { type Bounds, boundsOf, checkLimit } from "./queries.ts";
import { type Keyed, merged, tickerFromCandles } from "./reads.ts";
import {
  CORE_STREAM,
  type KlineRow,
  type LedgerRow,
  type OrderRow,
  type SettlementReads,
  type SymbolAssets,
  type TradeRow,
} from "./types.ts";

export type CqlRow = DbRow;
export type CqlFetch = (query: string, params: unknown[]) => Promise<CqlRow[]>;

const MAX_ID = 2n ** 63n - 1n;
const KIND_ORDER_SYMBOL = 0;
const KIND_TRADE_SYMBOL = 1;
const KIND_ASSET = 2;

const b = (n: number): bigint => BigInt(n);

/** A page's slice of a partition clustered by (ts DESC, id DESC, ...). */
function slice(b0: Bounds, from_ts: number, ts: string, id: string, rest: string) {
  if (b0.asc) {
    return {
      where: `(${ts}, ${id}) >= (?, ?) AND (${ts}, ${id}) <= (?, ?)`,
      params: [b(Math.max(b0.start, from_ts)), b(b0.from_id ?? 0), b(b0.end), MAX_ID],
      order: ` ORDER BY ${ts} ASC, ${id} ASC${rest}`,
    };
  }
  return { where: `${ts} >= ? AND ${ts} <= ?`, params: [b(b0.start), b(b0.end)], order: "" };
}

export function createCqlReads(
  fetch: CqlFetch,
  ks: string,
  symbols: ReadonlyMap<number, SymbolAssets>,
): SettlementReads {
  const one = async (q: string, p: unknown[]): Promise<CqlRow | undefined> =>
    (await fetch(q, p))[0];
  const assetsOf = (symbol_id: number): SymbolAssets => {
    const s = symbols.get(symbol_id);
    if (s === undefined) throw new Error(`the store does not know symbol ${symbol_id}`);
    return s;
  };
  const userKeys = async (user_id: number, kind: number): Promise<number[]> =>
    (
      await fetch(`SELECT key FROM ${ks}.user_keys WHERE user_id = ? AND kind = ?`, [
        b(user_id),
        kind,
      ])
    ).map((r) => num(r.key));

  const orderById = async (order_id: number): Promise<OrderRow | null> => {
    const r = await one(`SELECT * FROM ${ks}.orders_by_id WHERE bucket = ? AND order_id = ?`, [
      bucketOf(order_id),
      b(order_id),
    ]);
    return r === undefined ? null : toOrder(r);
  };

  /** The settled time of the first row at or after an id, from its id bucket or the next (ids are dense). */
  async function firstAtOrAfter(
    from_id: number,
    probe: (bucket: bigint, from: bigint) => Promise<CqlRow | undefined>,
  ): Promise<number | null> {
    const first = bucketOf(from_id);
    for (const bucket of [first, first + 1n]) {
      const r = await probe(bucket, bucket === first ? b(from_id) : bucket * b(ID_BUCKET));
      if (r !== undefined) return num(r.ts);
    }
    return null;
  }

  const orderCursor = async (bo: Bounds): Promise<number | null> => {
    if (!bo.asc || bo.from_id === null) return 0;
    return firstAtOrAfter(bo.from_id, (bucket, from) =>
      one(
        `SELECT created_ts_ms AS ts FROM ${ks}.orders_by_id WHERE bucket = ? AND order_id >= ? LIMIT 1`,
        [bucket, from],
      ),
    );
  };

  const tradeCursor = async (symbol_id: number, bo: Bounds): Promise<number | null> => {
    if (!bo.asc || bo.from_id === null) return 0;
    // A symbol's trade ids start at tradeIdOf(symbol, 1): an id below that starts at its first.
    const from_id = Math.max(bo.from_id, tradeIdOf(symbol_id, 0));
    return firstAtOrAfter(from_id, (bucket, from) =>
      one(
        `SELECT ts_ms AS ts FROM ${ks}.trades_by_id WHERE symbol_id = ? AND bucket = ?
          AND trade_id >= ? LIMIT 1`,
        [symbol_id, bucket, from],
      ),
    );
  };

  async function orderPage(user_id: number, symbol_id: number, bo: Bounds, from_ts: number) {
    const sl = slice(bo, from_ts, "created_ts_ms", "order_id", "");
    const rows = await fetch(
      `SELECT * FROM ${ks}.orders_by_user WHERE user_id = ? AND symbol_id = ? AND ${sl.where}${sl.order} LIMIT ?`,
      [b(user_id), symbol_id, ...sl.params, bo.limit],
    );
    return rows.map((r): Keyed<OrderRow> => {
      const o = toOrder(r);
      return { id: o.order_id, ts: o.created_ts_ms, rank: 0, row: o };
    });
  }

  async function tradePage(user_id: number, symbol_id: number, bo: Bounds) {
    const from_ts = await tradeCursor(symbol_id, bo);
    if (from_ts === null) return [];
    const assets = assetsOf(symbol_id);
    const sl = slice(bo, from_ts, "ts_ms", "trade_id", ", rank ASC");
    const rows = await fetch(
      `SELECT * FROM ${ks}.user_trades WHERE user_id = ? AND symbol_id = ? AND ${sl.where}${sl.order} LIMIT ?`,
      [b(user_id), symbol_id, ...sl.params, bo.limit],
    );
    return rows.map((r): Keyed<TradeRow> => {
      const rank = num(r.rank);
      const t = toUserTrade(r, rank === 0, assets);
      return { id: t.trade_id, ts: t.ts_ms, rank, row: t };
    });
  }

  async function klineRange(
    symbol_id: number,
    interval: KlineInterval,
    start: number,
    end: number,
    asc: boolean,
    limit: number,
  ): Promise<KlineRow[]> {
    const rows = await fetch(
      `SELECT * FROM ${ks}.klines WHERE symbol_id = ? AND interval_s = ?
        AND open_time_ms >= ? AND open_time_ms <= ? ORDER BY open_time_ms ${asc ? "ASC" : "DESC"} LIMIT ?`,
      [symbol_id, intervalSeconds(interval), b(start), b(end), limit],
    );
    return rows.map(toKline);
  }

  async function candles(symbol_id: number, interval: "1m" | "1h", from: number, to: number) {
    if (from >= to) return [];
    const n = Math.ceil((to - from) / KLINE_INTERVALS[interval]);
    return klineRange(symbol_id, interval, from, to - 1, true, n);
  }

  async function accountLedger(user_id: number, asset_id: number, limit: number) {
    const rows = await fetch(
      `SELECT * FROM ${ks}.balance_ledger WHERE user_id = ? AND asset_id = ? LIMIT ?`,
      [b(user_id), asset_id, limit],
    );
    return rows.map((r) => {
      const kind = num(r.kind);
      const transfer = kind === BalanceKind.Deposit || kind === BalanceKind.Withdraw;
      return toLedger({ ...r, transfer_event_id: transfer ? r.transfer_event_id : null });
    });
  }

  return {
    async order(q) {
      if ("order_id" in q) return orderById(q.order_id);
      if (q.cid === "") return null;
      const r = await one(
        `SELECT order_id FROM ${ks}.orders_by_cid WHERE user_id = ? AND cid = ? LIMIT 1`,
        [b(q.user_id), q.cid],
      );
      return r === undefined ? null : orderById(num(r.order_id));
    },

    async activeOrders(q) {
      const limit = checkLimit(q.limit);
      const keys =
        q.symbol_id === undefined
          ? await fetch(`SELECT order_id FROM ${ks}.active_orders WHERE user_id = ?`, [
              b(q.user_id),
            ])
          : await fetch(
              `SELECT order_id FROM ${ks}.active_orders WHERE user_id = ? AND symbol_id = ? LIMIT ?`,
              [b(q.user_id), q.symbol_id, limit],
            );
      const ids = keys
        .map((r) => num(r.order_id))
        .sort((x, y) => y - x)
        .slice(0, limit);
      const rows = await Promise.all(ids.map(orderById));
      return rows.filter((o): o is OrderRow => o !== null);
    },

    async orderHistory(q) {
      const bo = boundsOf(q);
      const from_ts = await orderCursor(bo);
      if (from_ts === null) return [];
      const list =
        q.symbol_id !== undefined ? [q.symbol_id] : await userKeys(q.user_id, KIND_ORDER_SYMBOL);
      const pages = [];
      for (const s of list) pages.push(await orderPage(q.user_id, s, bo, from_ts));
      return merged(pages, bo);
    },

    async orderTrades(q) {
      const limit = checkLimit(q.limit);
      const order = await orderById(q.order_id);
      if (order === null) return [];
      const assets = assetsOf(order.symbol_id);
      const rows = await fetch(
        `SELECT * FROM ${ks}.order_trades WHERE order_id = ? AND trade_id >= ? LIMIT ?`,
        [b(q.order_id), b(q.from_id ?? 0), limit],
      );
      return rows.map((r) => toUserTrade(r, num(r.rank) === 0, assets));
    },

    async userTrades(q) {
      const bo = boundsOf(q);
      const list =
        q.symbol_id !== undefined ? [q.symbol_id] : await userKeys(q.user_id, KIND_TRADE_SYMBOL);
      const pages = [];
      for (const s of list.sort((x, y) => x - y)) pages.push(await tradePage(q.user_id, s, bo));
      return merged(pages, bo);
    },

    async marketTrades(q) {
      const bo = boundsOf(q);
      const from_ts = await tradeCursor(q.symbol_id, bo);
      if (from_ts === null) return [];
      const sl = slice(bo, from_ts, "ts_ms", "trade_id", "");
      const rows = await fetch(
        `SELECT * FROM ${ks}.market_trades WHERE symbol_id = ? AND ${sl.where}${sl.order} LIMIT ?`,
        [q.symbol_id, ...sl.params, bo.limit],
      );
      return rows.map(toMarketTrade);
    },

    async klines(q) {
      const limit = checkLimit(q.limit);
      const range: { start_time?: number; end_time?: number } = {};
      if (q.start_time !== undefined) range.start_time = q.start_time;
      if (q.end_time !== undefined) range.end_time = q.end_time;
      const bo = boundsOf({ limit, ...range });
      const asc = q.start_time !== undefined;
      const rows = await klineRange(q.symbol_id, q.interval, bo.start, bo.end, asc, limit);
      return asc ? rows : rows.reverse();
    },

    ticker24h: (q) => tickerFromCandles(q, candles),

    async ledger(q) {
      const limit = checkLimit(q.limit);
      if (q.asset_id !== undefined) return accountLedger(q.user_id, q.asset_id, limit);
      const out: LedgerRow[] = [];
      for (const a of await userKeys(q.user_id, KIND_ASSET)) {
        out.push(...(await accountLedger(q.user_id, a, limit)));
      }
      return out
        .sort((x, y) => y.output_seq - x.output_seq || x.asset_id - y.asset_id || y.seq - x.seq)
        .slice(0, limit);
    },

    async transfer(request_id) {
      const r = await one(`SELECT * FROM ${ks}.transfers WHERE request_id = ?`, [request_id]);
      return r === undefined ? null : toTransfer(r);
    },

    async position() {
      const r = await one(
        `SELECT stream, seq, hash, clock_ms, source_seq FROM ${ks}.consumer_positions WHERE stream = ?`,
        [CORE_STREAM],
      );
      return r === undefined ? null : toPosition(r);
    },
  };
}
