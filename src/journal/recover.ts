// Rebuilds the catalog from the directory at open: lists segment files by
// name, validates each, checks they are contiguous, and cuts a torn tail so the
// next append lands right after the last complete record.

import fsp from "node:fs/promises";
import { Catalog, Segment } from "./catalog.ts";
import { JournalCorruptError } from "./errors.ts";
import { closeFd, type JournalIo, openFd, syncDir, writeFully } from "./io.ts";
import { scanSegment, type TornTail } from "./scan.ts";
import {
  encodeSegmentHeader,
  parseSegmentFileName,
  SEGMENT_HEADER_BYTES,
  segmentPath,
} from "./segment_format.ts";

export interface JournalRecovery {
  segments: number;
  records: number;
  /** The torn tail cut off at open, if any. Nothing in it was ever acknowledged. */
  torn: TornTail | null;
}

export interface RecoverOptions {
  dir: string;
  /** fsync what recovery changes (false only in the unsafe "none" mode). */
  durable: boolean;
  repair_tail: boolean;
  io: JournalIo;
}

export async function recoverCatalog(
  opts: RecoverOptions,
): Promise<{ catalog: Catalog; recovery: JournalRecovery }> {
  const { dir } = opts;
  await fsp.mkdir(dir, { recursive: true });
  const seqs: number[] = [];
  for (const name of await fsp.readdir(dir)) {
    const seq = parseSegmentFileName(name);
    if (seq !== null) seqs.push(seq);
  }
  seqs.sort((a, b) => a - b);

  const catalog = new Catalog();
  if (seqs.length === 0) {
    const seg = new Segment(1, segmentPath(dir, 1), true);
    await createSegmentFile(seg.path, 1, "wx+", opts);
    catalog.segments.push(seg);
    return { catalog, recovery: { segments: 1, records: 0, torn: null } };
  }

  let torn: TornTail | null = null;
  let records = 0;
  for (let i = 0; i < seqs.length; i++) {
    const firstSeq = seqs[i]!;
    const path = segmentPath(dir, firstSeq);
    const isLast = i === seqs.length - 1;
    const scan = await scanSegment(path, firstSeq, {
      is_last: isLast,
      repair_tail: opts.repair_tail,
    });
    const prev = catalog.segments[catalog.segments.length - 1];
    if (prev !== undefined && prev.end_seq !== firstSeq) {
      throw new JournalCorruptError(
        path,
        0,
        `segment starts at seq ${firstSeq} but ${prev.path} ends before seq ${prev.end_seq}`,
      );
    }
    scan.segment.durable_offset = scan.segment.end_offset;
    catalog.segments.push(scan.segment);
    records += scan.segment.record_count;
    torn = scan.torn;
  }

  if (torn !== null) {
    if (torn.offset === 0) {
      // The header never made it: rewrite it so the file keeps the sequence numbering its name holds.
      await createSegmentFile(torn.file, catalog.active.first_seq, "w+", opts);
    } else {
      await fsp.truncate(torn.file, torn.offset);
      if (opts.durable) {
        const h = await fsp.open(torn.file, "r+");
        try {
          await h.datasync();
        } finally {
          await h.close();
        }
      }
    }
  }
  return { catalog, recovery: { segments: catalog.segments.length, records, torn } };
}

/**
 * Creates (flags "wx+") or replaces ("w+") a segment file and writes its header.
 * Returns the open descriptor; making it durable is the caller's job, so a roll
 * inside a batch shares the batch's fdatasync.
 */
export async function openNewSegment(
  path: string,
  firstSeq: number,
  flags: "wx+" | "w+",
  io: JournalIo,
): Promise<number> {
  const fd = await openFd(path, flags);
  try {
    await writeFully(io, fd, encodeSegmentHeader(firstSeq), 0, SEGMENT_HEADER_BYTES, 0);
  } catch (err) {
    await closeFd(fd).catch(() => undefined);
    throw err;
  }
  return fd;
}

async function createSegmentFile(
  path: string,
  firstSeq: number,
  flags: "wx+" | "w+",
  opts: RecoverOptions,
): Promise<void> {
  const fd = await openNewSegment(path, firstSeq, flags, opts.io);
  try {
    if (opts.durable) {
      await opts.io.sync(fd);
      await syncDir(opts.dir);
    }
  } finally {
    await closeFd(fd);
  }
}
