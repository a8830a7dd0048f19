// The markers each lifecycle must leave, by outcome, and the verdict: which
// are missing, which appear more often than once. The markers are the
// registry's (src/core/markers.ts); `expectedMarkers()` lists every one a
// trace can ask for, which test/unit/core/markers.test.ts checks against the
// services that write them.

import {
  DEPOSIT_MARKERS,
  Marker,
  type MarkerSpec,
  type ServiceName,
  type TransferMarkers,
  WITHDRAW_MARKERS,
} from "../core/mod.ts";
import type { FlowDraft } from "./flows.ts";
import type { Entry, Flow, Marker as Want } from "./types.ts";

const GW = "gateway";
const UBS = "ubscore";
const ME = "matching_engine";
const SETTLE = "settlement";
const DB = "database";

type Pair = readonly [ServiceName, MarkerSpec];

function m(service: string, event: string, count = 1): Want {
  return { service, event, count };
}

function want(pairs: readonly Pair[]): Want[] {
  return pairs.map(([service, marker]) => m(service, marker.name));
}

class Seen {
  private readonly counts = new Map<string, number>();
  constructor(readonly entries: readonly Entry[]) {
    for (const e of entries) {
      const k = `${e.service}|${e.event}`;
      this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
    }
  }
  count(service: string, marker: MarkerSpec | string): number {
    const name = typeof marker === "string" ? marker : marker.name;
    return this.counts.get(`${service}|${name}`) ?? 0;
  }
  has(service: string, marker: MarkerSpec): boolean {
    return this.count(service, marker) > 0;
  }
  /** Lines of this marker whose field equals value. */
  some(service: string, marker: MarkerSpec, field: string, value: unknown): boolean {
    return this.entries.some(
      (e) => e.service === service && e.event === marker.name && e.fields[field] === value,
    );
  }
  /** The largest numeric value of a field among lines of this marker. */
  max(service: string, marker: MarkerSpec, field: string): number {
    let out = 0;
    for (const e of this.entries) {
      const v = e.fields[field];
      if (e.service === service && e.event === marker.name && typeof v === "number" && v > out) {
        out = v;
      }
    }
    return out;
  }
}

// ---------------------------------------------------------------------------
// The lifecycles, by outcome

function transferPairs(M: TransferMarkers, outcome: "applied" | "rejected" | "failed"): Pair[] {
  const answer = outcome === "rejected" ? M.REJECTED : outcome === "failed" ? M.FAILED : M.ANSWERED;
  return [
    [GW, M.RECEIVED],
    [GW, answer],
    [UBS, M.CONSUMED],
    [UBS, outcome === "rejected" ? M.REJECTED : M.VALIDATED],
    [UBS, M.TO_SETTLEMENT],
    [UBS, M.EXIT],
    [SETTLE, M.CONSUMED],
    [SETTLE, M.PERSISTED],
  ];
}

const ORDER_REFUSED: readonly Pair[] = [
  [GW, Marker.ORDER_RECEIVED],
  [GW, Marker.ORDER_REJECTED],
  [UBS, Marker.ORDER_REJECTED],
];

function orderPairs(answer: MarkerSpec): Pair[] {
  return [
    [GW, Marker.ORDER_RECEIVED],
    [GW, answer],
    [UBS, Marker.ORDER_ACCEPTED],
    [SETTLE, Marker.ORDER_PERSISTED],
  ];
}

const CANCEL_REFUSED: readonly Pair[] = [
  [GW, Marker.CANCEL_RECEIVED],
  [GW, Marker.CANCEL_REJECTED],
  [UBS, Marker.CANCEL_REJECTED],
];

function cancelPairs(answer: MarkerSpec): Pair[] {
  const pairs: Pair[] = [
    [GW, Marker.CANCEL_RECEIVED],
    [GW, answer],
    [UBS, Marker.CANCEL_ACCEPTED],
  ];
  // The book either removed the order or refused: it was done by the time the cancel came.
  if (answer === Marker.CANCEL_ANSWERED) pairs.push([ME, Marker.ORDER_CANCELLED]);
  if (answer === Marker.CANCEL_REJECTED) pairs.push([ME, Marker.CANCEL_REJECTED]);
  return pairs;
}

