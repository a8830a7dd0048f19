// The trace's lines in time order, with the time spent since the previous
// hop. Lines of one millisecond are put in the order an event passes the
// services, so that a gateway's answer never shows before the work it answers.

import type { Entry, TimelineEntry } from "./types.ts";

function stage(e: Entry): number {
  const ev = e.event;
  switch (e.service) {
    case "gateway":
      return ev.endsWith("_RECEIVED") ? 0 : 9;
    case "ubscore":
      if (ev.endsWith("_CONSUMED")) return 1;
      if (ev.endsWith("_TO_SETTLEMENT")) return 3;
      if (ev.endsWith("_EXIT")) return 4;
      return 2;
    case "matching_engine":
      return ev === "ORDER_MATCHED" ? 5 : 6;
    case "settlement":
      return ev.endsWith("_CONSUMED") ? 7 : 8;
    default:
      return 10;
  }
}

function compare(a: Entry, b: Entry): number {
  if (a.time !== b.time) {
    if (a.time === null) return 1;
    if (b.time === null) return -1;
    return a.time - b.time;
  }
  const s = stage(a) - stage(b);
  if (s !== 0) return s;
  if (a.file !== b.file) return (a.file ?? "") < (b.file ?? "") ? -1 : 1;
  return (a.offset ?? 0) - (b.offset ?? 0);
}

/**
 * Sorted entries with their gaps. Rows are placed by their own time column
 * but are not hops: the gap runs from log line to log line.
 */
export function timelineOf(
  entries: readonly Entry[],
  flowKey: (e: Entry) => string | null,
): TimelineEntry[] {
  const sorted = [...entries].sort(compare);
  let prev: number | null = null;
  return sorted.map((e) => {
    let gap_ms: number | null = null;
    if (e.source === "log" && e.time !== null) {
      gap_ms = prev === null ? null : e.time - prev;
      prev = e.time;
    }
    return { ...e, gap_ms, flow: flowKey(e) };
  });
}
