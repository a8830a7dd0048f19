// The settlement store on a CQL database (Apache Cassandra, ScyllaDB).
//
// CQL has no transaction over several partitions, so a batch commits the
// way the design in docs/settlement-store.md ("CQL") describes: every row is
// written as an upsert of values the writer computed in full (no counters,
// no read-modify-write on the server), keyed by what the output stream fixes
// (ids, ledger seqs, candle open times), so writing the same outputs again
// leaves the same rows; the position is written last, by one conditional
// update that only succeeds on the position this writer read. A batch that
// fails half-way leaves rows ahead of the position; the outputs after the
// position are then handed over again and rewrite them. The two places where
// a value depends on what is stored (a candle's running sums, a transfer's
// first outcome) read only what the stored position covers: a candle keeps
// the state it was computed from, a transfer row its output_seq.

import cassandra from "cassandra-driver";
import { BalanceKind } from "../core/mod.ts";
import {
  checkBatch,
  checkTails,
  resultOf,
  type Step,
  samePosition,
  stepOf,
  unknownTails,
} from "./apply.ts";
import { type CqlFetch, type CqlRow, createCqlReads } from "./cql-reads.ts";
import {
  bucketOf,
  CQL_SCHEMA_VERSION,
  checkKeyspace,
  checkVersions,
  createStatements,
} from "./cql-schema.ts";
import { StoreError } from "./errors.ts";
import { transferEventId } from "./event-id.ts";
import { hashToHex } from "./hex.ts";
import type { Candle } from "./klines.ts";
import { LedgerTails } from "./ledger-tails.ts";
import { candleFiguresOf, num, toPosition } from "./mappers.ts";
import { OPEN_STATUSES } from "./migrations.ts";
import type { WritePlan } from "./plan.ts";
import { int, type OrderFold } from "./rows.ts";
import {
  type CandleFigures,
  CORE_STREAM,
  type SettlementStore,
  type StoredPosition,
  type StoreOptions,
  type SymbolAssets,
} from "./types.ts";

export interface CqlStoreOptions extends StoreOptions {
  keyspace: string;
  /** Replication factor of the keyspace migrate() creates. Default 1. */
  replication_factor?: number;
  /** Writes in flight at once within a batch. Default 64. */
  concurrency?: number;
}

const { consistencies } = cassandra.types;
const OPEN = new Set<number>(OPEN_STATUSES);
const KIND_ORDER_SYMBOL = 0;
const KIND_TRADE_SYMBOL = 1;
const KIND_ASSET = 2;
/**
 * Rows of one partition per CQL batch: far below the size at which the
 * server refuses a batch (batch_size_fail_threshold, 50 KiB by default in
 * Cassandra and ScyllaDB); see docs/settlement-store.md.
 */
const ROWS_PER_CQL_BATCH = 16;
/** Orders whose keys are remembered between batches (open ones, mostly). */
const CAP_ORDERS = 200_000;

/** A bigint column's value; a number that is not a safe integer fails the batch (BATCH_INVALID). */
const b = (n: number | bigint): bigint => (typeof n === "bigint" ? n : BigInt(int(n)));

interface Write {
  /** The table and partition the row goes to: rows of one partition travel as one batch. */
  pk: string;
  query: string;
  params: unknown[];
}

/** What an order update needs to find the order's other rows. */
interface OrderKey {
  user_id: number;
  symbol_id: number;
  created_ts_ms: number;
  open: boolean;
}

const candleKey = (symbol_id: number, interval_s: number, open_time_ms: number): string =>
  `${symbol_id}/${interval_s}/${open_time_ms}`;

const toJson = (s: CandleFigures | null): string =>
  s === null ? "" : JSON.stringify(s, (_k, v) => (typeof v === "bigint" ? v.toString() : v));

function fromJson(text: string): CandleFigures | null {
  if (text === "") return null;
  const o = JSON.parse(text) as Record<string, number | string>;
  return candleFiguresOf(o);
}

