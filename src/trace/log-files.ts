// The log files a trace reads: each service's live file and its rotated
// days, plain or compressed, with their indexes, in every folder given (one
// per host in distributed mode).

import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import {
  decodeIndex,
  GZIP_SUFFIX,
  INDEX_SUFFIX,
  type IndexEntry,
  parseLogFileName,
} from "../obs/mod.ts";
import { SERVICES, type ServiceName } from "./types.ts";

export interface LogFile {
  readonly path: string;
  readonly service: ServiceName;
  /** "YYYY-MM-DD" of a rotated file; null for the live file. */
  readonly day: string | null;
  /** The `.N` suffix of a day rotated more than once; 0 otherwise. */
  readonly n: number;
  /** A rotated day compressed by the log writer: one gzip member per index block. */
  readonly gzip: boolean;
  /** Size when listed: lines appended later are left to the next trace. */
  readonly size_bytes: number;
  /** The file's index, when there is one. */
  readonly index_path: string | null;
}

const KNOWN: ReadonlySet<string> = new Set(SERVICES);

/** Oldest first: rotated days in order, then the live file, per service. */
export async function listLogFiles(dirs: readonly string[]): Promise<LogFile[]> {
  const files: LogFile[] = [];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw err;
    }
    const present = new Set(names);
    for (const name of names) {
      const f = parseLogFileName(name);
      if (f === null || f.index || f.tmp || !KNOWN.has(f.service)) continue;
      // Compressed and not yet cleaned up: the .gz is whole, read it.
      if (!f.gzip && present.has(name + GZIP_SUFFIX)) continue;
      const path = join(dir, name);
      const s = await stat(path);
      if (!s.isFile() || s.size === 0) continue;
      files.push({
        path,
        service: f.service as ServiceName,
        day: f.day,
        n: f.n,
        gzip: f.gzip,
        size_bytes: s.size,
        index_path: present.has(name + INDEX_SUFFIX) ? path + INDEX_SUFFIX : null,
      });
    }
  }
  return files.sort(compareFiles);
}

function compareFiles(a: LogFile, b: LogFile): number {
  if (a.service !== b.service) {
    return SERVICES.indexOf(a.service) - SERVICES.indexOf(b.service);
  }
  // The live file holds the newest lines.
  if (a.day === null || b.day === null) return a.day === b.day ? 0 : a.day === null ? 1 : -1;
  if (a.day !== b.day) return a.day < b.day ? -1 : 1;
  return a.n - b.n;
}

/**
 * A file's index entries that describe it as it is now; null when it has
 * no usable index (none, another version, or not matching the file).
 */
export async function readIndex(file: LogFile): Promise<IndexEntry[] | null> {
  if (file.index_path === null) return null;
  let bytes: Buffer;
  try {
    bytes = await readFile(file.index_path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
  const entries = decodeIndex(bytes);
  if (entries === null) return null;
  const usable = entries.filter((e) =>
    file.gzip ? e.gz_start >= 0 && e.gz_end <= file.size_bytes : e.raw_end <= file.size_bytes,
  );
  // A compressed file is read only through its index: every byte must be in an entry.
  if (file.gzip && usable.length !== entries.length) return null;
  return usable;
}
