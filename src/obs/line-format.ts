// In the log worker: one ring record becomes one JSON line, written byte by
// byte into the output buffer, in the shape pino writes:
// {"level":"info","time":…,"service":"ubscore","event":"ORDER_ACCEPTED",…}.
// Keys, the service and marker names are encoded once and copied; numbers
// and ASCII strings are written directly; anything else goes through
// JSON.stringify. The values of id fields are handed to the index as they
// are written.

import { FIELD_NAMES, ID_FIELDS, isIdField, markerById } from "../core/mod.ts";
import { idHashOfBytes } from "./log-index.ts";
import {
  DEFINE_FLAG_ID,
  DYNAMIC_FIELD_BASE,
  FieldType,
  LEVEL_CODES,
  MSG_FIELD,
  RecordKind,
  type RecordView,
  type RingConsumer,
} from "./ring.ts";

/** Where the ids of each line go: the block of the index being built. */
export interface IdSink {
  /** An id's hash (log-index.ts idHash). */
  addId(hash: number): void;
  /** A line whose ids could not be read: its block is always scanned. */
  unfiltered(): void;
}

/** A line longer than this (in bytes) is written in a buffer of its own. */
export const LINE_BYTES_MAX = 64 * 1024;

const POW10 = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000];

const STATIC_ID = new Set<number>(ID_FIELDS.map((f) => FIELD_NAMES.indexOf(f)));

export class LineFormatter {
  out: Buffer;
  used = 0;
  readonly #service: string;
  readonly #heads: Buffer[];
  readonly #events: (Buffer | undefined)[] = [];
  readonly #keys: ({ key: Buffer; id: boolean } | undefined)[] = [];
  readonly #dynamic = new Map<number, { key: Buffer; id: boolean }>();
  readonly #msg = { key: Buffer.from(`,"msg":`, "latin1"), id: false };
  #last_time = Number.NaN;
  #time_digits = Buffer.alloc(0);

  constructor(service: string, out_bytes: number) {
    this.#service = service;
    this.out = Buffer.allocUnsafe(out_bytes);
    this.#heads = LEVEL_CODES.map((l) => Buffer.from(`{"level":"${l}","time":`, "latin1"));
  }

  /** Room left in the output buffer. */
  room(): number {
    return this.out.length - this.used;
  }

  /** Formats one record; false for records that make no line (definitions). */
  format(r: RecordView, ring: RingConsumer, sink: IdSink): boolean {
    switch (r.kind) {
      case RecordKind.Event:
        this.#event(r, ring, sink);
        return true;
      case RecordKind.Raw:
        this.#raw(r, ring, sink);
        return true;
      case RecordKind.Define:
        this.#define(r, ring);
        return false;
      default:
        return false;
    }
  }

  /** A whole line of text (a report the worker writes itself). */
  writeText(text: string): void {
    this.#ensure(text.length * 3 + 1);
    this.used += this.out.write(text, this.used, "utf8");
    if (this.out[this.used - 1] !== 10) this.out[this.used++] = 10;
  }

