// A trace as text for people: the timeline as a table, each lifecycle's
// outcome, and the verdict on the last line.

import type { Fill, Flow, Marker, TimelineEntry, TraceResult } from "./types.ts";

// Shown in this order when a line or row has them, under short names.
const DETAILS: readonly (readonly [string, string])[] = [
  ["event_id", "id"],
  ["order_id", "order"],
  ["maker_order_id", "maker"],
  ["trade_id", "trade"],
  ["request_id", "request"],
  ["req_id", "request"],
  ["user_id", "user"],
  ["asset", "asset"],
  ["symbol", "symbol"],
  ["side", "side"],
  ["amount", "amount"],
  ["status", "status"],
  ["trades", "trades"],
  ["duplicate", "duplicate"],
  ["outcome", "outcome"],
  ["code", "code"],
  ["reason", "reason"],
  ["error", "error"],
  ["reject", "reject"],
  ["kind", "kind"],
  ["table", "table"],
  ["price_ticks", "price_ticks"],
  ["filled_lots", "filled_lots"],
  ["remaining_lots", "remaining_lots"],
  ["qty_lots", "qty_lots"],
  ["is_maker", "maker_side"],
  ["delta_avail", "delta_avail"],
  ["delta_frozen", "delta_frozen"],
];

function details(e: TimelineEntry): string {
  const parts: string[] = [];
  const shown = new Set<string>();
  for (const [field, label] of DETAILS) {
    const v = e.fields[field];
    if (v === undefined || v === null || v === "") continue;
    const text = typeof v === "object" ? JSON.stringify(v) : String(v);
    // The gateway writes its request id twice (req_id and request_id).
    if (shown.has(`${label}=${text}`)) continue;
    shown.add(`${label}=${text}`);
    parts.push(`${label}=${text}`);
  }
  return parts.join(" ");
}

function when(time: number | null): string {
  return time === null ? "-" : new Date(time).toISOString();
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + " ".repeat(width - text.length);
}

function padStart(text: string, width: number): string {
  return text.length >= width ? text : " ".repeat(width - text.length) + text;
}

export function flowLabel(f: Flow): string {
  switch (f.kind) {
    case "deposit":
    case "withdraw":
      return `${f.kind} ${f.event_id ?? f.key}${f.request_id === null ? "" : ` (request ${f.request_id})`}`;
    case "order":
      return `order ${f.order_id ?? "?"}${f.request_id === null ? "" : ` (request ${f.request_id})`}`;
    case "cancel":
      return `cancel of order ${f.order_id ?? "?"}${f.request_id === null ? "" : ` (request ${f.request_id})`}`;
    case "trade":
      return `trade ${f.trade_id ?? "?"} (order ${f.order_id ?? "?"} took order ${f.maker_order_id ?? "?"})`;
  }
}

/** One fill, from the traced order's side when the trace is of an order. */
export function fillText(fill: Fill, order_id: string | null): string {
  const size =
    fill.qty_lots === null
      ? ""
      : ` ${fill.qty_lots} lots${fill.price_ticks === null ? "" : ` at ${fill.price_ticks} ticks`}`;
  if (order_id !== null && (order_id === fill.taker_order_id || order_id === fill.maker_order_id)) {
    const taker = order_id === fill.taker_order_id;
    const other = taker ? fill.maker_order_id : fill.taker_order_id;
    return `fill: trade ${fill.trade_id},${size} as ${taker ? "taker" : "maker"}, counterparty order ${other ?? "?"}`;
  }
  return `fill: trade ${fill.trade_id},${size}: order ${fill.taker_order_id ?? "?"} (taker) with order ${fill.maker_order_id ?? "?"} (maker)`;
}

function markerText(m: Marker): string {
  return `${m.event}${m.count > 1 ? ` x${m.count}` : ""} in ${m.service}`;
}

/** `complete`, or `incomplete: missing X in service Y, …`. */
export function verdict(r: TraceResult): string {
  if (r.status === "not_found") return `not found: ${r.notes[0] ?? r.query}`;
  if (r.complete) return "complete";
  const several = r.flows.length > 1;
  const missing = r.flows.flatMap((f) =>
    f.missing.map((m) => `${markerText(m)}${several ? ` (${flowLabel(f)})` : ""}`),
  );
  const failed = r.flows.filter((f) => f.outcome === "failed").map(flowLabel);
  const parts: string[] = [];
  if (missing.length > 0) parts.push(`missing ${missing.join(", ")}`);
  if (failed.length > 0) parts.push(`failed at the gateway: ${failed.join(", ")}`);
  if (parts.length === 0) parts.push(r.notes[0] ?? "no lifecycle found");
  return `incomplete: ${parts.join("; ")}`;
}

export function renderTrace(r: TraceResult): string {
  const out: string[] = [];
  if (r.subject !== null) out.push(`trace of ${r.subject.kind} ${r.subject.id}`);
  if (r.timeline.length > 0) {
    const rows = r.timeline.map((e) => [
      when(e.time),
      e.gap_ms === null ? "" : `+${e.gap_ms}`,
      e.service,
      e.event,
      details(e),
    ]);
    const widths = [24, 7, 15, 22];
    const head = ["time (UTC)", "+ms", "service", "event"];
    for (const row of [head, ...rows]) {
      widths.forEach((w, i) => {
        widths[i] = Math.max(w, (row[i] ?? "").length);
      });
    }
    const line = (row: readonly string[]) =>
      [
        pad(row[0] ?? "", widths[0] ?? 0),
        padStart(row[1] ?? "", widths[1] ?? 0),
        pad(row[2] ?? "", widths[2] ?? 0),
        pad(row[3] ?? "", widths[3] ?? 0),
        row[4] ?? "",
      ]
        .join("  ")
        .trimEnd();
    out.push(line([...head, "details"]));
    for (const row of rows) out.push(line(row));
    out.push("");
  }
  const order = r.subject?.kind === "order" ? r.subject.id : null;
  for (const fill of r.fills) out.push(fillText(fill, order));
  if (r.fills.length > 0) out.push("");
  for (const f of r.flows) {
    const state = f.complete ? "complete" : "incomplete";
    const repeated = f.repeated.map((m) => `${m.event} x${m.count} in ${m.service}`);
    out.push(
      `${flowLabel(f)}: ${f.outcome}, ${state}${repeated.length > 0 ? `; repeated ${repeated.join(", ")}` : ""}`,
    );
  }
  if (r.status !== "not_found") for (const n of r.notes) out.push(`note: ${n}`);
  out.push(verdict(r));
  return `${out.join("\n")}\n`;
}
