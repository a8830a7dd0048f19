// Where in a log file a time window starts and ends. A service writes its
// lines in the order of its clock, so the file is sorted by `time` and a
// binary search over byte offsets, reading one small probe per step, finds
// the window without reading the file.

import { type FileHandle, open } from "node:fs/promises";

const PROBE_BYTES = 16 * 1024;
// Close enough: the scan reads this much around the exact boundary.
const RESOLUTION_BYTES = 256 * 1024;
const TIME_RE = /"time":(\d+)/;

/** Time of the first whole line starting at or after `pos`; null when the probe holds none. */
async function timeAfter(fh: FileHandle, pos: number, buf: Buffer): Promise<number | null> {
  const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
  const nl = buf.indexOf(10);
  if (nl === -1 || nl >= bytesRead) return null;
  const end = buf.indexOf(10, nl + 1);
  if (end === -1 || end >= bytesRead) return null;
  const m = TIME_RE.exec(buf.toString("latin1", nl + 1, Math.min(end, nl + 256)));
  return m === null ? null : Number(m[1]);
}

/**
 * Byte offsets [start, end) covering every line timed in [from_ms, to_ms],
 * rounded outwards; a probe that finds no time stops the search where it is,
 * which only widens the range.
 */
export async function byteWindow(
  path: string,
  size_bytes: number,
  from_ms: number,
  to_ms: number,
): Promise<{ start: number; end: number }> {
  const fh = await open(path, "r");
  try {
    const buf = Buffer.allocUnsafe(PROBE_BYTES);
    const start = await boundary(fh, buf, size_bytes, from_ms, "low");
    const end = await boundary(fh, buf, size_bytes, to_ms + 1, "high");
    return { start, end: Math.max(start, end) };
  } finally {
    await fh.close();
  }
}

/** An offset below (low) or above (high) the first line timed at or after t. */
async function boundary(
  fh: FileHandle,
  buf: Buffer,
  size_bytes: number,
  t: number,
  side: "low" | "high",
): Promise<number> {
  let lo = 0;
  let hi = size_bytes;
  while (hi - lo > RESOLUTION_BYTES) {
    const mid = lo + Math.floor((hi - lo) / 2);
    const time = await timeAfter(fh, mid, buf);
    if (time === null) break;
    if (time < t) lo = mid;
    else hi = mid;
  }
  // The line found after `hi` may start up to a probe past it.
  return side === "low" ? lo : Math.min(size_bytes, hi + PROBE_BYTES);
}
