// Which bytes a pass of a trace reads. A file with an index (every file the
// log writer made) is read only in the blocks whose Bloom filter may hold
// one of the ids, and, for a pass limited to a time window, whose time range
// meets it: a few MiB out of a day. What no index covers (the live file's
// newest lines, files from before indexes, a block whose entry was lost) is
// read whole, or, for a time window, by binary search on time.

import { blockMayHold, type IndexEntry, idHash, indexBytes } from "../obs/mod.ts";
import { type LogFile, readIndex } from "./log-files.ts";
import type { ScanRange } from "./scan.ts";
import { byteWindow } from "./seek.ts";

const DAY_MS = 86_400_000;

export type Window = readonly [from_ms: number, to_ms: number];

/** Index entries by file, read once per trace. */
export class IndexCache {
  readonly #entries = new Map<string, Promise<IndexEntry[] | null>>();
  bytes_read = 0;

  get(file: LogFile): Promise<IndexEntry[] | null> {
    let p = this.#entries.get(file.path);
    if (p === undefined) {
      p = readIndex(file).then((entries) => {
        if (entries !== null) this.bytes_read += indexBytes(entries.length);
        return entries;
      });
      this.#entries.set(file.path, p);
    }
    return p;
  }
}

function dayOutside(file: LogFile, w: Window | null): boolean {
  if (w === null || file.day === null) return false;
  const start = Date.parse(`${file.day}T00:00:00Z`);
  return start > w[1] || start + DAY_MS < w[0];
}

function meets(e: IndexEntry, w: Window | null): boolean {
  // Blocks without a filter carry no time range either.
  if (w === null || e.time_max < e.time_min || e.time_max === 0) return true;
  return e.time_max >= w[0] && e.time_min <= w[1];
}

/** The ranges to scan for lines naming one of the ids, within the window when one is given. */
export async function planScan(
  files: readonly LogFile[],
  ids: ReadonlySet<string>,
  window: Window | null,
  cache: IndexCache,
): Promise<ScanRange[]> {
  const hashes = [...ids].map(idHash);
  const ranges: ScanRange[] = [];
  for (const file of files) {
    if (dayOutside(file, window)) continue;
    const entries = await cache.get(file);
    if (entries === null) {
      ranges.push(...(await unindexed(file, window)));
      continue;
    }
    const sorted = [...entries].sort((a, b) => a.raw_start - b.raw_start);
    let covered = 0;
    for (const e of sorted) {
      if (!file.gzip && e.raw_start > covered) {
        ranges.push({ file, start: covered, end: e.raw_start });
      }
      covered = Math.max(covered, e.raw_end);
      if (!meets(e, window) || !blockMayHold(e, hashes)) continue;
      ranges.push(
        file.gzip
          ? {
              file,
              start: e.gz_start,
              end: e.gz_end,
              gzip: true,
              raw_start: e.raw_start,
              raw_bytes: e.raw_end - e.raw_start,
            }
          : { file, start: e.raw_start, end: e.raw_end },
      );
    }
    // The live file's newest lines, after its last closed block.
    if (!file.gzip && covered < file.size_bytes) {
      ranges.push({ file, start: covered, end: file.size_bytes });
    }
  }
  return ranges;
}

async function unindexed(file: LogFile, window: Window | null): Promise<ScanRange[]> {
  if (file.gzip) return [{ file, start: 0, end: file.size_bytes, whole_gzip: true }];
  if (window === null) return [{ file, start: 0, end: file.size_bytes }];
  const w = await byteWindow(file.path, file.size_bytes, window[0], window[1]);
  return w.end > w.start ? [{ file, start: w.start, end: w.end }] : [];
}
