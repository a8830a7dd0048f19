// A segment file is a fixed header followed by records. The header lets a
// foreign or misnamed file be rejected before any record is trusted, and
// repeats the first sequence number the file name already carries so a renamed
// file is caught.
//
//   0  8  magic "BOURSEJL"
//   8  1  format version (1)
//   9  7  reserved, zero
//  16  8  first_seq, u64 LE
//  24  4  CRC-32 of bytes 0..24

import { join } from "node:path";
import { crc32Range } from "./crc32.ts";

export const SEGMENT_MAGIC = Buffer.from("BOURSEJL", "latin1");
export const SEGMENT_FORMAT_VERSION = 1;
export const SEGMENT_HEADER_BYTES = 28;

const NAME_PATTERN = /^(\d{20})\.seg$/;

export function segmentFileName(firstSeq: number): string {
  return `${String(firstSeq).padStart(20, "0")}.seg`;
}

export function segmentPath(dir: string, firstSeq: number): string {
  return join(dir, segmentFileName(firstSeq));
}

/** The first sequence number a segment file name declares, or null if the name is not a segment's. */
export function parseSegmentFileName(name: string): number | null {
  const m = NAME_PATTERN.exec(name);
  if (m === null) return null;
  const seq = Number(m[1]);
  return Number.isSafeInteger(seq) && seq >= 1 ? seq : null;
}

export function encodeSegmentHeader(firstSeq: number): Buffer {
  const h = Buffer.alloc(SEGMENT_HEADER_BYTES);
  SEGMENT_MAGIC.copy(h, 0);
  h[8] = SEGMENT_FORMAT_VERSION;
  h.writeBigUInt64LE(BigInt(firstSeq), 16);
  h.writeUInt32LE(crc32Range(h, 0, 24), 24);
  return h;
}

/** Why a full-length header is unacceptable for a file expected to start at firstSeq, or null. */
export function segmentHeaderProblem(h: Buffer, firstSeq: number): string | null {
  if (!h.subarray(0, 8).equals(SEGMENT_MAGIC)) return "not a journal segment (bad magic)";
  if (h.readUInt32LE(24) !== crc32Range(h, 0, 24)) return "segment header checksum mismatch";
  const version = h[8]!;
  if (version !== SEGMENT_FORMAT_VERSION) return `unsupported segment format version ${version}`;
  const declared = h.readBigUInt64LE(16);
  if (declared !== BigInt(firstSeq)) {
    return `segment header says first seq ${declared} but the file name says ${firstSeq}`;
  }
  return null;
}
