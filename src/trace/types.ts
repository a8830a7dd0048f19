// What a trace is made of: log lines and database rows about one business
// event, grouped into the flows whose lifecycle markers are checked.

import { SERVICE_NAMES, type ServiceName } from "../core/mod.ts";

/** The services that write lifecycle markers, in the order an event passes them. */
export const SERVICES = SERVICE_NAMES;
export type { ServiceName };

/** What an id names: a deposit or withdrawal event, an order, a trade, or a request. */
export type SubjectKind = "transfer" | "order" | "trade" | "request";

export interface Subject {
  readonly kind: SubjectKind;
  readonly id: string;
}

/** One business line of a service's log, or one row of the settlement database. */
export interface Entry {
  readonly source: "log" | "db";
  /** The service that wrote the line; "database" for rows. */
  readonly service: string;
  /** The lifecycle marker, or "DB <table> row". */
  readonly event: string;
  /** Milliseconds since the epoch; null for rows without a time column. */
  readonly time: number | null;
  /** The log file and byte offset of the line; null for rows. */
  readonly file: string | null;
  readonly offset: number | null;
  /** Every field of the line or row. */
  readonly fields: Readonly<Record<string, unknown>>;
}

export type FlowKind = "deposit" | "withdraw" | "order" | "cancel" | "trade";

/** A marker expected (or seen) in a service's log; count is 1 except for database rows. */
export interface Marker {
  readonly service: string;
  readonly event: string;
  readonly count: number;
}

/**
 * One lifecycle: a deposit or withdrawal attempt, an order's placement, one
 * cancel request, or a trade. Its expected markers follow its outcome.
 */
export interface Flow {
  readonly kind: FlowKind;
  /** Unique among the flows of a trace: "deposit_…", "order:12", "cancel:<request>", "trade:…". */
  readonly key: string;
  readonly event_id: string | null;
  readonly order_id: string | null;
  readonly trade_id: string | null;
  /** A trade's maker order (order_id is its taker); null for other flows. */
  readonly maker_order_id: string | null;
  /** The gateway's request id (orders, cancels, transfer attempts). */
  readonly request_id: string | null;
  /** applied, duplicate, rejected, failed (transfers); accepted, rejected, failed (orders); cancelled, rejected, failed (cancels); executed (trades). */
  readonly outcome: string;
  readonly entries: readonly Entry[];
  readonly expected: readonly Marker[];
  readonly missing: readonly Marker[];
  /** Expected markers seen more often than expected (a replay, a duplicated line). */
  readonly repeated: readonly Marker[];
  readonly complete: boolean;
}

export interface TimelineEntry extends Entry {
  /** Milliseconds since the previous log line of the timeline; null for the first and for rows. */
  readonly gap_ms: number | null;
  /** Key of the flow the entry belongs to; null for a line that only mentions the id. */
  readonly flow: string | null;
}

export type TraceStatus = "complete" | "incomplete" | "not_found";

export interface TraceStats {
  readonly files: number;
  /** Bytes of log text scanned in all passes (inflated, for compressed files). */
  readonly bytes_scanned: number;
  /** Bytes read from disk: the blocks read (compressed ones as stored) and the indexes. */
  readonly bytes_read: number;
  /** Passes over the files: 1 for the id, then windowed (or, if needed, full) passes for linked ids. */
  readonly passes: number;
  readonly elapsed_ms: number;
}

/** One trade of the trace, as the matching engine wrote it (or settlement, when its line is missing). */
export interface Fill {
  readonly trade_id: string;
  /** The order that took liquidity, and the resting order it met. */
  readonly taker_order_id: string | null;
  readonly maker_order_id: string | null;
  readonly price_ticks: number | null;
  readonly qty_lots: number | null;
  readonly time: number | null;
}

export interface TraceResult {
  readonly query: string;
  readonly subject: Subject | null;
  readonly status: TraceStatus;
  readonly complete: boolean;
  readonly timeline: readonly TimelineEntry[];
  readonly flows: readonly Flow[];
  /** Every missing marker of every flow, with the flow it belongs to. */
  readonly missing: readonly (Marker & { readonly flow: string })[];
  /** The trades among the flows: each fill with its trade id and both orders. */
  readonly fills: readonly Fill[];
  readonly notes: readonly string[];
  readonly stats: TraceStats;
}
