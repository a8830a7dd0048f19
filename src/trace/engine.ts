// `trace(id)`: every log line (and, when asked, database row) about one
// business event, in time order, with each lifecycle's missing markers.
//
// Cost: each pass reads, in every file, only the index blocks whose Bloom
// filter may hold one of the ids it looks for (and whatever no index covers:
// the live files' newest lines, files from before indexes). The first pass
// looks for the id itself; the ids its lines lead to (a request id, a
// maker's trades, a trade's orders) are then looked for in the minutes
// around those lines; only when a marker that only such an id can find is
// still missing are they looked for in the whole retention.

import { Marker, markerByName } from "../core/mod.ts";
import type { TraceDatabase } from "./database.ts";
import { evaluate } from "./expect.ts";
import { buildFlows, draft, type FlowDraft } from "./flows.ts";
import { listLogFiles } from "./log-files.ts";
import { IndexCache, planScan, type Window } from "./plan.ts";
import { mentions, needlesFor, parseQuery, transferParts } from "./query.ts";
import { scanRanges } from "./scan.ts";
import { foundOnlyByLinks, inferSubject, linkedIds, selectFlows } from "./subject.ts";
import { timelineOf } from "./timeline.ts";
import type { Entry, Fill, Flow, Subject, TraceResult } from "./types.ts";

export interface TraceOptions {
  /** Folders holding the services' log files (one per host in distributed mode). */
  readonly log_dirs: readonly string[];
  /** Adds the settlement database's rows and checks them. */
  readonly database?: TraceDatabase | undefined;
  /** Scan threads; 0 scans in the calling thread. */
  readonly workers?: number | undefined;
  /** How far around the id's own lines linked ids are looked for first. Default 10 minutes. */
  readonly window_ms?: number | undefined;
}

export const DEFAULT_WINDOW_MS = 10 * 60_000;
/** A trade leads to its orders, they to their requests: two steps of links. */
const LINK_STEPS_MAX = 2;

interface Found {
  readonly entries: Entry[];
  readonly keys: Set<string>;
}

function entryKey(e: Entry): string {
  return `${e.file}|${e.offset}`;
}

function merge(into: Found, more: readonly Entry[]): void {
  for (const e of more) {
    const k = entryKey(e);
    if (into.keys.has(k)) continue;
    into.keys.add(k);
    into.entries.push(e);
  }
}

function timeSpan(entries: readonly Entry[]): [number, number] | null {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const e of entries) {
    if (e.time === null) continue;
    if (e.time < lo) lo = e.time;
    if (e.time > hi) hi = e.time;
  }
  return lo <= hi ? [lo, hi] : null;
}

