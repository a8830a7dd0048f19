// The markers each lifecycle must leave, by outcome, and the verdict: which
// are missing, which appear more often than once. The lists follow what the
// services write (src/gateway/http, src/ubscore/events.ts,
// src/matching/events.ts, src/settlement/markers.ts).

import type { FlowDraft } from "./flows.ts";
import type { Entry, Flow, Marker } from "./types.ts";

const GW = "gateway";
const UBS = "ubscore";
const ME = "matching_engine";
const SETTLE = "settlement";
const DB = "database";

function m(service: string, event: string, count = 1): Marker {
  return { service, event, count };
}

class Seen {
  private readonly counts = new Map<string, number>();
  constructor(readonly entries: readonly Entry[]) {
    for (const e of entries) {
      const k = `${e.service}|${e.event}`;
      this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
    }
  }
  count(service: string, event: string): number {
    return this.counts.get(`${service}|${event}`) ?? 0;
  }
  has(service: string, event: string): boolean {
    return this.count(service, event) > 0;
  }
  /** Lines of this marker whose field equals value. */
  some(service: string, event: string, field: string, value: unknown): boolean {
    return this.entries.some(
      (e) => e.service === service && e.event === event && e.fields[field] === value,
    );
  }
  /** The largest numeric value of a field among lines of this marker. */
  max(service: string, event: string, field: string): number {
    let out = 0;
    for (const e of this.entries) {
      const v = e.fields[field];
      if (e.service === service && e.event === event && typeof v === "number" && v > out) out = v;
    }
    return out;
  }
}

interface Expectation {
  readonly outcome: string;
  readonly expected: Marker[];
  /** A lifecycle that ended in a failure is never complete, whatever its lines. */
  readonly failed: boolean;
}

function transfer(d: FlowDraft, s: Seen, db: boolean): Expectation {
  const F = d.kind === "deposit" ? "DEPOSIT" : "WITHDRAW";
  const rejected =
    s.has(GW, `${F}_REJECTED`) ||
    s.has(UBS, `${F}_REJECTED`) ||
    s.some(SETTLE, `${F}_PERSISTED`, "outcome", "rejected");
  const failed = !rejected && s.has(GW, `${F}_FAILED`) && !s.has(GW, `${F}_ANSWERED`);
  const duplicate =
    s.some(UBS, `${F}_VALIDATED`, "duplicate", true) ||
    s.some(GW, `${F}_ANSWERED`, "duplicate", true) ||
    s.some(SETTLE, `${F}_PERSISTED`, "outcome", "duplicate");
  const outcome = rejected ? "rejected" : failed ? "failed" : duplicate ? "duplicate" : "applied";
  const expected = [
    m(GW, `${F}_RECEIVED`),
    m(GW, `${F}_${rejected ? "REJECTED" : failed ? "FAILED" : "ANSWERED"}`),
    m(UBS, `${F}_CONSUMED`),
    m(UBS, `${F}_${rejected ? "REJECTED" : "VALIDATED"}`),
    m(UBS, `${F}_TO_SETTLEMENT`),
    m(UBS, `${F}_EXIT`),
    m(SETTLE, `${F}_CONSUMED`),
    m(SETTLE, `${F}_PERSISTED`),
  ];
  // A retry has no row of its own: the table is keyed by the request id.
  if (db && (outcome === "applied" || outcome === "rejected")) {
    expected.push(m(DB, "DB transfers row"));
  }
  if (db && outcome === "applied") expected.push(m(DB, "DB balance_ledger row"));
  return { outcome, expected, failed };
}

function placement(d: FlowDraft, s: Seen, db: boolean): Expectation {
  const answered = s.has(GW, "ORDER_ANSWERED");
  const gwRejected = s.has(GW, "ORDER_REJECTED");
  // The gateway names the order in a refusal only when the book refused it.
  const refusedBeforeBook =
    s.has(UBS, "ORDER_REJECTED") ||
    (gwRejected &&
      !s.has(UBS, "ORDER_ACCEPTED") &&
      !d.entries.some((e) => e.event === "ORDER_REJECTED" && e.fields.order_id !== undefined));
  const failed = s.has(GW, "ORDER_FAILED") && !answered && !gwRejected;
  if (refusedBeforeBook) {
    return {
      outcome: "rejected",
      failed: false,
      expected: [m(GW, "ORDER_RECEIVED"), m(GW, "ORDER_REJECTED"), m(UBS, "ORDER_REJECTED")],
    };
  }
  const expected = [
    m(GW, "ORDER_RECEIVED"),
    m(GW, gwRejected ? "ORDER_REJECTED" : failed ? "ORDER_FAILED" : "ORDER_ANSWERED"),
    m(UBS, "ORDER_ACCEPTED"),
    m(SETTLE, "ORDER_PERSISTED"),
  ];
  // An order that took liquidity: the engine's match line and one trade line per fill.
  const trades = Math.max(
    s.max(GW, "ORDER_ANSWERED", "trades"),
    s.max(ME, "ORDER_MATCHED", "trades"),
    d.taker_trades.size,
  );
  if (trades > 0 || s.has(ME, "ORDER_MATCHED")) expected.push(m(ME, "ORDER_MATCHED"));
  if (trades > d.taker_trades.size) {
    expected.push(m(ME, "TRADE_EXECUTED", trades - d.taker_trades.size));
  }
  if (db && !failed) expected.push(m(DB, "DB orders row"));
  return { outcome: gwRejected ? "rejected" : failed ? "failed" : "accepted", expected, failed };
}

function cancel(s: Seen): Expectation {
  const accepted = s.has(UBS, "CANCEL_ACCEPTED");
  const gwRejected = s.has(GW, "CANCEL_REJECTED");
  const failed = s.has(GW, "CANCEL_FAILED") && !gwRejected && !s.has(GW, "CANCEL_ANSWERED");
  if (s.has(UBS, "CANCEL_REJECTED") || (gwRejected && !accepted)) {
    return {
      outcome: "rejected",
      failed: false,
      expected: [m(GW, "CANCEL_RECEIVED"), m(GW, "CANCEL_REJECTED"), m(UBS, "CANCEL_REJECTED")],
    };
  }
  const expected = [
    m(GW, "CANCEL_RECEIVED"),
    m(GW, gwRejected ? "CANCEL_REJECTED" : failed ? "CANCEL_FAILED" : "CANCEL_ANSWERED"),
    m(UBS, "CANCEL_ACCEPTED"),
  ];
  // The book refused it (already done by the time it arrived): nothing was cancelled.
  if (!gwRejected) expected.push(m(ME, "ORDER_CANCELLED"));
  return { outcome: gwRejected ? "rejected" : failed ? "failed" : "cancelled", expected, failed };
}

function trade(db: boolean): Expectation {
  const expected = [m(ME, "TRADE_EXECUTED"), m(SETTLE, "TRADE_PERSISTED")];
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
  const missing: Marker[] = [];
  const repeated: Marker[] = [];
  for (const want of x.expected) {
    // The engine's trade lines live in the trade flows; counted there.
    const got =
      want.event === "TRADE_EXECUTED" && d.kind === "order" ? 0 : s.count(want.service, want.event);
    if (got < want.count) missing.push(m(want.service, want.event, want.count - got));
    else if (got > want.count) repeated.push(m(want.service, want.event, got));
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
