// Core outputs -> the rows of one transaction. Both databases execute the
// same plan; only the statement shapes differ.
//
// What each output writes is a function of the output alone, in three parts:
// - its command: a row plan per command kind (COMMAND_ROWS). Accepting an
//   order creates its orders row; a deposit or withdrawal its transfers row;
//   a cancel nothing of its own. A new command kind adds one entry here, and
//   an output whose kind has none fails its batch rather than settle half.
// - its order updates (makers touched, then the taker): the orders rows'
//   state. Each order is written once per batch with its last state.
// - its trades (trades rows, candles) and stamped balance events (ledger
//   rows). These do not depend on the command that caused them.
// Completions repeat the terminal updates and add nothing.

import {
  type AmendCmd,
  type CancelReplaceCmd,
  CommandKind,
  type CoreOutput,
  ocoLegs,
  type PlaceCmd,
  type PlaceOcoCmd,
  Reject,
  OrderStatus as Status,
  type TransferCmd,
} from "../core/mod.ts";
import { settledTime } from "./clock.ts";
import { StoreError } from "./errors.ts";
import { KlineFold } from "./klines.ts";
import {
  KlineRows,
  LedgerRows,
  type OrderFold,
  OrderInserts,
  OrderUpdates,
  type PlacedOrder,
  TradeRows,
  type TransferFold,
  TransferRows,
} from "./rows.ts";
import type { SymbolAssets } from "./types.ts";
import type { Planned } from "./writes.ts";

/** One account's ledger rows in the batch: the database must hold first - 1 as its last seq. */
export interface AccountSpan {
  user_id: number;
  asset_id: number;
  first: number;
  last: number;
}

export interface WritePlan {
  orderInserts: OrderInserts;
  orderUpdates: OrderUpdates;
  trades: TradeRows;
  ledger: LedgerRows;
  transfers: TransferRows;
  klines: KlineRows;
  accounts: AccountSpan[];
  /** The settled clock after the last output. */
  clock_ms: number;
  /** Trades among the outputs. */
  trade_count: number;
}

/** Every table of the plan, in write order (the position is written after). */
export function planTables(p: WritePlan): Planned[] {
  return [p.orderInserts, p.orderUpdates, p.trades, p.ledger, p.transfers, p.klines];
}

export function rowCounts(p: WritePlan): { rows: number; tables: Record<string, number> } {
  const tables: Record<string, number> = {};
  let rows = 0;
  for (const t of planTables(p)) {
    const key = t.spec.op === "update" ? `${t.spec.table}:update` : t.spec.table;
    tables[key] = (tables[key] ?? 0) + t.count;
    rows += t.count;
  }
  return { rows, tables };
}

class Planner {
  readonly orders = new Map<number, OrderFold>();
  readonly transfers = new Map<string, TransferFold>();
  readonly klines = new KlineFold();
  readonly trades = new TradeRows();
  readonly ledger = new LedgerRows();
  /** user -> (asset -> span): continuity inside the batch, and what to check against the database. */
  private readonly spans = new Map<number, Map<number, AccountSpan>>();
  readonly accounts: AccountSpan[] = [];
  trade_count = 0;

  constructor(readonly symbols: ReadonlyMap<number, SymbolAssets>) {}

  symbol(id: number, what: string): SymbolAssets {
    const s = this.symbols.get(id);
    if (s === undefined) throw new StoreError("BATCH_INVALID", `${what}: unknown symbol ${id}`);
    return s;
  }

  output(o: CoreOutput, at_ms: number): void {
    const rows = COMMAND_ROWS.get(o.input.kind);
    if (rows === undefined) {
      throw new StoreError(
        "BATCH_INVALID",
        `output ${o.output_seq}: no row plan for command kind ${o.input.kind}`,
      );
    }
    rows(o, at_ms, this);
    this.updates(o, at_ms);
    this.tradesOf(o, at_ms);
    this.events(o, at_ms);
  }

  private updates(o: CoreOutput, at_ms: number): void {
    for (const u of o.updates) {
      const f = this.orders.get(u.order_id);
      if (f === undefined) {
        this.orders.set(u.order_id, {
          order_id: u.order_id,
          placed: null,
          amended_price_ticks: 0,
          amended_qty_lots: 0,
          created_ts_ms: 0,
          status: u.status,
          filled_lots: u.filled_lots,
          remaining_lots: u.remaining_lots,
          filled_quote_units: u.filled_quote_units,
          reason: u.reason,
          updated_ts_ms: at_ms,
          output_seq: o.output_seq,
        });
        continue;
      }
      f.status = u.status;
      f.filled_lots = u.filled_lots;
      f.remaining_lots = u.remaining_lots;
      f.filled_quote_units = u.filled_quote_units;
      f.reason = u.reason;
      f.updated_ts_ms = at_ms;
      f.output_seq = o.output_seq;
    }
  }

