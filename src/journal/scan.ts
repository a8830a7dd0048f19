// Validation of one segment file at open. Every record is checked. A bad
// record is a torn tail only when it sits in the last segment and nothing but
// the unfinished write can follow it; anything else is corruption and throws.

import fs from "node:fs";
import { Segment } from "./catalog.ts";
import { JournalCorruptError } from "./errors.ts";
import { closeFd, openFd, readFully } from "./io.ts";
import {
  RECORD_HEAD_BYTES,
  RECORD_OVERHEAD_BYTES,
  recordPayloadLength,
  recordProblem,
} from "./record_format.ts";
import { SEGMENT_HEADER_BYTES, segmentHeaderProblem } from "./segment_format.ts";

const SCAN_CHUNK_BYTES = 4 * 1024 * 1024;

export interface TornTail {
  file: string;
  /** Where the file is cut: the start of the first incomplete record (0 for a torn header). */
  offset: number;
  truncated_bytes: number;
  reason: string;
}

export interface ScanResult {
  segment: Segment;
  /** Only ever set for the last segment. offset 0 means the header itself was never completed. */
  torn: TornTail | null;
}

export interface ScanOptions {
  is_last: boolean;
  /** Operator repair: any bad record in the last segment ends it, whatever follows. */
  repair_tail: boolean;
}

export async function scanSegment(
  path: string,
  firstSeq: number,
  opts: ScanOptions,
): Promise<ScanResult> {
  const fd = await openFd(path, "r");
  try {
    return await scanOpen(fd, path, firstSeq, opts);
  } finally {
    await closeFd(fd);
  }
}

async function scanOpen(
  fd: number,
  path: string,
  firstSeq: number,
  opts: ScanOptions,
): Promise<ScanResult> {
  const size = fs.fstatSync(fd).size;
  const segment = new Segment(firstSeq, path, true);

  const tornOrCorrupt = async (offset: number, reason: string, claimedEnd: number) => {
    if (!opts.is_last) throw new JournalCorruptError(path, offset, reason);
    const tail = claimedEnd >= size || opts.repair_tail || (await zerosFrom(fd, offset, size));
    if (!tail) {
      throw new JournalCorruptError(
        path,
        offset,
        `${reason}; ${size - claimedEnd} more bytes follow it, so it is not a torn tail`,
      );
    }
    return { segment, torn: { file: path, offset, truncated_bytes: size - offset, reason } };
  };

  if (size < SEGMENT_HEADER_BYTES) {
    return tornOrCorrupt(0, `segment header incomplete (${size} bytes)`, Infinity);
  }
  const header = Buffer.alloc(SEGMENT_HEADER_BYTES);
  await readFully(fd, header, 0, SEGMENT_HEADER_BYTES, 0);
  const headerProblem = segmentHeaderProblem(header, firstSeq);
  if (headerProblem !== null) {
    // A header that was allocated but never written reads as zeros; only that is a torn header.
    if (opts.is_last && isZero(header, 0, header.length) && (await zerosFrom(fd, 0, size))) {
      return tornOrCorrupt(0, "segment header never written (zeros)", size);
    }
    throw new JournalCorruptError(path, 0, headerProblem);
  }

  let buf = Buffer.allocUnsafe(SCAN_CHUNK_BYTES);
  let bufStart = 0;
  let bufLen = 0;
  const ensure = async (pos: number, n: number): Promise<void> => {
    if (pos >= bufStart && pos + n <= bufStart + bufLen) return;
    const want = Math.min(Math.max(SCAN_CHUNK_BYTES, n), size - pos);
    if (buf.length < want) buf = Buffer.allocUnsafe(want);
    bufStart = pos;
    bufLen = await readFully(fd, buf, 0, want, pos);
    if (bufLen < n) throw new JournalCorruptError(path, pos, "file shrank while being scanned");
  };

  let pos = SEGMENT_HEADER_BYTES;
  while (pos < size) {
    if (size - pos < RECORD_HEAD_BYTES) {
      return tornOrCorrupt(pos, `incomplete record header (${size - pos} bytes)`, Infinity);
    }
    await ensure(pos, RECORD_HEAD_BYTES);
    const len = recordPayloadLength(buf, pos - bufStart);
    const claimedEnd = pos + RECORD_OVERHEAD_BYTES + len;
    if (claimedEnd > size) {
      return tornOrCorrupt(
        pos,
        `record claims ${len} payload bytes, past the end of the file at ${size}`,
        claimedEnd,
      );
    }
    await ensure(pos, RECORD_OVERHEAD_BYTES + len);
    const problem = recordProblem(buf, pos - bufStart, len);
    if (problem !== null) return tornOrCorrupt(pos, problem, claimedEnd);
    segment.addRecord(RECORD_OVERHEAD_BYTES + len);
    pos = claimedEnd;
  }
  return { segment, torn: null };
}

function isZero(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] !== 0) return false;
  return true;
}

/**
 * Some filesystems expose a file's extended size with zero-filled blocks after
 * a crash, before the data reached the disk: an all-zero remainder is the
 * unfinished write, not damage.
 */
async function zerosFrom(fd: number, start: number, end: number): Promise<boolean> {
  const chunk = Buffer.allocUnsafe(Math.min(SCAN_CHUNK_BYTES, Math.max(end - start, 1)));
  for (let pos = start; pos < end; ) {
    const n = await readFully(fd, chunk, 0, Math.min(chunk.length, end - pos), pos);
    if (n === 0) return true;
    if (!isZero(chunk, 0, n)) return false;
    pos += n;
  }
  return true;
}