/** A stored candle (or none) followed by the batch's part of it. */
function mergeCandle(before: CandleFigures | null, c: Candle): CandleFigures {
  const add = (x: bigint | undefined, y: number | bigint) => (x ?? 0n) + BigInt(y);
  return {
    open_ticks: before?.open_ticks ?? c.open_ticks,
    high_ticks: Math.max(before?.high_ticks ?? c.high_ticks, c.high_ticks),
    low_ticks: Math.min(before?.low_ticks ?? c.low_ticks, c.low_ticks),
    close_ticks: c.close_ticks,
    volume_lots: add(before?.volume_lots, c.volume_lots),
    quote_units: add(before?.quote_units, c.quote_units),
    taker_buy_volume_lots: add(before?.taker_buy_volume_lots, c.taker_buy_volume_lots),
    taker_buy_quote_units: add(before?.taker_buy_quote_units, c.taker_buy_quote_units),
    trade_count: (before?.trade_count ?? 0) + c.trade_count,
    first_trade_id: before?.first_trade_id ?? c.first_trade_id,
    last_trade_id: c.last_trade_id,
  };
}

/** The caches a writer keeps between batches; all valid only for the position it left. */
class WriterState {
  known: StoredPosition | null = null;
  readonly tails = new LedgerTails();
  readonly candles = new Map<string, CandleFigures>();
  readonly orders = new Map<number, OrderKey>();
  readonly userKeys = new Set<string>();
  /** The batch being written: its candles and user keys, cached once its position commits. */
  readonly pendingCandles = new Map<string, CandleFigures>();
  readonly pendingKeys = new Set<string>();

  clear(): void {
    this.pendingCandles.clear();
    this.pendingKeys.clear();
    this.known = null;
    this.tails.clear();
    this.candles.clear();
    this.orders.clear();
  }
}

