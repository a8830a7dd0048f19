// The unit in which the core's outputs travel downstream: several sealed
// CoreOutput encodings (exactly the bytes writeCoreOutput hashed) back to
// back, each with its length. The sequencer encodes each output once, when it
// hashes it; every consumer (settlement, market data, the gateways) receives
// these bytes, checks them against the chain and decodes what it needs. A
// batch is what one message of the event log, or one hand-off to a worker
// thread, carries.
//
// Layout (little-endian):
//   u8  version (OUTPUT_BATCH_VERSION)
//   u32 count
//   f64 first output_seq (a safe integer, as everywhere in the wire format)
//   count x { u32 length, length bytes of a sealed CoreOutput }

import { Reader, Writer } from "./codec.ts";
import { InvariantError } from "./errors.ts";

export const OUTPUT_BATCH_VERSION = 1;
const HEADER_BYTES = 1 + 4 + 8;
/** A bound on what one batch may claim to hold, checked before trusting its count. */
export const OUTPUT_BATCH_COUNT_MAX = 1 << 20;

/** Appends sealed outputs into one reused buffer; take() hands out a copy. */
export class OutputBatchWriter {
  private readonly w: Writer;
  private count = 0;
  private first_seq = 0;

  constructor(size_bytes = 256 * 1024) {
    this.w = new Writer(size_bytes);
    this.clear();
  }

  private clear(): void {
    this.w.reset();
    this.w.u8(OUTPUT_BATCH_VERSION);
    this.w.u32(0);
    this.w.int(0);
    this.count = 0;
    this.first_seq = 0;
  }

  /** Append one sealed output; output_seq must follow the previous one's. */
  push(output_seq: number, sealed: Uint8Array): void {
    if (this.count === 0) this.first_seq = output_seq;
    else if (output_seq !== this.first_seq + this.count) {
      throw new InvariantError(
        `output batch: seq ${output_seq} does not follow ${this.first_seq + this.count - 1}`,
      );
    }
    this.w.u32(sealed.length);
    this.w.raw(sealed);
    this.count++;
  }

  get size(): number {
    return this.count;
  }

  get byteLength(): number {
    return this.w.pos;
  }

  /** The batch's bytes (a copy) and an empty writer; null when nothing was pushed. */
  take(): Uint8Array | null {
    if (this.count === 0) return null;
    this.w.buf.writeUInt32LE(this.count, 1);
    this.w.buf.writeDoubleLE(this.first_seq, 5);
    const out = this.w.copy();
    this.clear();
    return out;
  }
}

export interface OutputBatchView {
  first_seq: number;
  count: number;
  /** Sealed CoreOutput encodings, in seq order; views into the batch's bytes. */
  outputs: Uint8Array[];
}

/** Split a batch into its sealed outputs (no copy, no decoding of the outputs). */
export function readOutputBatch(bytes: Uint8Array): OutputBatchView {
  if (bytes.length < HEADER_BYTES) throw new InvariantError("output batch: truncated header");
  const r = new Reader(bytes);
  const v = r.u8();
  if (v !== OUTPUT_BATCH_VERSION) throw new InvariantError(`output batch: version ${v}`);
  const count = r.u32();
  const first_seq = r.int();
  if (count > OUTPUT_BATCH_COUNT_MAX) throw new InvariantError(`output batch: count ${count}`);
  const outputs: Uint8Array[] = new Array(count);
  let pos = HEADER_BYTES;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < count; i++) {
    if (pos + 4 > bytes.length) throw new InvariantError("output batch: truncated length");
    const len = dv.getUint32(pos, true);
    pos += 4;
    if (pos + len > bytes.length) throw new InvariantError("output batch: truncated output");
    outputs[i] = bytes.subarray(pos, pos + len);
    pos += len;
  }
  if (pos !== bytes.length) throw new InvariantError("output batch: trailing bytes");
  return { first_seq, count, outputs };
}