  private tradesOf(o: CoreOutput, at_ms: number): void {
    for (const t of o.trades) {
      this.symbol(t.symbol_id, `trade ${t.trade_id}`);
      this.trades.add(t, at_ms, o.output_seq);
      this.klines.add(t, at_ms);
    }
    this.trade_count += o.trades.length;
  }

  private events(o: CoreOutput, at_ms: number): void {
    for (const e of o.events) {
      let assets = this.spans.get(e.user_id);
      if (assets === undefined) {
        assets = new Map();
        this.spans.set(e.user_id, assets);
      }
      const span = assets.get(e.asset_id);
      if (span === undefined) {
        const s = { user_id: e.user_id, asset_id: e.asset_id, first: e.seq, last: e.seq };
        assets.set(e.asset_id, s);
        this.accounts.push(s);
      } else if (e.seq !== span.last + 1) {
        throw new StoreError(
          "LEDGER_GAP",
          `account ${e.user_id}/${e.asset_id}: seq ${e.seq} follows ${span.last} (output ${o.output_seq})`,
        );
      } else {
        span.last = e.seq;
      }
      this.ledger.add(e, at_ms, o.output_seq);
    }
  }
}

type CommandRows = (o: CoreOutput, at_ms: number, p: Planner) => void;

/**
 * A deposit or withdrawal: one row per request_id, written by its first
 * outcome. A retry (duplicate) and a reuse of the id with other terms
 * (DUPLICATE_REQUEST_ID) leave it as it is; a refusal would give way to a
 * later success, which the core does not produce today (it remembers
 * refusals).
 */
const transferRows: CommandRows = (o, at_ms, p) => {
  if (o.duplicate || o.reject === Reject.DUPLICATE_REQUEST_ID.id) return;
  const c = o.input as TransferCmd;
  const before = p.transfers.get(c.request_id);
  if (before !== undefined && (before.reject === 0 || o.reject !== 0)) return;
  p.transfers.set(c.request_id, { cmd: c, reject: o.reject, at_ms, output_seq: o.output_seq });
};

/**
 * An accepted order (it has an id): its orders row, with its terms. Its
 * state comes from its own update in the same output; an order refused
 * without an update (reject set) is stored Rejected.
 */
function placed(
  o: CoreOutput,
  order_id: number,
  terms: PlacedOrder,
  at_ms: number,
  p: Planner,
): void {
  p.symbol(terms.symbol_id, `order ${order_id}`);
  if (p.orders.has(order_id)) {
    throw new StoreError("BATCH_INVALID", `order ${order_id} accepted twice`);
  }
  const own = o.updates.some((u) => u.order_id === order_id);
  if (!own && o.reject === 0) {
    throw new StoreError(
      "BATCH_INVALID",
      `output ${o.output_seq} accepted order ${order_id} without an update for it`,
    );
  }
  p.orders.set(order_id, {
    order_id,
    placed: terms,
    amended_price_ticks: 0,
    amended_qty_lots: 0,
    created_ts_ms: at_ms,
    status: own ? Status.New : Status.Rejected,
    filled_lots: 0,
    remaining_lots: terms.qty_lots,
    filled_quote_units: 0,
    reason: own ? 0 : o.reject,
    updated_ts_ms: at_ms,
    output_seq: o.output_seq,
  });
}

const placeRows: CommandRows = (o, at_ms, p) => {
  if (o.order_id === 0) return;
  placed(o, o.order_id, o.input as PlaceCmd, at_ms, p);
};

/** A cancel-replace's new order, when it was placed; the cancelled one's update carries the rest. */
const cancelReplaceRows: CommandRows = (o, at_ms, p) => {
  if (o.order_id === 0) return;
  const c = o.input as CancelReplaceCmd;
  placed(o, o.order_id, { ...c.order, user_id: c.user_id }, at_ms, p);
};

