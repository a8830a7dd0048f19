// Groups the lines found into lifecycles. The ids differ along the way: a
// gateway request has only its request id until UBSCore numbers the order,
// the matching engine and settlement know only the order and trade ids, and
// a retried deposit is answered with the first attempt's id. So requests are
// grouped by request id first, then the order-level lines join the request
// that placed (or cancelled) the order.

import { Marker, type MarkerFlow, markerByName } from "../core/mod.ts";
import { idText, isTransferEventId } from "./query.ts";
import type { Entry, FlowKind } from "./types.ts";

/** A flow before its markers are checked. */
export interface FlowDraft {
  kind: FlowKind;
  key: string;
  event_id: string | null;
  order_id: string | null;
  trade_id: string | null;
  request_id: string | null;
  /** A trade's maker order; null otherwise. */
  maker_order_id: string | null;
  /** Trades in which a placed order was the taker (from the matching engine's lines). */
  readonly taker_trades: Set<string>;
  readonly entries: Entry[];
}

export function draft(kind: FlowKind, key: string): FlowDraft {
  return {
    kind,
    key,
    event_id: null,
    order_id: null,
    trade_id: null,
    request_id: null,
    maker_order_id: null,
    taker_trades: new Set(),
    entries: [],
  };
}

function str(fields: Readonly<Record<string, unknown>>, name: string): string | null {
  return idText(fields[name]);
}

/** The lifecycle a line's marker belongs to, from the registry; null for other lines. */
export function flowOf(event: string): MarkerFlow | null {
  return markerByName(event)?.flow ?? null;
}

export function transferKind(flow: MarkerFlow | null): FlowKind | null {
  return flow === "deposit" || flow === "withdraw" ? flow : null;
}

const RECEIVED: ReadonlySet<string> = new Set([
  Marker.DEPOSIT_RECEIVED.name,
  Marker.WITHDRAW_RECEIVED.name,
  Marker.ORDER_RECEIVED.name,
  Marker.CANCEL_RECEIVED.name,
]);

/** A gateway line that opens a request's lifecycle. */
export function isReceived(event: string): boolean {
  return RECEIVED.has(event);
}

class Flows {
  readonly transfers = new Map<string, FlowDraft>();
  /** Order placements and cancels, by the gateway's request id. */
  readonly requests = new Map<string, FlowDraft>();
  readonly trades = new Map<string, FlowDraft>();
  /** Placements whose request is unknown, by order id. */
  readonly orphanOrders = new Map<string, FlowDraft>();
  /** Cancels seen only in the matching engine, by order id. */
  readonly orphanCancels = new Map<string, FlowDraft>();

  transfer(kind: FlowKind, event_id: string): FlowDraft {
    let d = this.transfers.get(event_id);
    if (d === undefined) {
      d = draft(kind, event_id);
      d.event_id = event_id;
      this.transfers.set(event_id, d);
    }
    return d;
  }

  request(kind: FlowKind, request_id: string): FlowDraft {
    let d = this.requests.get(request_id);
    if (d === undefined) {
      d = draft(kind, `${kind}:request:${request_id}`);
      d.request_id = request_id;
      this.requests.set(request_id, d);
    }
    return d;
  }

  trade(trade_id: string): FlowDraft {
    let d = this.trades.get(trade_id);
    if (d === undefined) {
      d = draft("trade", `trade:${trade_id}`);
      d.trade_id = trade_id;
      d.event_id = trade_id;
      this.trades.set(trade_id, d);
    }
    return d;
  }

  all(): FlowDraft[] {
    return [
      ...this.transfers.values(),
      ...this.requests.values(),
      ...this.orphanOrders.values(),
      ...this.orphanCancels.values(),
      ...this.trades.values(),
    ];
  }
}

/**
 * Flows of the given entries. Entries that fit no lifecycle (an error line
 * naming a request, a retry's answer whose request was not found) go to none.
 */
