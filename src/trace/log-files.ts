// The log files a trace reads: each service's live file and its rotated
// days, in every folder given (one per host in distributed mode).

import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { SERVICES, type ServiceName } from "./types.ts";

export interface LogFile {
  readonly path: string;
  readonly service: ServiceName;
  /** "YYYY-MM-DD" of a rotated file; null for the live file. */
  readonly day: string | null;
  /** The `.N` suffix of a day rotated more than once; 0 otherwise. */
  readonly n: number;
  /** Size when listed: lines appended later are left to the next trace. */
  readonly size_bytes: number;
}

const NAME_RE = new RegExp(
  `^(${SERVICES.join("|")})\\.log(?:\\.(\\d{4}-\\d{2}-\\d{2})(?:\\.(\\d+))?)?$`,
);

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
    for (const name of names) {
      const m = NAME_RE.exec(name);
      if (m === null) continue;
      const path = join(dir, name);
      const s = await stat(path);
      if (!s.isFile() || s.size === 0) continue;
      files.push({
        path,
        service: m[1] as ServiceName,
        day: m[2] ?? null,
        n: m[3] === undefined ? 0 : Number(m[3]),
        size_bytes: s.size,
      });
    }
  }
  return files.sort(compareFiles);
}

function compareFiles(a: LogFile, b: LogFile): number {
  if (a.service !== b.service) return SERVICES.indexOf(a.service) - SERVICES.indexOf(b.service);
  // The live file holds the newest lines.
  if (a.day === null || b.day === null) return a.day === b.day ? 0 : a.day === null ? 1 : -1;
  if (a.day !== b.day) return a.day < b.day ? -1 : 1;
  return a.n - b.n;
}
