// What the id given names, which other ids its lines lead to, and which
// flows make up its trace.

import { Marker as Markers } from "../core/mod.ts";
import { type FlowDraft, flowOf, isReceived } from "./flows.ts";
import { type IdField, idText, isTransferEventId } from "./query.ts";
import type { Entry, Marker, Subject, SubjectKind } from "./types.ts";

function holds(e: Entry, fields: readonly IdField[], id: string): boolean {
  return fields.some((f) => idText(e.fields[f]) === id);
}

/**
 * The kind an unprefixed id has in the lines that mention it: a trade id, an
 * order id, a request id, in that order. A line that only has it as its
 * event id (UBSCore's `req_<request>` for a refused order) names its request.
 */
export function inferSubject(id: string, found: readonly Entry[]): Subject | null {
  const kinds: [SubjectKind, readonly IdField[]][] = [
    ["trade", ["trade_id"]],
    ["order", ["order_id", "maker_order_id"]],
    ["request", ["req_id", "request_id"]],
  ];
  for (const [kind, fields] of kinds) {
    if (found.some((e) => holds(e, fields, id))) return { kind, id };
  }
  for (const e of found) {
    if (idText(e.fields.event_id) !== id) continue;
    const request = idText(e.fields.request_id) ?? idText(e.fields.req_id);
    return { kind: "request", id: request ?? id };
  }
  return null;
}

/**
 * Ids the subject's lines lead to whose lines the first pass could not find:
 * the request that placed or cancelled an order (its RECEIVED line has no
 * order id), trades in which an order was the maker, a transfer attempt's
 * other lines, a request's order, a trade's two orders and their requests.
 * Called again as lines are found, it follows the links one step further.
 */
export function linkedIds(subject: Subject, found: readonly Entry[]): Set<string> {
  const out = new Set<string>();
  const add = (v: unknown) => {
    const t = idText(v);
    if (t !== null && t !== subject.id) out.add(t);
  };
  if (subject.kind === "trade") {
    const orders = new Set<string>();
    for (const e of found) {
      if (!holds(e, ["trade_id"], subject.id)) continue;
      for (const o of [idText(e.fields.order_id), idText(e.fields.maker_order_id)]) {
        if (o !== null) orders.add(o);
      }
    }
    for (const o of orders) add(o);
    // The placements of both orders: their lines name the requests that made them.
    for (const e of found) {
      if (flowOf(e.event) !== "order") continue;
      const o = idText(e.fields.order_id) ?? idText(e.fields.event_id);
      if (o === null || !orders.has(o)) continue;
      add(e.fields.request_id);
      add(e.fields.req_id);
    }
    return out;
  }
  for (const e of found) {
    const f = e.fields;
    switch (subject.kind) {
      case "transfer":
        if (e.service === "gateway") add(f.req_id);
        break;
      case "order":
        if (!holds(e, ["order_id", "maker_order_id", "event_id"], subject.id)) break;
        add(f.request_id);
        add(f.req_id);
        add(f.trade_id);
        break;
      case "request":
        if (!holds(e, ["req_id", "request_id", "event_id"], subject.id)) break;
        add(f.order_id);
        if (typeof f.event_id === "string" && isTransferEventId(f.event_id)) add(f.event_id);
        break;
    }
  }
  return out;
}

/** The orders a trade's lines name: its taker and its maker. */
function tradeOrders(trades: readonly FlowDraft[]): Set<string> {
  const out = new Set<string>();
  for (const t of trades) {
    if (t.order_id !== null) out.add(t.order_id);
    if (t.maker_order_id !== null) out.add(t.maker_order_id);
  }
  return out;
}

/** The flows that make up the subject's trace. */
export function selectFlows(subject: Subject, flows: readonly FlowDraft[]): FlowDraft[] {
  const id = subject.id;
  switch (subject.kind) {
    case "transfer":
      return flows.filter((d) => (d.kind === "deposit" || d.kind === "withdraw") && d.key === id);
    case "trade": {
      const trades = flows.filter((d) => d.kind === "trade" && d.trade_id === id);
      // Both orders' placements, not their other trades or cancels.
      const orders = tradeOrders(trades);
      const placed = flows.filter(
        (d) => d.kind === "order" && d.order_id !== null && orders.has(d.order_id),
      );
      return [...trades, ...placed];
    }
    case "order":
      return flows.filter((d) =>
        d.kind === "trade"
          ? d.order_id === id || d.maker_order_id === id
          : (d.kind === "order" || d.kind === "cancel") && d.order_id === id,
      );
    case "request": {
      const own = flows.filter(
        (d) =>
          d.kind !== "trade" &&
          (d.request_id === id ||
            d.entries.some((e) => e.service !== "gateway" && holds(e, ["request_id"], id))),
      );
      const placed = new Set(
        own.filter((d) => d.kind === "order" && d.order_id !== null).map((d) => d.order_id),
      );
      // A placement's own trades are those it took; later fills as maker belong to other requests.
      const taken = flows.filter((d) => d.kind === "trade" && placed.has(d.order_id));
      return [...own, ...taken];
    }
  }
}

/**
 * Whether a missing marker's line may lack the subject's own id, so that only
 * a linked id finds it: a lost line that names the subject's id would have
 * been found by the first pass, which reads everything.
 */
export function foundOnlyByLinks(subject: Subject, missing: Marker): boolean {
  if (missing.service === "database") return false;
  switch (subject.kind) {
    case "transfer":
      return false;
    case "trade":
      // The trade's own lines name it; its orders' lines only by their ids.
      return missing.event !== Markers.TRADE_PERSISTED.name;
    case "order":
      return isReceived(missing.event) || missing.event === Markers.TRADE_PERSISTED.name;
    case "request":
      return missing.service !== "gateway";
  }
}
