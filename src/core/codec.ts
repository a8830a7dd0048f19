// Canonical little-endian byte layouts. The same bytes are hashed into the
// output chains, written to journals and carried on the event log, so two
// processes that agree on the inputs agree byte for byte on the outputs.
//
// Integers (ids, units, ticks, lots) are safe JS integers written as IEEE-754
// binary64: every integer below 2^53 has exactly one such encoding, and it is
// a single machine store instead of two 32-bit halves. Readers reject any
// value that is not a safe integer.

import { InvariantError } from "./errors.ts";

const MAX_STR_BYTES = 65535;

/** Writer.prefixCovering's views cover multiples of this many bytes. */
const COVER_STEP = 256;

export class Writer {
  buf: Buffer;
  private dv: DataView;
  pos = 0;
  /** prefixCovering's views, by multiple of COVER_STEP. */
  private readonly cover_views: (Uint8Array | undefined)[] = [];

  constructor(size_bytes = 4096) {
    this.buf = Buffer.allocUnsafe(size_bytes);
    this.dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  reset(): void {
    this.pos = 0;
  }

  private grow(need: number): void {
    let size = this.buf.length * 2;
    while (size < this.pos + need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
    this.dv = new DataView(next.buffer, next.byteOffset, next.byteLength);
    this.cover_views.length = 0;
  }

  u8(v: number): void {
    if (this.pos + 1 > this.buf.length) this.grow(1);
    this.buf[this.pos++] = v;
  }

  u16(v: number): void {
    if (this.pos + 2 > this.buf.length) this.grow(2);
    this.dv.setUint16(this.pos, v, true);
    this.pos += 2;
  }

  u32(v: number): void {
    if (this.pos + 4 > this.buf.length) this.grow(4);
    this.dv.setUint32(this.pos, v, true);
    this.pos += 4;
  }

  /** A safe integer of either sign. */
  int(v: number): void {
    if (this.pos + 8 > this.buf.length) this.grow(8);
    // + 0 turns -0 into 0, so zero has one encoding.
    this.dv.setFloat64(this.pos, v + 0, true);
    this.pos += 8;
  }

  /** A 64-bit value held as 32-bit halves, low at `at`: as u64 writes it. */
  u64Halves(halves: Uint32Array, at: number): void {
    if (this.pos + 8 > this.buf.length) this.grow(8);
    this.dv.setUint32(this.pos, halves[at] as number, true);
    this.dv.setUint32(this.pos + 4, halves[at + 1] as number, true);
    this.pos += 8;
  }

  u64(v: bigint): void {
    if (this.pos + 8 > this.buf.length) this.grow(8);
    this.dv.setBigUint64(this.pos, v, true);
    this.pos += 8;
  }

  bool(v: boolean): void {
    this.u8(v ? 1 : 0);
  }

  /** UTF-8 with a 16-bit length. Ids are ASCII, so that case skips the native encoder. */
  str(s: string): void {
    const n = s.length;
    if (this.pos + 2 + n * 3 > this.buf.length) this.grow(2 + n * 3);
    const buf = this.buf;
    const at = this.pos + 2;
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      buf[at + i] = c;
    }
    const bytes = i === n ? n : buf.write(s, at, "utf8");
    if (bytes > MAX_STR_BYTES) throw new RangeError("string longer than 65535 bytes");
    this.dv.setUint16(this.pos, bytes, true);
    this.pos = at + bytes;
  }

  raw(bytes: Uint8Array): void {
    if (this.pos + bytes.length > this.buf.length) this.grow(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /**
   * Append what `other` holds. A native copy from one of `other`'s kept
   * covering views (Buffer.copy of part of a buffer would allocate a view
   * each time): up to COVER_STEP − 1 bytes past the end are copied too and
   * lie past this writer's end, where the next write overwrites them. A few
   * bytes are copied a 32-bit integer at a time, cheaper than the call.
   * Integers, not doubles, so that no bit pattern is normalised.
   */
  append(other: Writer): void {
    const n = other.pos;
    const at = this.pos;
    if (n > 16) {
      const src = other.prefixCovering(n);
      if (at + src.length > this.buf.length) this.grow(src.length);
      this.buf.set(src, at);
    } else {
      if (at + n > this.buf.length) this.grow(n);
      const from = other.dv;
      const to = this.dv;
      let i = 0;
      for (; i + 4 <= n; i += 4) to.setUint32(at + i, from.getUint32(i, true), true);
      for (; i < n; i++) this.buf[at + i] = other.buf[i] as number;
    }
    this.pos = at + n;
  }

  /**
   * A view of at least the first `length` bytes, for readers told the length
   * apart (the hash, append): the length rounded up to a multiple of
   * COVER_STEP, at most the buffer, made once and kept until the buffer
   * grows (Buffer.subarray would allocate a view for every output). A few
   * dozen views: one per length made thousands, each a likely cache miss
   * when the next output asked for it.
   */
  prefixCovering(length: number): Uint8Array {
    const k = Math.max(1, Math.ceil(length / COVER_STEP));
    let v = this.cover_views[k];
    if (v === undefined) {
      const n = Math.min(this.buf.length, k * COVER_STEP);
      v = new Uint8Array(this.buf.buffer, this.buf.byteOffset, n);
      this.cover_views[k] = v;
    }
    return v;
  }

  /** A view of what was written; valid until the next write or reset. */
  view(from = 0): Buffer {
    return this.buf.subarray(from, this.pos);
  }

  /** A copy of what was written. */
  copy(from = 0): Buffer {
    return Buffer.from(this.buf.subarray(from, this.pos));
  }
}

export class Reader {
  readonly buf: Buffer;
  private readonly dv: DataView;
  pos: number;
  readonly end: number;

  constructor(bytes: Uint8Array, pos = 0, end = bytes.length) {
    this.buf = Buffer.isBuffer(bytes)
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.pos = pos;
    this.end = end;
  }

  private need(n: number): void {
    if (this.pos + n > this.end) {
      throw new InvariantError(
        `decode: need ${n} bytes at ${this.pos}, have ${this.end - this.pos}`,
      );
    }
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++] as number;
  }

  u16(): number {
    this.need(2);
    const v = this.dv.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.dv.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  int(): number {
    this.need(8);
    const v = this.dv.getFloat64(this.pos, true);
    if (!Number.isSafeInteger(v) || Object.is(v, -0)) {
      throw new InvariantError(`decode: not a safe integer at ${this.pos}`);
    }
    this.pos += 8;
    return v;
  }

  u64(): bigint {
    this.need(8);
    const v = this.dv.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }

  bool(): boolean {
    const v = this.u8();
    if (v > 1) throw new InvariantError(`decode: bad boolean ${v} at ${this.pos - 1}`);
    return v === 1;
  }

  str(): string {
    const n = this.u16();
    this.need(n);
    const buf = this.buf;
    const at = this.pos;
    this.pos += n;
    // Short ASCII ids decode faster in JS than through the native decoder.
    if (n <= 32) {
      let s = "";
      for (let i = 0; i < n; i++) {
        const c = buf[at + i] as number;
        if (c >= 0x80) return buf.toString("utf8", at, at + n);
        s += String.fromCharCode(c);
      }
      return s;
    }
    return buf.toString("utf8", at, at + n);
  }

  done(): boolean {
    return this.pos >= this.end;
  }
}
