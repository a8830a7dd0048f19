// The trace lookup the gateway's operator route calls (GET
// /api/v1/admin/trace): the same trace as `bourse trace --json`, over the
// log folders and settlement database this process was started with.

import { ApiError, BourseError } from "../core/mod.ts";
import type { TraceLookup } from "../gateway/mod.ts";
import { QueryError, type TraceDatabase, trace } from "../trace/mod.ts";

export interface TraceSources {
  readonly log_dirs: readonly string[];
  /** Opened per lookup and closed after it; undefined traces the logs alone. */
  readonly database?: () => Promise<TraceDatabase>;
}

export function traceLookup(sources: TraceSources): TraceLookup {
  return async (id) => {
    const database = await sources.database?.();
    try {
      const result = await trace(id, { log_dirs: sources.log_dirs, database });
      return result as unknown as Awaited<ReturnType<TraceLookup>>;
    } catch (err) {
      if (err instanceof QueryError) throw new BourseError(ApiError.VALIDATION, err.message);
      throw err;
    } finally {
      await database?.close();
    }
  };
}