/** An OCO: two orders rows, the limit leg and the stop leg, each naming the other. */
const ocoRows: CommandRows = (o, at_ms, p) => {
  if (o.order_id === 0) return;
  const c = o.input as PlaceOcoCmd;
  const [limit, stop] = ocoLegs(c);
  const user_id = c.user_id;
  placed(o, o.order_id, { ...limit, user_id, oco_order_id: o.other_order_id }, at_ms, p);
  placed(o, o.other_order_id, { ...stop, user_id, oco_order_id: o.order_id }, at_ms, p);
};

/**
 * An accepted amend: the order's new price and/or total quantity. The
 * amend's own update carries its state; the terms change on the row it was
 * inserted with, when this batch accepted it, or by an update otherwise.
 */
const amendRows: CommandRows = (o, at_ms, p) => {
  if (o.reject !== 0 || o.order_id === 0) return;
  const c = o.input as AmendCmd;
  if (!o.updates.some((u) => u.order_id === o.order_id)) {
    throw new StoreError(
      "BATCH_INVALID",
      `output ${o.output_seq} amended order ${o.order_id} without an update for it`,
    );
  }
  let f = p.orders.get(o.order_id);
  if (f === undefined) {
    // Its state is the amend's own update, folded right after this.
    f = {
      order_id: o.order_id,
      placed: null,
      amended_price_ticks: 0,
      amended_qty_lots: 0,
      created_ts_ms: 0,
      status: 0,
      filled_lots: 0,
      remaining_lots: 0,
      filled_quote_units: 0,
      reason: 0,
      updated_ts_ms: at_ms,
      output_seq: o.output_seq,
    };
    p.orders.set(o.order_id, f);
  }
  if (f.placed !== null) {
    const terms = { ...f.placed };
    if (c.price_ticks !== 0) terms.price_ticks = c.price_ticks;
    if (c.qty_lots !== 0) terms.qty_lots = c.qty_lots;
    f.placed = terms;
    return;
  }
  if (c.price_ticks !== 0) f.amended_price_ticks = c.price_ticks;
  if (c.qty_lots !== 0) f.amended_qty_lots = c.qty_lots;
};

/**
 * Cancels, cancel-alls, the dead-man's switch and ticks write nothing of their
 * own: the updates of the orders they cancelled (a due timer's, a triggered
 * stop's) carry the outcome.
 */
const noRows: CommandRows = () => undefined;

const COMMAND_ROWS = new Map<number, CommandRows>([
  [CommandKind.Deposit, transferRows],
  [CommandKind.Withdraw, transferRows],
  [CommandKind.Place, placeRows],
  [CommandKind.Cancel, noRows],
  [CommandKind.PlaceOco, ocoRows],
  [CommandKind.Amend, amendRows],
  [CommandKind.CancelReplace, cancelReplaceRows],
  [CommandKind.CancelAll, noRows],
  [CommandKind.CancelAllAfter, noRows],
  [CommandKind.Tick, noRows],
]);

/** Plans consecutive, not yet applied outputs; clock_ms is the stored settled clock. */
export function planOutputs(
  outputs: readonly CoreOutput[],
  clock_ms: number,
  symbols: ReadonlyMap<number, SymbolAssets>,
): WritePlan {
  const p = new Planner(symbols);
  let clock = clock_ms;
  for (const o of outputs) {
    clock = settledTime(clock, o.input.ts_ms);
    p.output(o, clock);
  }
  const orderInserts = new OrderInserts();
  const orderUpdates = new OrderUpdates();
  for (const f of p.orders.values()) {
    if (f.placed === null) orderUpdates.items.push(f);
    else orderInserts.items.push(f);
  }
  const transfers = new TransferRows();
  transfers.items.push(...p.transfers.values());
  return {
    orderInserts,
    orderUpdates,
    trades: p.trades,
    ledger: p.ledger,
    transfers,
    klines: new KlineRows(p.klines.candles()),
    accounts: p.accounts,
    clock_ms: clock,
    trade_count: p.trade_count,
  };
}

/**
 * Proves each account's first seq in the batch follows its last stored row
 * (or is 1 for a new account). `last` gives the stored last seq, 0 for none.
 */
export function checkAccounts(
  accounts: readonly AccountSpan[],
  last: (a: AccountSpan) => number,
): void {
  for (const a of accounts) {
    const stored = last(a);
    if (a.first !== stored + 1) {
      throw new StoreError(
        "LEDGER_GAP",
        `account ${a.user_id}/${a.asset_id}: seq ${a.first} follows stored seq ${stored}`,
      );
    }
  }
}
