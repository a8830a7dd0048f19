// The queries of both stores, over any way of running a Query. A read over
// all of a user's symbols (or assets) asks each symbol the user has for its
// newest `limit` rows and merges them: each of those is one range of the
// single user index, so writes keep one random-key index per table.

import type { Side } from "../core/enums.ts";
import {
  type DbRow,
  num,
  toLedger,
  toMarketTrade,
  toOrder,
  toOrderEvent,
  toTrade,
  toTransfer,
} from "./mappers.ts";
import {
  activeOrdersQuery,
  checkLimit,
  distinctQuery,
  ledgerQuery,
  marketTradesQuery,
  orderEventsQuery,
  orderHistoryQuery,
  orderQuery,
  type Query,
  transferQuery,
  userTradesQuery,
} from "./queries.ts";
import type { LedgerRow, OrderRow, SettlementStore, TradeRow } from "./types.ts";

export type Fetch = (q: Query) => Promise<DbRow[]>;

export type Reads = Pick<
  SettlementStore,
  | "activeOrders"
  | "orderHistory"
  | "order"
  | "orderEvents"
  | "userTrades"
  | "marketTrades"
  | "ledger"
  | "transfer"
>;

const newestOrder = (a: OrderRow, b: OrderRow): number =>
  b.created_ts_ms - a.created_ts_ms || b.order_id - a.order_id;

const newestTrade = (a: TradeRow, b: TradeRow): number =>
  b.ts_ms - a.ts_ms || b.trade_id - a.trade_id || (b.side as Side) - (a.side as Side);

const newestLedger = (a: LedgerRow, b: LedgerRow): number =>
  b.output_seq - a.output_seq || a.asset_id - b.asset_id || b.seq - a.seq;

export function createReads(fetch: Fetch): Reads {
  /** The newest `limit` rows across keys, each key's rows already newest first. */
  async function fanOut<T>(
    keys: Query,
    perKey: (key: number) => Query,
    map: (r: DbRow) => T,
    order: (a: T, b: T) => number,
    limit: number,
  ): Promise<T[]> {
    const out: T[] = [];
    for (const k of await fetch(keys)) {
      for (const r of await fetch(perKey(num(k.v)))) out.push(map(r));
    }
    return out.sort(order).slice(0, limit);
  }

  return {
    async activeOrders(q) {
      return (await fetch(activeOrdersQuery(q))).map(toOrder);
    },
    async orderHistory(q) {
      const limit = checkLimit(q.limit);
      const { user_id, symbol_id } = q;
      if (symbol_id !== undefined) {
        return (await fetch(orderHistoryQuery({ user_id, symbol_id, limit }))).map(toOrder);
      }
      return fanOut(
        distinctQuery("orders", "symbol_id", user_id),
        (s) => orderHistoryQuery({ user_id, symbol_id: s, limit }),
        toOrder,
        newestOrder,
        limit,
      );
    },
    async order(order_id) {
      const r = (await fetch(orderQuery(order_id)))[0];
      return r === undefined ? null : toOrder(r);
    },
    async orderEvents(q) {
      return (await fetch(orderEventsQuery(q.order_id))).map(toOrderEvent);
    },
    async userTrades(q) {
      const limit = checkLimit(q.limit);
      const { user_id, symbol_id } = q;
      if (symbol_id !== undefined) {
        return (await fetch(userTradesQuery({ user_id, symbol_id, limit }))).map(toTrade);
      }
      return fanOut(
        distinctQuery("trades", "symbol_id", user_id),
        (s) => userTradesQuery({ user_id, symbol_id: s, limit }),
        toTrade,
        newestTrade,
        limit,
      );
    },
    async marketTrades(q) {
      return (await fetch(marketTradesQuery(q))).map(toMarketTrade);
    },
    async ledger(q) {
      const limit = checkLimit(q.limit);
      const { user_id, asset_id } = q;
      if (asset_id !== undefined) {
        return (await fetch(ledgerQuery({ user_id, asset_id, limit }))).map(toLedger);
      }
      // Within one account seq grows with output_seq, so each account's
      // newest rows by seq are also its newest by output.
      return fanOut(
        distinctQuery("balance_ledger", "asset_id", user_id),
        (a) => ledgerQuery({ user_id, asset_id: a, limit }),
        toLedger,
        newestLedger,
        limit,
      );
    },
    async transfer(request_id) {
      const r = (await fetch(transferQuery(request_id)))[0];
      return r === undefined ? null : toTransfer(r);
    },
  };
}