const TRADE: readonly Pair[] = [
  [ME, Marker.TRADE_EXECUTED],
  [SETTLE, Marker.TRADE_PERSISTED],
];

/**
 * What the trading commands do to an order after it was placed, each in the
 * order's own flow: its stop triggered, an amend, its OCO partner's end, the
 * dead-man's switch. Expected as often as they appear; none is required.
 */
const TRADING_CHANGES: readonly Pair[] = [
  [ME, Marker.STOP_TRIGGERED],
  [ME, Marker.ORDER_AMENDED],
  [ME, Marker.OCO_CANCELLED],
  [ME, Marker.AUTO_CANCELLED],
];

/** Every (service, marker) a trace may expect, over all lifecycles and outcomes. */
export function expectedMarkers(): readonly Pair[] {
  const all: Pair[] = [];
  for (const M of [DEPOSIT_MARKERS, WITHDRAW_MARKERS]) {
    for (const o of ["applied", "rejected", "failed"] as const) all.push(...transferPairs(M, o));
  }
  all.push(...ORDER_REFUSED);
  for (const a of [Marker.ORDER_ANSWERED, Marker.ORDER_REJECTED, Marker.ORDER_FAILED]) {
    all.push(...orderPairs(a));
  }
  all.push([ME, Marker.ORDER_MATCHED], [ME, Marker.ORDER_EXPIRED]);
  all.push(...TRADING_CHANGES);
  all.push(...CANCEL_REFUSED);
  for (const a of [Marker.CANCEL_ANSWERED, Marker.CANCEL_REJECTED, Marker.CANCEL_FAILED]) {
    all.push(...cancelPairs(a));
  }
  all.push(...TRADE);
  const seen = new Set<string>();
  return all.filter(([s, mk]) => {
    const k = `${s}|${mk.name}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

interface Expectation {
  readonly outcome: string;
  readonly expected: Want[];
  /** A lifecycle that ended in a failure is never complete, whatever its lines. */
  readonly failed: boolean;
}

function transfer(d: FlowDraft, s: Seen, db: boolean): Expectation {
  const M = d.kind === "deposit" ? DEPOSIT_MARKERS : WITHDRAW_MARKERS;
  const rejected =
    s.has(GW, M.REJECTED) ||
    s.has(UBS, M.REJECTED) ||
    s.some(SETTLE, M.PERSISTED, "outcome", "rejected");
  const failed = !rejected && s.has(GW, M.FAILED) && !s.has(GW, M.ANSWERED);
  const duplicate =
    s.some(UBS, M.VALIDATED, "duplicate", true) ||
    s.some(GW, M.ANSWERED, "duplicate", true) ||
    s.some(SETTLE, M.PERSISTED, "outcome", "duplicate");
  const outcome = rejected ? "rejected" : failed ? "failed" : duplicate ? "duplicate" : "applied";
  const expected = want(transferPairs(M, rejected ? "rejected" : failed ? "failed" : "applied"));
  // A retry has no row of its own: the table is keyed by the request id.
  if (db && (outcome === "applied" || outcome === "rejected")) {
    expected.push(m(DB, "DB transfers row"));
  }
  if (db && outcome === "applied") expected.push(m(DB, "DB balance_ledger row"));
  return { outcome, expected, failed };
}

function placement(d: FlowDraft, s: Seen, db: boolean): Expectation {
  const answered = s.has(GW, Marker.ORDER_ANSWERED);
  const gwRejected = s.has(GW, Marker.ORDER_REJECTED);
  // The gateway names the order in a refusal only when the book refused it.
  const refusedBeforeBook =
    s.has(UBS, Marker.ORDER_REJECTED) ||
    (gwRejected &&
      !s.has(UBS, Marker.ORDER_ACCEPTED) &&
      !d.entries.some(
        (e) => e.event === Marker.ORDER_REJECTED.name && e.fields.order_id !== undefined,
      ));
  const failed = s.has(GW, Marker.ORDER_FAILED) && !answered && !gwRejected;
  if (refusedBeforeBook) {
    return { outcome: "rejected", failed: false, expected: want(ORDER_REFUSED) };
  }
  const answer = gwRejected
    ? Marker.ORDER_REJECTED
    : failed
      ? Marker.ORDER_FAILED
      : Marker.ORDER_ANSWERED;
  const expected = want(orderPairs(answer));
  // An order that took liquidity: the engine's match line and one trade line per fill.
  const trades = Math.max(
    s.max(GW, Marker.ORDER_ANSWERED, "trades"),
    s.max(ME, Marker.ORDER_MATCHED, "trades"),
    d.taker_trades.size,
  );
  if (trades > 0 || s.has(ME, Marker.ORDER_MATCHED))
    expected.push(m(ME, Marker.ORDER_MATCHED.name));
  if (trades > d.taker_trades.size) {
    expected.push(m(ME, Marker.TRADE_EXECUTED.name, trades - d.taker_trades.size));
  }
  // What the book did not fill of an IOC, FOK or market order, or a self-trade, expired.
  const expired =
    s.some(GW, Marker.ORDER_ANSWERED, "status", "Expired") || s.has(ME, Marker.ORDER_EXPIRED);
  if (expired) expected.push(m(ME, Marker.ORDER_EXPIRED.name));
  for (const [service, marker] of TRADING_CHANGES) {
    const n = s.count(service, marker);
    // A stop triggers once; an order may be amended many times.
    if (n > 0) expected.push(m(service, marker.name, marker === Marker.ORDER_AMENDED ? n : 1));
  }
  if (db && !failed) expected.push(m(DB, "DB orders row"));
  const outcome = gwRejected ? "rejected" : failed ? "failed" : expired ? "expired" : "accepted";
  return { outcome, expected, failed };
}

function cancel(s: Seen): Expectation {
  const accepted = s.has(UBS, Marker.CANCEL_ACCEPTED);
  const gwRejected = s.has(GW, Marker.CANCEL_REJECTED);
  const failed =
    s.has(GW, Marker.CANCEL_FAILED) && !gwRejected && !s.has(GW, Marker.CANCEL_ANSWERED);
  if (s.has(UBS, Marker.CANCEL_REJECTED) || (gwRejected && !accepted)) {
    return { outcome: "rejected", failed: false, expected: want(CANCEL_REFUSED) };
  }
  const answer = gwRejected
    ? Marker.CANCEL_REJECTED
    : failed
      ? Marker.CANCEL_FAILED
      : Marker.CANCEL_ANSWERED;
  return {
    outcome: gwRejected ? "rejected" : failed ? "failed" : "cancelled",
    expected: want(cancelPairs(answer)),
    failed,
  };
}

function trade(db: boolean): Expectation {
  const expected = want(TRADE);
  // One row for both sides.
  if (db) expected.push(m(DB, "DB trades row"));
  return { outcome: "executed", expected, failed: false };
}

function expectationOf(d: FlowDraft, s: Seen, db: boolean): Expectation {
  switch (d.kind) {
    case "deposit":
    case "withdraw":
      return transfer(d, s, db);
    case "order":
      return placement(d, s, db);
    case "cancel":
      return cancel(s);
    case "trade":
      return trade(db);
  }
}

/** Checks a flow's markers; `db` says whether database rows were looked up. */
export function evaluate(d: FlowDraft, db: boolean): Flow {
  const s = new Seen(d.entries);
  const x = expectationOf(d, s, db);
  const missing: Want[] = [];
  const repeated: Want[] = [];
  for (const w of x.expected) {
    // The engine's trade lines live in the trade flows; counted there.
    const got =
      w.event === Marker.TRADE_EXECUTED.name && d.kind === "order"
        ? 0
        : s.count(w.service, w.event);
    if (got < w.count) missing.push(m(w.service, w.event, w.count - got));
    else if (got > w.count) repeated.push(m(w.service, w.event, got));
  }
  return {
    kind: d.kind,
    key: d.key,
    event_id: d.event_id,
    order_id: d.order_id,
    trade_id: d.trade_id,
    request_id: d.request_id,
    maker_order_id: d.maker_order_id,
    outcome: x.outcome,
    entries: d.entries,
    expected: x.expected,
    missing,
    repeated,
    complete: missing.length === 0 && !x.failed,
  };
}
