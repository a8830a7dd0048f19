// The ids that follow one business event through every service's logs, the
// event log's headers and the settlement database: built here and parsed back
// here, nowhere else.
//
// Orders and trades are named by their own ids. A deposit or withdrawal keeps
// the seed's shape `{type}_{user}_{asset}_{ts}` with the client's request id
// appended: `deposit_1001_2_1782907200000_dep-42`. The request id is the
// transfer's own identity (its idempotency key, the primary key of the
// `transfers` table), so two transfers never share an event id even when they
// are of one user and asset in the same millisecond, whichever gateway took
// them. It is in the command from the start, journaled with it, so the
// gateway's first line already carries the final id and a replay names every
// event as before; a sequence number would only exist once the command is
// sequenced, after the gateway's first line. A retry (same request id) made
// in the same millisecond as the attempt before it shares that attempt's id;
// its lines say `duplicate: true`.
//
// Characters of the request id outside [A-Za-z0-9._:@+/-] are written as
// %XX (UTF-8 bytes), so the id stays a plain token in JSON, shells and URLs,
// and distinct request ids stay distinct.

import { CommandKind } from "./enums.ts";
import type { TransferCmd } from "./types.ts";

export type TransferType = "deposit" | "withdraw";

export interface TransferEventParts {
  readonly type: TransferType;
  readonly user_id: number;
  readonly asset_id: number;
  readonly ts_ms: number;
  /** The client's request id; null in ids written before it was part of them. */
  readonly request_id: string | null;
}

/** An id is at most this long, however long its request id; longer text is no event id. */
export const EVENT_ID_CHARS_MAX = 4096;

function isPlain(c: number): boolean {
  return (
    (c >= 48 && c <= 57) || // 0-9
    (c >= 65 && c <= 90) || // A-Z
    (c >= 97 && c <= 122) || // a-z
    c === 45 || // -
    c === 46 || // .
    c === 95 || // _
    c === 58 || // :
    c === 64 || // @
    c === 43 || // +
    c === 47 // /
  );
}

function encodeSuffix(request_id: string): string {
  let plain = true;
  for (let i = 0; i < request_id.length; i++) {
    if (!isPlain(request_id.charCodeAt(i))) {
      plain = false;
      break;
    }
  }
  if (plain) return request_id;
  let out = "";
  for (const byte of Buffer.from(request_id, "utf8")) {
    out += isPlain(byte)
      ? String.fromCharCode(byte)
      : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

function decodeSuffix(text: string): string | null {
  if (text.indexOf("%") < 0) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

export function transferTypeOf(kind: TransferCmd["kind"]): TransferType {
  return kind === CommandKind.Deposit ? "deposit" : "withdraw";
}

export function transferEventId(
  type: TransferType,
  user_id: number,
  asset_id: number,
  ts_ms: number,
  request_id: string,
): string {
  if (request_id === "") throw new RangeError("transfer event id: empty request id");
  return `${type}_${user_id}_${asset_id}_${ts_ms}_${encodeSuffix(request_id)}`;
}

/** The event id of a deposit or withdrawal command. */
export function transferEventIdOf(cmd: TransferCmd): string {
  return transferEventId(
    transferTypeOf(cmd.kind),
    cmd.user_id,
    cmd.asset_id,
    cmd.ts_ms,
    cmd.request_id,
  );
}

/** Index after a run of digits starting at `from` (at least one), or -1. */
function digitsEnd(text: string, from: number): number {
  let i = from;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) break;
    i++;
  }
  return i > from && i - from <= 16 ? i : -1;
}

/** The parts of a deposit or withdrawal event id; null for anything else. */
export function parseTransferEventId(id: string): TransferEventParts | null {
  if (id.length > EVENT_ID_CHARS_MAX) return null;
  let type: TransferType;
  let at: number;
  if (id.startsWith("deposit_")) {
    type = "deposit";
    at = 8;
  } else if (id.startsWith("withdraw_")) {
    type = "withdraw";
    at = 9;
  } else {
    return null;
  }
  const numbers: number[] = [];
  for (let n = 0; n < 3; n++) {
    const end = digitsEnd(id, at);
    if (end < 0) return null;
    numbers.push(Number(id.slice(at, end)));
    if (end === id.length && n === 2) {
      // The seed's four-part form, without a request id.
      return {
        type,
        user_id: numbers[0]!,
        asset_id: numbers[1]!,
        ts_ms: numbers[2]!,
        request_id: null,
      };
    }
    if (id.charCodeAt(end) !== 95) return null;
    at = end + 1;
  }
  if (at >= id.length) return null;
  for (let i = at; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if (!isPlain(c) && c !== 37) return null;
  }
  const request_id = decodeSuffix(id.slice(at));
  if (request_id === null || request_id === "") return null;
  return { type, user_id: numbers[0]!, asset_id: numbers[1]!, ts_ms: numbers[2]!, request_id };
}

export function isTransferEventId(id: string): boolean {
  return parseTransferEventId(id) !== null;
}

/** An order's event id: its number. */
export function orderEventId(order_id: number): string {
  return String(order_id);
}

/** A trade's event id: its number. */
export function tradeEventId(trade_id: number): string {
  return String(trade_id);
}

/**
 * The event id of an order or cancel refused before it had an order id: the
 * gateway's request id, which the command carries as its correlation id.
 */
export function requestEventId(corr: string | undefined): string {
  return corr ?? "none";
}
