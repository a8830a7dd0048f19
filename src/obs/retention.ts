// Rotated files are named after the UTC day they cover, so retention is decided
// from the name alone: deterministic under a test clock and immune to tools
// that touch modification times.

import { readdir, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { DAY_MS, parseUtcDayName, utcDayName, utcDayStart } from "./utc-day.ts";

/** Service names double as file names; keep them to a safe alphabet. */
export const SERVICE_NAME_RE = /^[a-z][a-z0-9_-]{0,63}$/;

function rotatedRe(service: string): RegExp {
  return new RegExp(`^${service}\\.log\\.(\\d{4}-\\d{2}-\\d{2})(?:\\.\\d+)?$`);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw err;
  }
}

/**
 * A free name for the file covering `day_start_ms`: `<service>.log.YYYY-MM-DD`,
 * or with a `.N` suffix when that day was already rotated (a clock stepped back,
 * or a file from an earlier run carried an older date).
 */
export async function rotatedPath(
  dir: string,
  service: string,
  day_start_ms: number,
): Promise<string> {
  const base = join(dir, `${service}.log.${utcDayName(day_start_ms)}`);
  if (!(await exists(base))) return base;
  for (let n = 1; ; n++) {
    const candidate = `${base}.${n}`;
    if (!(await exists(candidate))) return candidate;
  }
}

/**
 * Deletes rotated files of `service` whose day is more than `retention_days`
 * before the UTC day of `now_ms`. With retention_days = 7 on 2030-01-10 the
 * files of 2030-01-03 .. 2030-01-09 stay. Returns the names removed.
 */
export async function removeExpired(
  dir: string,
  service: string,
  now_ms: number,
  retention_days: number,
): Promise<string[]> {
  const cutoff_ms = utcDayStart(now_ms) - retention_days * DAY_MS;
  const re = rotatedRe(service);
  const removed: string[] = [];
  for (const name of await readdir(dir)) {
    const m = re.exec(name);
    if (m === null) continue;
    const day_ms = parseUtcDayName(m[1]!);
    if (day_ms === null || day_ms >= cutoff_ms) continue;
    try {
      await unlink(join(dir, name));
      removed.push(name);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }
  return removed.sort();
}
