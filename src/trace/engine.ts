// `trace(id)`: every log line (and, when asked, database row) about one
// business event, in time order, with each lifecycle's missing markers.
//
// Cost: one pass over the bytes of every log file for the id itself; the ids
// its lines lead to (a request id, a maker's trades) are then looked for only
// in the minutes around those lines, located by binary search on time. Only
// when a marker that only such an id can find is still missing are those ids
// looked for everywhere, so a trace reads the logs about once.

import { markerPolicy } from "../obs/sampler.ts";
import type { TraceDatabase } from "./database.ts";
import { evaluate } from "./expect.ts";
import { buildFlows, draft, type FlowDraft } from "./flows.ts";
import { type LogFile, listLogFiles } from "./log-files.ts";
import { mentions, needlesFor, parseQuery, transferParts } from "./query.ts";
import { type ScanRange, scanRanges } from "./scan.ts";
import { byteWindow } from "./seek.ts";
import { foundOnlyByLinks, inferSubject, linkedIds, selectFlows } from "./subject.ts";
import { timelineOf } from "./timeline.ts";
import type { Entry, Flow, Subject, TraceResult } from "./types.ts";

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
const DAY_MS = 86_400_000;

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

/** The part of each file that can hold lines timed in [from, to]. */
async function windowRanges(files: readonly LogFile[], from: number, to: number) {
  const ranges: ScanRange[] = [];
  for (const file of files) {
    if (file.day !== null) {
      const start = Date.parse(`${file.day}T00:00:00Z`);
      if (start > to || start + DAY_MS < from) continue;
    }
    const w = await byteWindow(file.path, file.size_bytes, from, to);
    if (w.end > w.start) ranges.push({ file, start: w.start, end: w.end });
  }
  return ranges;
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
  const whole = files.map((file) => ({ file, start: 0, end: file.size_bytes }));
  let bytes_scanned = 0;
  let passes = 0;
  const find = async (ranges: readonly ScanRange[], ids: ReadonlySet<string>) => {
    const needles = [...ids].flatMap(needlesFor);
    const r = await scanRanges(ranges, needles, (f) => mentions(f, ids), scanOpts);
    bytes_scanned += r.bytes;
    passes++;
    return r.entries;
  };
  const stats = () => ({
    files: files.length,
    bytes_scanned,
    passes,
    elapsed_ms: Math.round(performance.now() - started),
  });

  const first = await find(whole, new Set([q.id]));
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
      notes: [`no log line${opts.database === undefined ? "" : " or row"} mentions ${q.id}`],
      stats: stats(),
    };
  }

  const found: Found = { entries: [], keys: new Set() };
  merge(found, first);
  const linked = linkedIds(subject, first);
  // An id found only as an event id (UBSCore's req_<request>) leads to its request.
  if (subject.id !== q.id) linked.add(subject.id);
  const span = timeSpan(first);
  let windowed = false;
  if (linked.size > 0 && span !== null) {
    const window_ms = opts.window_ms ?? DEFAULT_WINDOW_MS;
    const ranges = await windowRanges(files, span[0] - window_ms, span[1] + window_ms);
    merge(found, await find(ranges, linked));
    windowed = true;
  }
  let built = assemble(subject, found.entries);
  const traced = subject;
  if (windowed && built.flows.some((f) => f.missing.some((m) => foundOnlyByLinks(traced, m)))) {
    merge(found, await find(whole, linked));
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
  if (missing.length > 0 && missing.every((m) => !markerPolicy(m.event).always)) {
    notes.push(
      "every missing marker is a sampled per-order line: at --log-sample-ppm below 1000000 an order the sampler did not keep has no such lines",
    );
  }
  if (flows.length === 0) notes.push("no lifecycle marker among the lines found");
  return notes;
}
