// `bourse trace`: the public surface of src/trace.

export {
  openPostgresSource,
  openSqliteSource,
  type SqlSource,
  TraceDatabase,
} from "./database.ts";
export { DEFAULT_WINDOW_MS, type TraceOptions, trace } from "./engine.ts";
export { type LogFile, listLogFiles } from "./log-files.ts";
export { type ParsedQuery, parseQuery, QueryError } from "./query.ts";
export { flowLabel, renderTrace, verdict } from "./render.ts";
export type {
  Entry,
  Fill,
  Flow,
  FlowKind,
  Marker,
  Subject,
  SubjectKind,
  TimelineEntry,
  TraceResult,
  TraceStats,
  TraceStatus,
} from "./types.ts";