export async function trace(query: string, opts: TraceOptions): Promise<TraceResult> {
  const started = performance.now();
  const q = parseQuery(query);
  const files = await listLogFiles(opts.log_dirs);
  const scanOpts = opts.workers === undefined ? {} : { workers: opts.workers };
  const indexes = new IndexCache();
  let bytes_scanned = 0;
  let bytes_read = 0;
  let passes = 0;
  const find = async (ids: ReadonlySet<string>, window: Window | null) => {
    const ranges = await planScan(files, ids, window, indexes);
    const needles = [...ids].flatMap(needlesFor);
    const r = await scanRanges(ranges, needles, (f) => mentions(f, ids), scanOpts);
    bytes_scanned += r.bytes;
    bytes_read += r.bytes_read;
    passes++;
    return r.entries;
  };
  const stats = () => ({
    files: files.length,
    bytes_scanned,
    bytes_read: bytes_read + indexes.bytes_read,
    passes,
    elapsed_ms: Math.round(performance.now() - started),
  });

  const first = await find(new Set([q.id]), null);
  let subject: Subject | null = null;
  if (first.length > 0) {
    subject = q.kind === null ? inferSubject(q.id, first) : { kind: q.kind, id: q.id };
  } else if (opts.database !== undefined) {
    const kind = await opts.database.probe(q.id);
    if (kind !== null) subject = { kind: q.kind ?? kind, id: q.id };
  }
  if (subject === null) {
    return {
      query,
      subject: null,
      status: "not_found",
      complete: false,
      timeline: [],
      flows: [],
      missing: [],
      fills: [],
      notes: [`no log line${opts.database === undefined ? "" : " or row"} mentions ${q.id}`],
      stats: stats(),
    };
  }

  const found: Found = { entries: [], keys: new Set() };
  merge(found, first);
  const searched = new Set<string>([q.id]);
  const linkedAll = new Set<string>();
  const span = timeSpan(first);
  let windowed = false;
  for (let step = 0; step < LINK_STEPS_MAX && span !== null; step++) {
    const linked = new Set<string>();
    for (const id of linkedIds(subject, found.entries)) if (!searched.has(id)) linked.add(id);
    // An id found only as an event id (UBSCore's req_<request>) leads to its request.
    if (step === 0 && subject.id !== q.id) linked.add(subject.id);
    if (linked.size === 0) break;
    const window_ms = opts.window_ms ?? DEFAULT_WINDOW_MS;
    merge(found, await find(linked, [span[0] - window_ms, span[1] + window_ms]));
    for (const id of linked) {
      searched.add(id);
      linkedAll.add(id);
    }
    windowed = true;
  }
  let built = assemble(subject, found.entries);
  const traced = subject;
  if (windowed && built.flows.some((f) => f.missing.some((m) => foundOnlyByLinks(traced, m)))) {
    merge(found, await find(linkedAll, null));
    built = assemble(subject, found.entries);
  }
  if (opts.database !== undefined) {
    built = await withRows(subject, built, opts.database);
  }

  const flows = built.selected.map((d) => evaluate(d, opts.database !== undefined));
  const inFlow = new Map<Entry, string>();
  for (const d of built.all) for (const e of d.entries) inFlow.set(e, d.key);
  const shown = new Set<Entry>(built.selected.flatMap((d) => d.entries));
  for (const e of first) shown.add(e);
  dropRepeatedRows(shown);
  const timeline = timelineOf([...shown], (e) => inFlow.get(e) ?? null);
  const missing = flows.flatMap((f) => f.missing.map((m) => ({ ...m, flow: f.key })));
  const complete = flows.length > 0 && flows.every((f) => f.complete);
  return {
    query,
    subject,
    status: complete ? "complete" : "incomplete",
    complete,
    timeline,
    flows,
    missing,
    fills: fillsOf(flows),
    notes: notesOf(flows, built.selected, timeline),
    stats: stats(),
  };
}

interface Built {
  readonly all: FlowDraft[];
  readonly selected: FlowDraft[];
  readonly flows: Flow[];
}

function assemble(subject: Subject, entries: readonly Entry[]): Built {
  const flows = buildFlows(entries);
  const selected = selectFlows(subject, flows);
  return { all: flows, selected, flows: selected.map((d) => evaluate(d, false)) };
}

/** Adds the database's rows to the selected flows, and flows known only from rows. */
async function withRows(subject: Subject, built: Built, db: TraceDatabase): Promise<Built> {
  const all = [...built.all];
  const selected = [...built.selected];
  const byKey = new Map(all.map((d) => [d.key, d]));
  const take = (d: FlowDraft) => {
    if (!byKey.has(d.key)) {
      byKey.set(d.key, d);
      all.push(d);
    }
    if (!selected.includes(d)) selected.push(d);
    return byKey.get(d.key) as FlowDraft;
  };
  if (selected.length === 0) {
    for (const d of await rowOnlyFlows(subject, db)) take(d);
  }
  const tradesOfOrders = new Set<string>();
  for (const d of [...selected]) {
    if (d.kind === "deposit" || d.kind === "withdraw") {
      d.entries.push(...(await db.transferRows(d.key)));
    } else if (d.kind === "order" && d.order_id !== null) {
      const rows = await db.orderRows(d.order_id);
      d.entries.push(...rows);
      for (const r of rows) {
        const t = r.fields.trade_id;
        if (r.event === "DB trades row" && typeof t === "number") tradesOfOrders.add(String(t));
      }
    } else if (d.kind === "trade" && d.trade_id !== null) {
      d.entries.push(...(await db.tradeRows(d.trade_id)));
    }
  }
  // Trades the database knows and no log line named: their markers are missing.
  if (subject.kind === "order") {
    for (const t of tradesOfOrders) {
      if (byKey.has(`trade:${t}`)) continue;
      const d = draft("trade", `trade:${t}`);
      d.trade_id = t;
      d.event_id = t;
      d.entries.push(...(await db.tradeRows(t)));
      take(d);
    }
  }
  return { all, selected, flows: selected.map((d) => evaluate(d, true)) };
}

