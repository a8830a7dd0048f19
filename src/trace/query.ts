// The id a trace starts from, and how a log line is recognised as being
// about an id: by the exact value of one of its id fields, never by a
// substring, so that order 12 does not pick up order 123.

import type { SubjectKind } from "./types.ts";

/** Fields whose value is an id a trace may follow. */
export const ID_FIELDS = [
  "event_id",
  "order_id",
  "maker_order_id",
  "trade_id",
  "request_id",
  "req_id",
] as const;
export type IdField = (typeof ID_FIELDS)[number];

const KIND_PREFIXES: Readonly<Record<string, SubjectKind>> = {
  order: "order",
  trade: "trade",
  request: "request",
  transfer: "transfer",
};

// Ids are written into JSON unescaped; anything else cannot be one.
const ID_RE = /^[A-Za-z0-9_.:@/+-]{1,200}$/;
const TRANSFER_RE = /^(deposit|withdraw)_(\d+)_(\d+)_(\d+)$/;

export interface ParsedQuery {
  readonly id: string;
  /** Null when the id does not say what it is; the lines found decide. */
  readonly kind: SubjectKind | null;
}

export class QueryError extends Error {}

/**
 * `order:12`, `trade:…`, `request:…` and `transfer:…` force the kind; a
 * deposit or withdrawal id is recognised by its shape.
 */
export function parseQuery(text: string): ParsedQuery {
  const raw = text.trim();
  const colon = raw.indexOf(":");
  const forced = colon > 0 ? KIND_PREFIXES[raw.slice(0, colon)] : undefined;
  const id = forced === undefined ? raw : raw.slice(colon + 1);
  if (!ID_RE.test(id)) {
    throw new QueryError(`not an id: ${JSON.stringify(text)}`);
  }
  if (forced !== undefined) return { id, kind: forced };
  return { id, kind: TRANSFER_RE.test(id) ? "transfer" : null };
}

export interface TransferParts {
  readonly type: "deposit" | "withdraw";
  readonly user_id: number;
  readonly asset_id: number;
  readonly ts_ms: number;
}

export function transferParts(event_id: string): TransferParts | null {
  const m = TRANSFER_RE.exec(event_id);
  if (m === null) return null;
  return {
    type: m[1] as "deposit" | "withdraw",
    user_id: Number(m[2]),
    asset_id: Number(m[3]),
    ts_ms: Number(m[4]),
  };
}

export function isTransferEventId(id: string): boolean {
  return TRANSFER_RE.test(id);
}

/** A byte string the scan looks for; a bounded one only as a whole JSON value. */
export interface Needle {
  readonly text: string;
  readonly bounded: boolean;
}

// A one- or two-character id occurs as a whole value too often (in counts,
// in small amounts) for the bare form, so its JSON forms are searched instead.
const BARE_MIN_CHARS = 3;

/**
 * What to look for so that every line carrying the id is found, whether the
 * id is written as a JSON string or number. The bare id is the fastest
 * needle: its first byte is rarer than a quote or a colon.
 */
export function needlesFor(id: string): Needle[] {
  if (id.length >= BARE_MIN_CHARS) return [{ text: id, bounded: true }];
  const quoted = { text: `"${id}"`, bounded: false };
  if (!/^\d+$/.test(id)) return [quoted];
  return [quoted, { text: `:${id},`, bounded: false }, { text: `:${id}}`, bounded: false }];
}

/** The id-field value as the text it is compared by; numbers and strings alike. */
export function idText(v: unknown): string | null {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "bigint") return String(v);
  return null;
}

/** Whether one of the line's id fields (all of them, or those given) holds one of the ids. */
export function mentions(
  fields: Readonly<Record<string, unknown>>,
  ids: ReadonlySet<string>,
  among: readonly IdField[] = ID_FIELDS,
): boolean {
  for (const f of among) {
    const v = idText(fields[f]);
    if (v !== null && ids.has(v)) return true;
  }
  return false;
}