  #ensure(bytes: number): void {
    if (this.used + bytes <= this.out.length) return;
    // The caller flushes before it fills; a single oversize line grows the buffer.
    const next = Buffer.allocUnsafe(Math.max(this.out.length * 2, this.used + bytes));
    this.out.copy(next, 0, 0, this.used);
    this.out = next;
  }

  /** Prepared bytes (keys, heads): a loop for the shortest, a block copy for the rest. */
  #bytes(b: Buffer): void {
    const n = b.length;
    if (n <= 12) {
      const out = this.out;
      let at = this.used;
      for (let i = 0; i < n; i++) out[at++] = b[i] as number;
      this.used = at;
      return;
    }
    this.out.set(b, this.used);
    this.used += n;
  }

  /** The time of consecutive lines is mostly the same millisecond: its digits are reused. */
  #time(t: number): void {
    if (t !== this.#last_time) {
      this.#last_time = t;
      const start = this.used;
      this.#number(t);
      this.#time_digits = Buffer.from(this.out.subarray(start, this.used));
      return;
    }
    this.#bytes(this.#time_digits);
  }

  #eventHead(code: number): Buffer {
    let b = this.#events[code];
    if (b === undefined) {
      const name = markerById(code)?.name ?? `MARKER_${code}`;
      b = Buffer.from(
        `,"service":${JSON.stringify(this.#service)},"event":${JSON.stringify(name)}`,
      );
      this.#events[code] = b;
    }
    return b;
  }

  #key(field: number): { key: Buffer; id: boolean } {
    if (field === MSG_FIELD) return this.#msg;
    if (field >= DYNAMIC_FIELD_BASE) {
      // A name the worker never learnt (it cannot happen unless a record was cut): still a line.
      return this.#dynamic.get(field) ?? this.#unnamed(field);
    }
    let k = this.#keys[field];
    if (k === undefined) {
      k = {
        key: Buffer.from(`,${JSON.stringify(FIELD_NAMES[field] ?? `field_${field}`)}:`),
        id: STATIC_ID.has(field),
      };
      this.#keys[field] = k;
    }
    return k;
  }

  #unnamed(field: number): { key: Buffer; id: boolean } {
    const d = { key: Buffer.from(`,"field_${field}":`), id: false };
    this.#dynamic.set(field, d);
    return d;
  }

  #define(r: RecordView, ring: RingConsumer): void {
    const len = ring.i32[2 * r.body] as number;
    const flags = ring.i32[2 * r.body + 1] as number;
    const name = ring.text(r.body + 1, len);
    this.#dynamic.set(r.code, {
      key: Buffer.from(`,${JSON.stringify(name)}:`),
      id: (flags & DEFINE_FLAG_ID) !== 0 || isIdField(name),
    });
  }

  #raw(r: RecordView, ring: RingConsumer, sink: IdSink): void {
    const len = ring.i32[2 * r.body] as number;
    const text = ring.text(r.body + 1, len);
    this.writeText(text);
    // Lines from pino are rare (errors, notices): parsing them for their ids is affordable.
    try {
      const fields = JSON.parse(text) as Record<string, unknown>;
      for (const f of ID_FIELDS) {
        const v = fields[f];
        if (typeof v === "string" || typeof v === "number") {
          const s = Buffer.from(String(v));
          sink.addId(idHashOfBytes(s, 0, s.length));
        }
      }
    } catch {
      sink.unfiltered();
    }
  }

  #event(r: RecordView, ring: RingConsumer, sink: IdSink): void {
    // Fixed parts and numbers are short; strings ensure their own room.
    this.#ensure(1024);
    this.#bytes(this.#heads[r.level] ?? (this.#heads[3] as Buffer));
    this.#time(r.time_ms);
    this.#bytes(this.#eventHead(r.code));
    const { i32, f64 } = ring;
    let k = r.body;
    let last_h1 = -1;
    while (k < r.end) {
      const head = i32[2 * k] as number;
      const payload = i32[2 * k + 1] as number;
      const field = head & 0xffff;
      const type = head >>> 16;
      const { key, id } = this.#key(field);
      this.#ensure(key.length + 64);
      this.#bytes(key);
      const start = this.used;
      let hashed_from = start;
      let hashed_to = -1;
      switch (type) {
        case FieldType.Int32:
          this.#number(payload);
          hashed_to = this.used;
          k += 1;
          break;
        case FieldType.IdText32:
          this.out[this.used++] = 34;
          this.#number(payload);
          hashed_from = start + 1;
          hashed_to = this.used;
          this.out[this.used++] = 34;
          k += 1;
          break;
        case FieldType.Int:
        case FieldType.Num:
          this.#number(f64[k + 1] as number);
          hashed_to = this.used;
          k += 2;
          break;
        case FieldType.IdText:
          this.out[this.used++] = 34;
          this.#number(f64[k + 1] as number);
          hashed_from = start + 1;
          hashed_to = this.used;
          this.out[this.used++] = 34;
          k += 2;
          break;
        case FieldType.Str: {
          const ascii = this.#string(ring, k + 1, payload);
          if (ascii) {
            hashed_from = start + 1;
            hashed_to = this.used - 1;
          } else if (id) {
            const s = Buffer.from(ring.text(k + 1, payload));
            sink.addId(idHashOfBytes(s, 0, s.length));
          }
          k += 1 + Math.ceil(payload / 4);
          break;
        }
        case FieldType.Json: {
          const text = ring.text(k + 1, payload);
          this.#ensure(text.length * 3);
          this.used += this.out.write(text, this.used, "utf8");
          hashed_to = this.used;
          k += 1 + Math.ceil(payload / 4);
          break;
        }
        case FieldType.Bool:
          this.#ascii(payload === 1 ? "true" : "false");
          k += 1;
          break;
        default:
          this.#ascii("null");
          k += 1;
          break;
      }
      if (id && hashed_to > hashed_from) {
        const h = idHashOfBytes(this.out, hashed_from, hashed_to);
        // event_id repeats order_id on most lines: one entry is enough.
        if (h !== last_h1) sink.addId(h);
        last_h1 = h;
      }
    }
    this.out[this.used++] = 125;
    this.out[this.used++] = 10;
  }

  #ascii(s: string): void {
    for (let i = 0; i < s.length; i++) this.out[this.used++] = s.charCodeAt(i);
  }

  /**
   * A JSON number: integers digit by digit in 32-bit arithmetic (a double's
   * modulo is a slow library call), other values as JavaScript prints them.
   */
  #number(v: number): void {
    if (!Number.isSafeInteger(v)) {
      this.#ascii(Number.isFinite(v) ? String(v) : "null");
      return;
    }
    let n = v;
    if (n < 0) {
      this.out[this.used++] = 45;
      n = -n;
    }
    if (n < 1e9) {
      this.#small(n, 0);
      return;
    }
    // Below 2^53: at most 16 digits, as a high part and nine low digits.
    const hi = Math.floor(n / 1e9);
    this.#small(hi, 0);
    this.#small(n - hi * 1e9, 9);
  }

  /** n < 1e9 in decimal, left-padded with zeros to `width` digits. */
  #small(n: number, width: number): void {
    let x = n | 0;
    let digits = 1;
    while (digits < 9 && x >= POW10[digits]!) digits++;
    if (digits < width) digits = width;
    const out = this.out;
    let at = this.used + digits;
    this.used = at;
    for (let i = 0; i < digits; i++) {
      const q = (x / 10) | 0;
      out[--at] = 48 + x - q * 10;
      x = q;
    }
  }

  /**
   * A JSON string from `len` UTF-16 units at slot k. Printable ASCII without
   * quotes or backslashes is copied unit by unit; otherwise the whole string
   * is escaped by JSON.stringify. Returns whether the fast path was taken.
   */
  #string(ring: RingConsumer, k: number, len: number): boolean {
    this.#ensure(len + 2);
    const out = this.out;
    const u16 = ring.u16;
    const base = k * 4;
    const start = this.used;
    let at = start;
    out[at++] = 34;
    for (let i = 0; i < len; i++) {
      const c = u16[base + i] as number;
      if (c < 0x20 || c > 0x7e || c === 34 || c === 92) {
        const text = JSON.stringify(ring.text(k, len));
        this.#ensure(text.length * 3);
        this.used = start + this.out.write(text, start, "utf8");
        return false;
      }
      out[at++] = c;
    }
    out[at++] = 34;
    this.used = at;
    return true;
  }
}
