// The trace's lines in time order, with the time spent since the previous
// hop. Lines of one millisecond are put in the order an event passes the
// services, so that a gateway's answer never shows before the work it answers.

import { DEPOSIT_MARKERS, Marker, WITHDRAW_MARKERS } from "../core/mod.ts";
import { isReceived } from "./flows.ts";
import type { Entry, TimelineEntry } from "./types.ts";

const names = (...ms: { name: string }[]) => new Set(ms.map((m) => m.name));
const CONSUMED = names(DEPOSIT_MARKERS.CONSUMED, WITHDRAW_MARKERS.CONSUMED);
const TO_SETTLEMENT = names(DEPOSIT_MARKERS.TO_SETTLEMENT, WITHDRAW_MARKERS.TO_SETTLEMENT);
const EXIT = names(DEPOSIT_MARKERS.EXIT, WITHDRAW_MARKERS.EXIT);

function stage(e: Entry): number {
  const ev = e.event;
  switch (e.service) {
    case "gateway":
      return isReceived(ev) ? 0 : 9;
    case "ubscore":
      if (CONSUMED.has(ev)) return 1;
      if (TO_SETTLEMENT.has(ev)) return 3;
      if (EXIT.has(ev)) return 4;
      return 2;
    case "matching_engine":
      return ev === Marker.ORDER_MATCHED.name ? 5 : 6;
    case "settlement":
      return CONSUMED.has(ev) ? 7 : 8;
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
