// On-disk framing of one journal record:
//   u32 LE payload length | u8 record version | payload | u32 LE CRC-32
// The CRC covers length, version and payload, so a damaged length field is
// caught by the checksum rather than trusted.

import { crc32Range } from "./crc32.ts";

export const RECORD_VERSION = 1;
export const RECORD_HEAD_BYTES = 5;
export const RECORD_CRC_BYTES = 4;
export const RECORD_OVERHEAD_BYTES = RECORD_HEAD_BYTES + RECORD_CRC_BYTES;
/** The length field is a u32. */
export const RECORD_PAYLOAD_BYTES_LIMIT = 0xffff_ffff;

/** Frames payload into buf at off; buf must have room. Returns the end offset. */
export function encodeRecord(buf: Buffer, off: number, payload: Uint8Array): number {
  const len = payload.length;
  buf.writeUInt32LE(len, off);
  buf[off + 4] = RECORD_VERSION;
  const body = off + RECORD_HEAD_BYTES;
  if (len <= 32) {
    // A typed-array copy has fixed overhead that loses to a loop for tiny payloads.
    for (let i = 0; i < len; i++) buf[body + i] = payload[i]!;
  } else {
    buf.set(payload, body);
  }
  const end = body + len;
  buf.writeUInt32LE(crc32Range(buf, off, end), end);
  return end + RECORD_CRC_BYTES;
}

export function recordPayloadLength(buf: Buffer, off: number): number {
  return buf.readUInt32LE(off);
}

/** Total framed size of a record whose payload is payloadLen bytes. */
export function recordBytes(payloadLen: number): number {
  return payloadLen + RECORD_OVERHEAD_BYTES;
}

/**
 * Why the complete record at buf[off, off + recordBytes(len)) is invalid, or
 * null if it is valid. The caller has already checked the bytes are present.
 */
export function recordProblem(buf: Buffer, off: number, payloadLen: number): string | null {
  const version = buf[off + 4]!;
  const end = off + RECORD_HEAD_BYTES + payloadLen;
  const stored = buf.readUInt32LE(end);
  const actual = crc32Range(buf, off, end);
  if (stored !== actual) {
    return `record checksum mismatch (stored ${hex(stored)}, computed ${hex(actual)}, claimed payload length ${payloadLen})`;
  }
  if (version !== RECORD_VERSION) return `unsupported record version ${version}`;
  return null;
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, "0")}`;
}