/** Statements of one keyspace; texts are fixed, so the driver prepares each once. */
function statements(ks: string) {
  const orderCols = `user_id, symbol_id, side, order_type, tif, post_only, stp, price_ticks,
    qty_lots, quote_units, cid, stop_price_ticks, oco_order_id, status, filled_lots,
    remaining_lots, filled_quote_units, reason, created_ts_ms, updated_ts_ms, output_seq`;
  const tradeCols = `price_ticks, qty_lots, quote_units, taker_side, taker_order_id,
    maker_order_id, taker_user_id, maker_user_id, buyer_fee_units, seller_fee_units, output_seq`;
  const marks = (n: number) => Array.from({ length: n }, () => "?").join(", ");
  const state = `status = ?, filled_lots = ?, remaining_lots = ?, filled_quote_units = ?,
    reason = ?, updated_ts_ms = ?, output_seq = ?`;
  return {
    orderById: `INSERT INTO ${ks}.orders_by_id (bucket, order_id, ${orderCols}) VALUES (${marks(23)})`,
    orderByUser: `INSERT INTO ${ks}.orders_by_user (order_id, ${orderCols}) VALUES (${marks(22)})`,
    orderByCid: `INSERT INTO ${ks}.orders_by_cid (user_id, cid, order_id) VALUES (?, ?, ?)`,
    updateById: `UPDATE ${ks}.orders_by_id SET ${state} WHERE bucket = ? AND order_id = ?`,
    updateByUser: `UPDATE ${ks}.orders_by_user SET ${state}
      WHERE user_id = ? AND symbol_id = ? AND created_ts_ms = ? AND order_id = ?`,
    priceById: `UPDATE ${ks}.orders_by_id SET price_ticks = ? WHERE bucket = ? AND order_id = ?`,
    qtyById: `UPDATE ${ks}.orders_by_id SET qty_lots = ? WHERE bucket = ? AND order_id = ?`,
    priceByUser: `UPDATE ${ks}.orders_by_user SET price_ticks = ?
      WHERE user_id = ? AND symbol_id = ? AND created_ts_ms = ? AND order_id = ?`,
    qtyByUser: `UPDATE ${ks}.orders_by_user SET qty_lots = ?
      WHERE user_id = ? AND symbol_id = ? AND created_ts_ms = ? AND order_id = ?`,
    keyOfOrder: `SELECT user_id, symbol_id, created_ts_ms, status FROM ${ks}.orders_by_id
      WHERE bucket = ? AND order_id = ?`,
    activeAdd: `INSERT INTO ${ks}.active_orders (user_id, symbol_id, order_id) VALUES (?, ?, ?)`,
    activeDrop: `DELETE FROM ${ks}.active_orders WHERE user_id = ? AND symbol_id = ? AND order_id = ?`,
    userKey: `INSERT INTO ${ks}.user_keys (user_id, kind, key) VALUES (?, ?, ?)`,
    marketTrade: `INSERT INTO ${ks}.market_trades (symbol_id, ts_ms, trade_id, ${tradeCols})
      VALUES (${marks(14)})`,
    tradeById: `INSERT INTO ${ks}.trades_by_id (symbol_id, bucket, trade_id, ts_ms) VALUES (?, ?, ?, ?)`,
    userTrade: `INSERT INTO ${ks}.user_trades (user_id, symbol_id, ts_ms, trade_id, rank, ${tradeCols})
      VALUES (${marks(16)})`,
    orderTrade: `INSERT INTO ${ks}.order_trades (order_id, trade_id, rank, symbol_id, ts_ms, ${tradeCols})
      VALUES (${marks(16)})`,
    ledger: `INSERT INTO ${ks}.balance_ledger (user_id, asset_id, seq, kind, delta_avail,
      delta_frozen, avail, frozen, ref_id, ref, ts_ms, output_seq, transfer_event_id)
      VALUES (${marks(13)})`,
    ledgerAround: `SELECT seq, output_seq FROM ${ks}.balance_ledger
      WHERE user_id = ? AND asset_id = ? AND seq IN (?, ?)`,
    ledgerLast: `SELECT seq FROM ${ks}.balance_ledger WHERE user_id = ? AND asset_id = ? LIMIT 1`,
    transfer: `INSERT INTO ${ks}.transfers (request_id, kind, user_id, asset_id, amount_units,
      reject, event_id, ts_ms, output_seq) VALUES (${marks(9)})`,
    transferRead: `SELECT reject, output_seq FROM ${ks}.transfers WHERE request_id = ?`,
    kline: `INSERT INTO ${ks}.klines (symbol_id, interval_s, open_time_ms, open_ticks, high_ticks,
      low_ticks, close_ticks, volume_lots, quote_units, taker_buy_volume_lots,
      taker_buy_quote_units, trade_count, first_trade_id, last_trade_id, seq, prev)
      VALUES (${marks(16)})`,
    klineRead: `SELECT * FROM ${ks}.klines
      WHERE symbol_id = ? AND interval_s = ? AND open_time_ms = ?`,
    positionRead: `SELECT stream, seq, hash, clock_ms, source_seq FROM ${ks}.consumer_positions
      WHERE stream = ?`,
    positionCreate: `INSERT INTO ${ks}.consumer_positions (stream, seq, hash, clock_ms, source_seq)
      VALUES (?, ?, ?, ?, ?) IF NOT EXISTS`,
    positionMove: `UPDATE ${ks}.consumer_positions SET seq = ?, hash = ?, clock_ms = ?,
      source_seq = ? WHERE stream = ? IF seq = ?`,
  };
}

/**
 * A store over the caller's client, which must be created with
 * `encoding: { useBigIntAsLong: true }` (bigint columns as exact bigints) and
 * stays open on close(); openCqlStore() makes and owns one.
 */
