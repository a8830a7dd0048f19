// Canonical little-endian byte layouts. The same bytes are hashed into the
// output chains, written to journals and carried on the event log, so two
// processes that agree on the inputs agree byte for byte on the outputs.
// Integers are safe JS integers written as 8 bytes (low word, high word).

import { InvariantError } from "./errors.ts";

const TWO_32 = 4294967296;
const MAX_STR_BYTES = 65535;

export class Writer {
  buf: Buffer;
  pos = 0;

  constructor(size_bytes = 4096) {
    this.buf = Buffer.allocUnsafe(size_bytes);
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
  }

  u8(v: number): void {
    if (this.pos + 1 > this.buf.length) this.grow(1);
    this.buf[this.pos++] = v;
  }

  u16(v: number): void {
    if (this.pos + 2 > this.buf.length) this.grow(2);
    this.buf.writeUInt16LE(v, this.pos);
    this.pos += 2;
  }

  u32(v: number): void {
    if (this.pos + 4 > this.buf.length) this.grow(4);
    this.buf.writeUInt32LE(v, this.pos);
    this.pos += 4;
  }

  /** A safe integer (either sign) as a two's-complement 64-bit value. */
  int(v: number): void {
    if (this.pos + 8 > this.buf.length) this.grow(8);
    const hi = Math.floor(v / TWO_32);
    const lo = v - hi * TWO_32;
    this.buf.writeUInt32LE(lo, this.pos);
    this.buf.writeInt32LE(hi, this.pos + 4);
    this.pos += 8;
  }

  u64(v: bigint): void {
    if (this.pos + 8 > this.buf.length) this.grow(8);
    this.buf.writeBigUInt64LE(v, this.pos);
    this.pos += 8;
  }

  bool(v: boolean): void {
    this.u8(v ? 1 : 0);
  }

  str(s: string): void {
    // Length is back-filled: measuring UTF-8 first would walk the string twice.
    const max = s.length * 3;
    if (this.pos + 2 + max > this.buf.length) this.grow(2 + max);
    const n = this.buf.write(s, this.pos + 2, "utf8");
    if (n > MAX_STR_BYTES) throw new RangeError("string longer than 65535 bytes");
    this.buf.writeUInt16LE(n, this.pos);
    this.pos += 2 + n;
  }

  raw(bytes: Uint8Array): void {
    if (this.pos + bytes.length > this.buf.length) this.grow(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
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
  pos: number;
  readonly end: number;

  constructor(bytes: Uint8Array, pos = 0, end = bytes.length) {
    this.buf = Buffer.isBuffer(bytes)
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
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
    const v = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  int(): number {
    this.need(8);
    const lo = this.buf.readUInt32LE(this.pos);
    const hi = this.buf.readInt32LE(this.pos + 4);
    this.pos += 8;
    const v = hi * TWO_32 + lo;
    if (!Number.isSafeInteger(v))
      throw new InvariantError(`decode: integer out of range at ${this.pos - 8}`);
    return v;
  }

  u64(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64LE(this.pos);
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
    const s = this.buf.toString("utf8", this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  done(): boolean {
    return this.pos >= this.end;
  }
}
