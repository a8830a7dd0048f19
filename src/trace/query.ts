// The id a trace starts from, and how a log line is recognised as being
// about an id: by the exact value of one of its id fields, never by a
// substring, so that order 12 does not pick up order 123.

import {
  EVENT_ID_CHARS_MAX,
  ID_FIELDS,
  type IdField,
  isTransferEventId,
  parseTransferEventId,
  type TransferEventParts,
} from "../core/mod.ts";
import type { SubjectKind } from "./types.ts";

export { ID_FIELDS, type IdField, isTransferEventId };

const KIND_PREFIXES: Readonly<Record<string, SubjectKind>> = {
  order: "order",
  trade: "trade",
  request: "request",
  transfer: "transfer",
};

// Ids are written into JSON unescaped; anything else cannot be one (a
// transfer's request id is %-escaped into its event id for that reason).
function isIdText(id: string): boolean {
  if (id.length === 0 || id.length > EVENT_ID_CHARS_MAX) return false;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    const plain =
      (c >= 48 && c <= 57) ||
      (c >= 65 && c <= 90) ||
      (c >= 97 && c <= 122) ||
      c === 95 || // _
      c === 46 || // .
      c === 58 || // :
      c === 64 || // @
      c === 47 || // /
      c === 43 || // +
      c === 45 || // -
      c === 37; // %
    if (!plain) return false;
  }
  return true;
}

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
  if (!isIdText(id)) {
    throw new QueryError(`not an id: ${JSON.stringify(text)}`);
  }
  if (forced !== undefined) return { id, kind: forced };
  return { id, kind: isTransferEventId(id) ? "transfer" : null };
}

/** The parts of a deposit or withdrawal event id (src/core/event-ids.ts); null for other ids. */
export function transferParts(event_id: string): TransferEventParts | null {
  return parseTransferEventId(event_id);
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
  if (!isDigits(id)) return [quoted];
  return [quoted, { text: `:${id},`, bounded: false }, { text: `:${id}}`, bounded: false }];
}

function isDigits(id: string): boolean {
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return id.length > 0;
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