async function rowOnlyFlows(subject: Subject, db: TraceDatabase): Promise<FlowDraft[]> {
  const transferDraft = (event_id: string) => {
    const parts = transferParts(event_id);
    const d = draft(parts?.type ?? "deposit", event_id);
    d.event_id = event_id;
    return d;
  };
  switch (subject.kind) {
    case "transfer":
      return [transferDraft(subject.id)];
    case "order": {
      const d = draft("order", `order:${subject.id}`);
      d.order_id = subject.id;
      d.event_id = subject.id;
      return [d];
    }
    case "trade": {
      const d = draft("trade", `trade:${subject.id}`);
      d.trade_id = subject.id;
      d.event_id = subject.id;
      return [d];
    }
    case "request":
      return (await db.transferEventIds(subject.id)).map(transferDraft);
  }
}

function num(v: unknown): number | null {
  return typeof v === "number" ? v : null;
}

/** Each trade flow's fill, from the engine's line, else settlement's line or rows. */
function fillsOf(flows: readonly Flow[]): Fill[] {
  const out: Fill[] = [];
  for (const f of flows) {
    if (f.kind !== "trade" || f.trade_id === null) continue;
    const executed = f.entries.find((e) => e.event === Marker.TRADE_EXECUTED.name);
    const row = f.entries.find((e) => e.source === "db");
    out.push({
      trade_id: f.trade_id,
      taker_order_id: f.order_id,
      maker_order_id: f.maker_order_id,
      price_ticks: num(executed?.fields.price_ticks ?? row?.fields.price_ticks),
      qty_lots: num(executed?.fields.qty_lots ?? row?.fields.qty_lots),
      time: executed?.time ?? f.entries.find((e) => e.time !== null)?.time ?? null,
    });
  }
  return out;
}

function notesOf(
  flows: readonly Flow[],
  selected: readonly FlowDraft[],
  timeline: readonly { flow: string | null }[],
): string[] {
  const notes: string[] = [];
  const own = new Set(selected.map((d) => d.key));
  const others = new Set<string>();
  for (const t of timeline) if (t.flow !== null && !own.has(t.flow)) others.add(t.flow);
  for (const key of others) notes.push(`also named by lines of ${key}`);
  const missing = flows.flatMap((f) => f.missing).filter((m) => m.service !== "database");
  if (missing.length > 0 && missing.every((m) => markerByName(m.event)?.sampled === true)) {
    notes.push(
      "every missing marker is a sampled per-order line: at --log-sample-ppm below 1000000 an order the sampler did not keep has no such lines",
    );
  }
  if (flows.length === 0) notes.push("no lifecycle marker among the lines found");
  return notes;
}

/**
 * A database row read for two flows (a trade's row, for its order and for
 * the trade) is two entries: the timeline shows it once.
 */
function dropRepeatedRows(shown: Set<Entry>): void {
  const seen = new Set<string>();
  const asText = (_k: string, v: unknown) => (typeof v === "bigint" ? v.toString() : v);
  for (const e of shown) {
    if (e.source !== "db") continue;
    const key = `${e.event}|${JSON.stringify(e.fields, asText)}`;
    if (seen.has(key)) shown.delete(e);
    else seen.add(key);
  }
}