export function buildFlows(entries: readonly Entry[]): FlowDraft[] {
  const flows = new Flows();

  // A transfer attempt is named by its RECEIVED line: a retry's answer
  // carries the first attempt's id but belongs to the retry.
  const attemptEvent = new Map<string, string>();
  const receivedBy = new Map<string, Set<string>>();
  for (const e of entries) {
    const req = str(e.fields, "req_id");
    const id = str(e.fields, "event_id");
    if (e.service === "gateway" && isReceived(e.event) && req !== null && id !== null) {
      if (transferKind(flowOf(e.event)) === null) continue;
      attemptEvent.set(req, id);
      const reqs = receivedBy.get(id) ?? new Set<string>();
      reqs.add(req);
      receivedBy.set(id, reqs);
    }
  }
  // The attempt a gateway transfer line belongs to; null for the answer to
  // another request (a retry) whose own RECEIVED line was not found.
  const attemptOf = (req: string, event_id: string | null): string | null => {
    const known = attemptEvent.get(req);
    if (known !== undefined) return known;
    if (event_id === null) return null;
    const reqs = receivedBy.get(event_id);
    return reqs === undefined || reqs.has(req) ? event_id : null;
  };

  const orderLines: Entry[] = [];
  const cancelLines: Entry[] = [];
  for (const e of entries) {
    if (e.source !== "log") continue;
    const f = e.fields;
    const flow = flowOf(e.event);
    const tkind = transferKind(flow);
    const event_id = str(f, "event_id");
    if (tkind !== null) {
      const req = e.service === "gateway" ? str(f, "req_id") : null;
      const key = req === null ? event_id : attemptOf(req, event_id);
      if (key === null || !isTransferEventId(key)) continue;
      const d = flows.transfer(tkind, key);
      if (req !== null && isReceived(e.event)) d.request_id = req;
      d.entries.push(e);
      continue;
    }
    if (flow === "trade") {
      const trade_id = str(f, "trade_id") ?? event_id;
      if (trade_id === null) continue;
      const d = flows.trade(trade_id);
      d.order_id ??= str(f, "order_id");
      d.maker_order_id ??= str(f, "maker_order_id");
      d.entries.push(e);
      continue;
    }
    if (e.service === "matching_engine" || e.service === "settlement") {
      // The book's answer to a cancel (done, or refused) joins the cancel UBSCore admitted.
      if (flow === "cancel") cancelLines.push(e);
      else if (flow === "order") orderLines.push(e);
      continue;
    }
    if (flow !== "order" && flow !== "cancel") continue;
    const request = e.service === "gateway" ? str(f, "req_id") : (str(f, "request_id") ?? event_id);
    if (request === null) continue;
    const d = flows.request(flow, request);
    // The order a request placed or cancelled: the RECEIVED line of a
    // placement has none, a cancel by client id neither.
    const order_id = str(f, "order_id");
    if (order_id !== null && d.order_id === null) d.order_id = order_id;
    d.entries.push(e);
  }

  const placements = new Map<string, FlowDraft>();
  for (const d of flows.requests.values()) {
    if (d.kind === "order" && d.order_id !== null && !placements.has(d.order_id)) {
      placements.set(d.order_id, d);
    }
  }
  for (const e of orderLines) {
    const order_id = str(e.fields, "order_id") ?? str(e.fields, "event_id");
    if (order_id === null) continue;
    let d = placements.get(order_id);
    if (d === undefined) {
      d = draft("order", `order:${order_id}`);
      d.order_id = order_id;
      placements.set(order_id, d);
      flows.orphanOrders.set(order_id, d);
    }
    d.entries.push(e);
  }
  for (const e of cancelLines) {
    const order_id = str(e.fields, "order_id") ?? str(e.fields, "event_id");
    if (order_id === null) continue;
    const d = acceptedCancel(flows, order_id) ?? orphanCancel(flows, order_id);
    d.entries.push(e);
  }
  for (const t of flows.trades.values()) {
    if (t.order_id !== null) placements.get(t.order_id)?.taker_trades.add(t.trade_id as string);
  }
  for (const [order_id, d] of placements) {
    d.key = `order:${order_id}`;
    d.event_id = order_id;
  }
  return flows.all();
}

/** The cancel request that UBSCore accepted for this order: only it reaches the book. */
function acceptedCancel(flows: Flows, order_id: string): FlowDraft | undefined {
  for (const d of flows.requests.values()) {
    if (d.kind !== "cancel" || d.order_id !== order_id) continue;
    if (
      d.entries.some(
        (e) => e.event === Marker.CANCEL_ACCEPTED.name || e.event === Marker.CANCEL_ANSWERED.name,
      )
    ) {
      return d;
    }
  }
  return undefined;
}

function orphanCancel(flows: Flows, order_id: string): FlowDraft {
  let d = flows.orphanCancels.get(order_id);
  if (d === undefined) {
    d = draft("cancel", `cancel:order:${order_id}`);
    d.order_id = order_id;
    flows.orphanCancels.set(order_id, d);
  }
  return d;
}
