// How a message (id, headers, payload) is laid out in a local log record.

import { Reader, type Writer } from "../core/mod.ts";
import type { Headers } from "./types.ts";

const VERSION = 1;

export function encodeEnvelope(
  w: Writer,
  id: string,
  headers: Headers | undefined,
  payload: Uint8Array,
): Uint8Array {
  w.reset();
  w.u8(VERSION);
  w.str(id);
  const keys = headers === undefined ? [] : Object.keys(headers);
  w.u8(keys.length);
  for (const k of keys) {
    w.str(k);
    w.str((headers as Headers)[k] as string);
  }
  w.raw(payload);
  return w.view();
}

export function decodeEnvelope(bytes: Uint8Array): {
  id: string;
  headers: Headers;
  payload: Uint8Array;
} {
  const r = new Reader(bytes);
  const v = r.u8();
  if (v !== VERSION) throw new RangeError(`unsupported envelope version ${v}`);
  const id = r.str();
  const n = r.u8();
  const headers: Headers = {};
  for (let i = 0; i < n; i++) {
    const k = r.str();
    headers[k] = r.str();
  }
  return { id, headers, payload: bytes.subarray(r.pos) };
}
