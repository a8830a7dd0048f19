// CRC-32 (IEEE 802.3, the polynomial zlib uses) over a byte range. zlib's
// native crc32 costs ~150 ns per call in fixed overhead, which dominates for the
// small records the command journal is made of; a slice-by-8 table in JS is
// about three times faster below a few hundred bytes. Both give identical values.

import { crc32 as zlibCrc32 } from "node:zlib";

/** Below this many bytes the JS table beats the native call. */
const NATIVE_FROM_BYTES = 256;

const TABLE = buildTable();

function buildTable(): Int32Array {
  const t = new Int32Array(256 * 8);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    for (let s = 1; s < 8; s++) {
      const prev = t[(s - 1) * 256 + n]!;
      t[s * 256 + n] = (prev >>> 8) ^ t[prev & 255]!;
    }
  }
  return t;
}

/** CRC-32 of bytes[start, end), as an unsigned 32-bit integer. */
export function crc32Range(bytes: Uint8Array, start: number, end: number): number {
  if (end - start >= NATIVE_FROM_BYTES) return zlibCrc32(bytes.subarray(start, end));
  const t = TABLE;
  let c = -1;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    const a =
      c ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
    c =
      t[1792 + (a & 255)]! ^
      t[1536 + ((a >>> 8) & 255)]! ^
      t[1280 + ((a >>> 16) & 255)]! ^
      t[1024 + (a >>> 24)]! ^
      t[768 + bytes[i + 4]!]! ^
      t[512 + bytes[i + 5]!]! ^
      t[256 + bytes[i + 6]!]! ^
      t[bytes[i + 7]!]!;
  }
  for (; i < end; i++) c = t[(c ^ bytes[i]!) & 255]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
