// Rotated files are named after the UTC day they cover, so retention is decided
// from the name alone: deterministic under a test clock and immune to tools
// that touch modification times. A day's file, its compressed form, their
// indexes and a compression cut short all go together.

import { existsSync, readdirSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { GZIP_SUFFIX, INDEX_SUFFIX, logFileName, parseLogFileName } from "./log-index.ts";
import { DAY_MS, parseUtcDayName, utcDayName, utcDayStart } from "./utc-day.ts";

/** Service names double as file names; keep them to a safe alphabet. */
export const SERVICE_NAME_RE = /^[a-z][a-z0-9_-]{0,63}$/;

/**
 * A free name for the file covering `day_start_ms`: `<service>.log.YYYY-MM-DD`,
 * or with a `.N` suffix when that day was already rotated (a clock stepped back,
 * or a file from an earlier run carried an older date), whether the earlier
 * one is still plain or already compressed.
 */
export function rotatedPath(dir: string, service: string, day_start_ms: number): string {
  const day = utcDayName(day_start_ms);
  for (let n = 0; ; n++) {
    const plain = join(dir, logFileName(service, day, n, false));
    if (
      !existsSync(plain) &&
      !existsSync(plain + GZIP_SUFFIX) &&
      !existsSync(plain + INDEX_SUFFIX)
    ) {
      return plain;
    }
  }
}

/**
 * Deletes rotated files of `service` (plain or compressed, with their
 * indexes) whose day is more than `retention_days` before the UTC day of
 * `now_ms`. With retention_days = 7 on 2030-01-10 the files of 2030-01-03 ..
 * 2030-01-09 stay. Returns the names removed.
 */
export function removeExpired(
  dir: string,
  service: string,
  now_ms: number,
  retention_days: number,
): string[] {
  const cutoff_ms = utcDayStart(now_ms) - retention_days * DAY_MS;
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    const f = parseLogFileName(name);
    if (f === null || f.service !== service || f.day === null) continue;
    const day_ms = parseUtcDayName(f.day);
    if (day_ms === null || day_ms >= cutoff_ms) continue;
    try {
      unlinkSync(join(dir, name));
      removed.push(name);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }
  return removed.sort();
}