export function createCqlStore(client: cassandra.Client, opts: CqlStoreOptions): SettlementStore {
  const options = (client as unknown as { options?: cassandra.ClientOptions }).options;
  if (options?.encoding?.useBigIntAsLong !== true) {
    throw new Error("the CQL store needs a client created with encoding.useBigIntAsLong = true");
  }
  const ks = checkKeyspace(opts.keyspace);
  const s = statements(ks);
  const symbols = new Map<number, SymbolAssets>(opts.symbols.map((x) => [x.id, x]));
  const concurrency = opts.concurrency ?? 64;
  const fetch: CqlFetch = async (query, params) =>
    (await client.execute(query, params, { prepare: true })).rows as unknown as CqlRow[];
  const w = new WriterState();

  async function readPosition(): Promise<StoredPosition | null> {
    // A serial read sees a position whose conditional update is still in flight.
    const rs = await client.execute(s.positionRead, [CORE_STREAM], {
      prepare: true,
      consistency: consistencies.localSerial,
    });
    const r = rs.first();
    return r === null ? null : toPosition(r as unknown as CqlRow);
  }

  /**
   * The batch's rows, grouped by partition into unlogged batches (one
   * mutation per partition on the server, no batch log), at most
   * `concurrency` in flight. Rows are idempotent, so the order among
   * partitions does not matter; the position is written after all of them.
   */
  async function run(writes: readonly Write[]): Promise<void> {
    const groups = new Map<string, Write[]>();
    for (const x of writes) {
      const g = groups.get(x.pk);
      if (g === undefined) groups.set(x.pk, [x]);
      else g.push(x);
    }
    const units: Write[][] = [];
    for (const g of groups.values()) {
      for (let i = 0; i < g.length; i += ROWS_PER_CQL_BATCH) {
        units.push(g.slice(i, i + ROWS_PER_CQL_BATCH));
      }
    }
    let next = 0;
    const worker = async () => {
      while (next < units.length) {
        const u = units[next++] as Write[];
        if (u.length === 1) {
          const x = u[0] as Write;
          await client.execute(x.query, x.params, { prepare: true });
        } else {
          await client.batch(
            u.map((x) => ({ query: x.query, params: x.params })),
            { prepare: true, logged: false },
          );
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, units.length) }, worker));
  }

  return {
    ...createCqlReads(fetch, ks, symbols),

    async migrate() {
      const rf = opts.replication_factor ?? 1;
      for (const q of createStatements(ks, rf)) await client.execute(q);
      const rs = await client.execute(`SELECT version FROM ${ks}.schema_migrations`);
      const done = checkVersions(
        rs.rows.map((r) => num(r.version)),
        ks,
      );
      if (!done) {
        await client.execute(
          `INSERT INTO ${ks}.schema_migrations (version, applied_at_ms) VALUES (?, ?)`,
          [CQL_SCHEMA_VERSION, b(Date.now())],
          { prepare: true },
        );
      }
    },

    async apply(batch) {
      checkBatch(batch);
      const stored = await readPosition();
      if (!samePosition(stored, w.known)) w.clear();
      w.known = stored;
      const step = stepOf(batch, stored, symbols);
      if (step.plan === null || step.position === null) return resultOf(step);
      const at = stored?.seq ?? 0;
      try {
        await learnTails(step.plan, at);
        checkTails(step.plan, w.tails);
        const writes = await rowWrites(step, at);
        await run(writes);
        await movePosition(stored, step.position);
      } catch (err) {
        // Rows may be ahead of the position now: forget what was cached.
        w.clear();
        throw err;
      }
      commit(step);
      return resultOf(step);
    },

    /** The client is the caller's: it stays open. */
    async close() {},
  };

  /**
   * An account's stored tail is the row before the batch's first seq, among
   * rows the stored position covers; rows above it (with a later output_seq)
   * are left by a batch that failed and are about to be rewritten.
   */
  async function learnTails(plan: WritePlan, at: number): Promise<void> {
    const todo = unknownTails(plan, w.tails);
    const found = await Promise.all(
      todo.map(async (a) => {
        const rs = await client.execute(
          s.ledgerAround,
          [b(a.user_id), a.asset_id, b(a.first - 1), b(a.first)],
          { prepare: true },
        );
        const covered = new Map<number, boolean>();
        for (const r of rs.rows) covered.set(num(r.seq), num(r.output_seq) <= at);
        const before = a.first === 1 || covered.get(a.first - 1) === true;
        if (before && covered.get(a.first) !== true) return a.first - 1;
        const last = (
          await client.execute(s.ledgerLast, [b(a.user_id), a.asset_id], { prepare: true })
        ).first();
        return last === null ? 0 : num(last.seq);
      }),
    );
    todo.forEach((a, i) => {
      w.tails.learn(a.user_id, a.asset_id, found[i] as number);
    });
  }

  async function rowWrites(step: Step, at: number): Promise<Write[]> {
    const plan = step.plan as WritePlan;
    const seq = (step.position as StoredPosition).seq;
    const out: Write[] = [];
    w.pendingKeys.clear();
    w.pendingCandles.clear();
    ordersInserted(plan, out);
    await ordersUpdated(plan, out);
    trades(plan, out);
    ledger(plan, out);
    await transfers(plan, at, out);
    await klines(plan, at, seq, out);
    return out;
  }

  function userKey(user_id: number, kind: number, key: number, out: Write[]): void {
    const k = `${user_id}/${kind}/${key}`;
    if (w.userKeys.has(k) || w.pendingKeys.has(k)) return;
    w.pendingKeys.add(k);
    out.push({ pk: `uk/${user_id}`, query: s.userKey, params: [b(user_id), kind, key] });
  }

  function ordersInserted(plan: WritePlan, out: Write[]): void {
    for (const f of plan.orderInserts.items) {
      const c = f.placed;
      if (c === null) continue;
      const cols = [
        b(c.user_id),
        c.symbol_id,
        c.side,
        c.order_type,
        c.tif,
        c.post_only ? 1 : 0,
        c.stp,
        b(c.price_ticks),
        b(c.qty_lots),
        b(c.quote_units),
        c.cid,
        b(c.stop_price_ticks),
        b(c.oco_order_id ?? 0),
        f.status,
        b(f.filled_lots),
        b(f.remaining_lots),
        b(f.filled_quote_units),
        f.reason,
        b(f.created_ts_ms),
        b(f.updated_ts_ms),
        b(f.output_seq),
      ];
      out.push({
        pk: `oi/${bucketOf(f.order_id)}`,
        query: s.orderById,
        params: [bucketOf(f.order_id), b(f.order_id), ...cols],
      });
      out.push({
        pk: `ou/${c.user_id}/${c.symbol_id}`,
        query: s.orderByUser,
        params: [b(f.order_id), ...cols],
      });
      if (c.cid !== "") {
        out.push({
          pk: `oc/${c.user_id}/${c.cid}`,
          query: s.orderByCid,
          params: [b(c.user_id), c.cid, b(f.order_id)],
        });
      }
      if (OPEN.has(f.status)) {
        out.push({
          pk: `ao/${c.user_id}`,
          query: s.activeAdd,
          params: [b(c.user_id), c.symbol_id, b(f.order_id)],
        });
      }
      userKey(c.user_id, KIND_ORDER_SYMBOL, c.symbol_id, out);
    }
  }

  async function orderKey(order_id: number): Promise<OrderKey> {
    const cached = w.orders.get(order_id);
    if (cached !== undefined) return cached;
    const r = (
      await client.execute(s.keyOfOrder, [bucketOf(order_id), b(order_id)], { prepare: true })
    ).first();
    if (r === null) {
      throw new StoreError("BATCH_INVALID", `order ${order_id} is updated but was never accepted`);
    }
    return {
      user_id: num(r.user_id),
      symbol_id: num(r.symbol_id),
      created_ts_ms: num(r.created_ts_ms),
      open: OPEN.has(num(r.status)),
    };
  }

  async function ordersUpdated(plan: WritePlan, out: Write[]): Promise<void> {
    const items = plan.orderUpdates.items;
    const keys = await Promise.all(items.map((f) => orderKey(f.order_id)));
    items.forEach((f, i) => {
      const k = keys[i] as OrderKey;
      const state = stateParams(f);
      out.push({
        pk: `oi/${bucketOf(f.order_id)}`,
        query: s.updateById,
        params: [...state, bucketOf(f.order_id), b(f.order_id)],
      });
      out.push({
        pk: `ou/${k.user_id}/${k.symbol_id}`,
        query: s.updateByUser,
        params: [...state, b(k.user_id), k.symbol_id, b(k.created_ts_ms), b(f.order_id)],
      });
      if (f.amended_price_ticks !== 0 || f.amended_qty_lots !== 0) amended(f, k, out);
      const active = [b(k.user_id), k.symbol_id, b(f.order_id)];
      // Open to open changes nothing in active_orders; the key is written anyway
      // when the order reopens (a stop that triggers) or its row may be missing.
      out.push({
        pk: `ao/${k.user_id}`,
        query: OPEN.has(f.status) ? s.activeAdd : s.activeDrop,
        params: active,
      });
    });
  }

  /** An amend of an order accepted before the batch: each new term (0 keeps the stored one). */
  function amended(f: OrderFold, k: OrderKey, out: Write[]): void {
    const byId = [bucketOf(f.order_id), b(f.order_id)];
    const byUser = [b(k.user_id), k.symbol_id, b(k.created_ts_ms), b(f.order_id)];
    const terms: [string, string, number][] = [
      [s.priceById, s.priceByUser, f.amended_price_ticks],
      [s.qtyById, s.qtyByUser, f.amended_qty_lots],
    ];
    for (const [byIdQuery, byUserQuery, value] of terms) {
      if (value === 0) continue;
      out.push({ pk: `oi/${bucketOf(f.order_id)}`, query: byIdQuery, params: [b(value), ...byId] });
      out.push({
        pk: `ou/${k.user_id}/${k.symbol_id}`,
        query: byUserQuery,
        params: [b(value), ...byUser],
      });
    }
  }

  function trades(plan: WritePlan, out: Write[]): void {
    const t = plan.trades;
    for (let i = 0; i < t.count; i++) {
      const x = t.items[i];
      if (x === undefined) continue;
      const ts = b(t.at_ms[i] as number);
      const id = b(x.trade_id);
      const cols = [
        b(x.price_ticks),
        b(x.qty_lots),
        b(x.quote_units),
        x.taker_side,
        b(x.taker_order_id),
        b(x.maker_order_id),
        b(x.taker_user_id),
        b(x.maker_user_id),
        b(x.buyer_fee_units),
        b(x.seller_fee_units),
        b(t.output_seq[i] as number),
      ];
      out.push({
        pk: `mt/${x.symbol_id}`,
        query: s.marketTrade,
        params: [x.symbol_id, ts, id, ...cols],
      });
      out.push({
        pk: `ti/${x.symbol_id}/${bucketOf(x.trade_id)}`,
        query: s.tradeById,
        params: [x.symbol_id, bucketOf(x.trade_id), id, ts],
      });
      const sides = [
        [x.taker_user_id, x.taker_order_id, 0],
        [x.maker_user_id, x.maker_order_id, 1],
      ] as const;
      for (const [user_id, order_id, rank] of sides) {
        out.push({
          pk: `ut/${user_id}/${x.symbol_id}`,
          query: s.userTrade,
          params: [b(user_id), x.symbol_id, ts, id, rank, ...cols],
        });
        out.push({
          pk: `ot/${order_id}`,
          query: s.orderTrade,
          params: [b(order_id), id, rank, x.symbol_id, ts, ...cols],
        });
        userKey(user_id, KIND_TRADE_SYMBOL, x.symbol_id, out);
      }
    }
  }

  function ledger(plan: WritePlan, out: Write[]): void {
    // A deposit's or withdrawal's rows carry its event id (the SQL stores join it in).
    const transferIds = new Map<number, string>();
    for (const f of plan.transfers.items) transferIds.set(f.output_seq, transferEventId(f.cmd));
    const l = plan.ledger;
    for (let i = 0; i < l.count; i++) {
      const e = l.items[i];
      if (e === undefined) continue;
      const output_seq = l.output_seq[i] as number;
      const transfer =
        e.kind === BalanceKind.Deposit || e.kind === BalanceKind.Withdraw
          ? (transferIds.get(output_seq) ?? null)
          : null;
      out.push({
        pk: `bl/${e.user_id}/${e.asset_id}`,
        query: s.ledger,
        params: [
          b(e.user_id),
          e.asset_id,
          b(e.seq),
          e.kind,
          b(e.delta_avail),
          b(e.delta_frozen),
          b(e.avail),
          b(e.frozen),
          b(e.ref_id),
          e.ref,
          b(l.at_ms[i] as number),
          b(output_seq),
          transfer,
        ],
      });
      userKey(e.user_id, KIND_ASSET, e.asset_id, out);
    }
  }

  /** A stored applied transfer is kept; a refused one gives way to a later success. */
  async function transfers(plan: WritePlan, at: number, out: Write[]): Promise<void> {
    const items = plan.transfers.items;
    const stored = await Promise.all(
      items.map(async (f) =>
        (await client.execute(s.transferRead, [f.cmd.request_id], { prepare: true })).first(),
      ),
    );
    items.forEach((f, i) => {
      const r = stored[i];
      const covered = r != null && num(r.output_seq) <= at;
      if (covered && (num(r.reject) === 0 || f.reject !== 0)) return;
      out.push({
        pk: `tr/${f.cmd.request_id}`,
        query: s.transfer,
        params: [
          f.cmd.request_id,
          f.cmd.kind,
          b(f.cmd.user_id),
          f.cmd.asset_id,
          b(f.cmd.amount_units),
          f.reject,
          transferEventId(f.cmd),
          b(f.at_ms),
          b(f.output_seq),
        ],
      });
    });
  }

  /** The candle as the stored position left it: cached, or read (skipping a failed batch's write). */
  async function storedCandle(c: Candle, at: number): Promise<CandleFigures | null> {
    const key = candleKey(c.symbol_id, c.interval_s, c.open_time_ms);
    const cached = w.candles.get(key);
    if (cached !== undefined) return cached;
    const r = (
      await client.execute(s.klineRead, [c.symbol_id, c.interval_s, b(c.open_time_ms)], {
        prepare: true,
      })
    ).first();
    if (r === null) return null;
    if (num(r.seq) <= at) return candleFiguresOf(r as unknown as CqlRow);
    return fromJson(String(r.prev ?? ""));
  }

  async function klines(plan: WritePlan, at: number, seq: number, out: Write[]): Promise<void> {
    const items = plan.klines.items;
    const before = await Promise.all(items.map((c) => storedCandle(c, at)));
    items.forEach((c, i) => {
      const prev = before[i] ?? null;
      const next = mergeCandle(prev, c);
      w.pendingCandles.set(candleKey(c.symbol_id, c.interval_s, c.open_time_ms), next);
      out.push({
        pk: `kl/${c.symbol_id}/${c.interval_s}`,
        query: s.kline,
        params: [
          c.symbol_id,
          c.interval_s,
          b(c.open_time_ms),
          b(next.open_ticks),
          b(next.high_ticks),
          b(next.low_ticks),
          b(next.close_ticks),
          next.volume_lots,
          next.quote_units,
          next.taker_buy_volume_lots,
          next.taker_buy_quote_units,
          b(next.trade_count),
          b(next.first_trade_id),
          b(next.last_trade_id),
          b(seq),
          toJson(prev),
        ],
      });
    });
  }

  async function movePosition(stored: StoredPosition | null, p: StoredPosition): Promise<void> {
    const values = [b(p.seq), hashToHex(p.hash), b(p.clock_ms), b(p.source_seq)];
    // LOCAL_SERIAL: the Paxos round stays in the writer's datacenter.
    const lwt = { prepare: true, serialConsistency: consistencies.localSerial };
    const rs =
      stored === null
        ? await client.execute(s.positionCreate, [p.stream, ...values], lwt)
        : await client.execute(s.positionMove, [...values, p.stream, b(stored.seq)], lwt);
    if (!rs.wasApplied()) {
      throw new StoreError(
        "STREAM_DIVERGED",
        `another writer moved the position from ${stored?.seq ?? 0} while this batch was written`,
      );
    }
  }

  function commit(step: Step): void {
    const plan = step.plan as WritePlan;
    w.tails.commit(plan.accounts);
    if (w.candles.size + w.pendingCandles.size > CAP_ORDERS) w.candles.clear();
    for (const [k, v] of w.pendingCandles) w.candles.set(k, v);
    if (w.userKeys.size + w.pendingKeys.size > CAP_ORDERS) w.userKeys.clear();
    for (const k of w.pendingKeys) w.userKeys.add(k);
    w.pendingCandles.clear();
    w.pendingKeys.clear();
    rememberOrders(plan);
    w.known = step.position;
  }

  function rememberOrders(plan: WritePlan): void {
    if (w.orders.size > CAP_ORDERS) w.orders.clear();
    for (const f of plan.orderInserts.items) {
      const c = f.placed;
      if (c === null) continue;
      if (!OPEN.has(f.status)) continue;
      w.orders.set(f.order_id, {
        user_id: c.user_id,
        symbol_id: c.symbol_id,
        created_ts_ms: f.created_ts_ms,
        open: true,
      });
    }
    for (const f of plan.orderUpdates.items) {
      if (!OPEN.has(f.status)) w.orders.delete(f.order_id);
    }
  }
}

function stateParams(f: OrderFold): unknown[] {
  return [
    f.status,
    b(f.filled_lots),
    b(f.remaining_lots),
    b(f.filled_quote_units),
    f.reason,
    b(f.updated_ts_ms),
    b(f.output_seq),
  ];
}
