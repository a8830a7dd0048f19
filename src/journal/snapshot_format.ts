// A snapshot file is a fixed header followed by the payload:
//
//   0   8  magic "BOURSESN"
//   8   1  format version (1)
//   9   7  reserved, zero
//  16   8  seq, u64 LE: the journal position the state covers (records 1..seq applied)
//  24   8  payload length, u64 LE
//  32  32  SHA-256 of the payload
//  64   4  CRC-32 of bytes 0..64
//  68   4  reserved, zero
//
// SHA-256 rather than CRC-32 for the payload: snapshots are large and rare, so a
// 32-bit check would be the weak point while the cost of a strong one is small.

import { createHash } from "node:crypto";
import { crc32Range } from "./crc32.ts";

export const SNAPSHOT_MAGIC = Buffer.from("BOURSESN", "latin1");
export const SNAPSHOT_FORMAT_VERSION = 1;
export const SNAPSHOT_HEADER_BYTES = 72;

const NAME_PATTERN = /^snapshot-(\d{20})\.snap$/;

export function snapshotFileName(seq: number): string {
  return `snapshot-${String(seq).padStart(20, "0")}.snap`;
}

export function parseSnapshotFileName(name: string): number | null {
  const m = NAME_PATTERN.exec(name);
  if (m === null) return null;
  const seq = Number(m[1]);
  return Number.isSafeInteger(seq) ? seq : null;
}

/** The SHA-256 hashing of a snapshot runs this many bytes per event-loop turn. */
export const SNAPSHOT_DIGEST_SLICE_BYTES = 1 << 20;

/**
 * SHA-256 of a payload, a slice per event-loop turn: hashing a snapshot of
 * many megabytes at once would stop the engine's thread as long as the pause
 * the snapshot itself is kept under.
 */
export async function snapshotDigest(payload: Uint8Array): Promise<Buffer> {
  const h = createHash("sha256");
  for (let at = 0; at < payload.length; at += SNAPSHOT_DIGEST_SLICE_BYTES) {
    h.update(payload.subarray(at, at + SNAPSHOT_DIGEST_SLICE_BYTES));
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return h.digest();
}

export function encodeSnapshotHeader(seq: number, payload_bytes: number, digest: Buffer): Buffer {
  const h = Buffer.alloc(SNAPSHOT_HEADER_BYTES);
  SNAPSHOT_MAGIC.copy(h, 0);
  h[8] = SNAPSHOT_FORMAT_VERSION;
  h.writeBigUInt64LE(BigInt(seq), 16);
  h.writeBigUInt64LE(BigInt(payload_bytes), 24);
  digest.copy(h, 32);
  h.writeUInt32LE(crc32Range(h, 0, 64), 64);
  return h;
}

/** Why file bytes are not a valid snapshot of seq, or null if they are. */
export function snapshotProblem(file: Buffer, seq: number): string | null {
  if (file.length < SNAPSHOT_HEADER_BYTES) {
    return `file is ${file.length} bytes, shorter than the ${SNAPSHOT_HEADER_BYTES}-byte header`;
  }
  if (!file.subarray(0, 8).equals(SNAPSHOT_MAGIC)) return "not a snapshot file (bad magic)";
  if (file.readUInt32LE(64) !== crc32Range(file, 0, 64)) return "header checksum mismatch";
  const version = file[8]!;
  if (version !== SNAPSHOT_FORMAT_VERSION) return `unsupported snapshot format version ${version}`;
  const declaredSeq = file.readBigUInt64LE(16);
  if (declaredSeq !== BigInt(seq)) {
    return `header says seq ${declaredSeq} but the file name says ${seq}`;
  }
  const declaredLen = file.readBigUInt64LE(24);
  const actualLen = BigInt(file.length - SNAPSHOT_HEADER_BYTES);
  if (declaredLen !== actualLen) {
    return `header says ${declaredLen} payload bytes but the file holds ${actualLen}`;
  }
  const digest = createHash("sha256").update(file.subarray(SNAPSHOT_HEADER_BYTES)).digest();
  if (!digest.equals(file.subarray(32, 64))) return "payload checksum (SHA-256) mismatch";
  return null;
}
