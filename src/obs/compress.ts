// In the log worker, after a day rolled over: the rotated file becomes a
// gzip file of one member per index block, so that `bourse trace` inflates
// only the blocks its index points at, while `zcat`, `gunzip` and `zgrep`
// read it as one stream. Runs on the worker's event loop with zlib in the
// thread pool, between drains of the rings: never on a service's thread.
//
// The .gz and its index are written under .tmp names and renamed into place,
// the index first, then the plain file and its index are removed; a crash
// leaves either the plain file (compressed again at the next start) or both,
// and readers take the .gz when both are there.

import type { FileHandle } from "node:fs/promises";
import { open, readFile, rename, unlink } from "node:fs/promises";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import {
  BLOCK_BYTES_MAX,
  BLOOM_BYTES,
  BlockFlag,
  decodeIndex,
  encodeEntry,
  GZIP_SUFFIX,
  INDEX_SUFFIX,
  type IndexEntry,
  indexHeader,
  TMP_SUFFIX,
} from "./log-index.ts";

const gzipAsync = promisify(gzip);

export const GZIP_LEVEL = 6;

export interface CompressOptions {
  readonly level?: number;
  /** Checked between blocks: a closing writer stops a long compression. */
  readonly aborted?: () => boolean;
}

export interface CompressResult {
  readonly raw_bytes: number;
  readonly gz_bytes: number;
  readonly blocks: number;
}

async function readIndex(path: string): Promise<IndexEntry[]> {
  try {
    return decodeIndex(await readFile(path)) ?? [];
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
}

async function readAt(fh: FileHandle, start: number, end: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(end - start);
  let got = 0;
  while (got < buf.length) {
    const { bytesRead } = await fh.read(buf, got, buf.length - got, start + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got === buf.length ? buf : buf.subarray(0, got);
}

const EMPTY_BLOOM = new Uint8Array(0);
// Written for unfiltered blocks, whose flag makes readers ignore it.
const EMPTY_FILTER = new Uint8Array(BLOOM_BYTES);

/**
 * The blocks to compress: the index's, in order, with what the index does
 * not cover (an earlier writer's lines, a failed index write) cut at line
 * ends into unfiltered blocks.
 */
function plan(entries: readonly IndexEntry[], size: number): IndexEntry[] {
  const sorted = entries
    .filter((e) => e.raw_end <= size && e.raw_start < e.raw_end)
    .sort((a, b) => a.raw_start - b.raw_start);
  const out: IndexEntry[] = [];
  let pos = 0;
  const gap = (to: number) => {
    if (to > pos) out.push(unfiltered(pos, to));
  };
  for (const e of sorted) {
    if (e.raw_start < pos) continue;
    gap(e.raw_start);
    out.push(e);
    pos = e.raw_end;
  }
  gap(size);
  return out;
}

function unfiltered(raw_start: number, raw_end: number): IndexEntry {
  return {
    raw_start,
    raw_end,
    gz_start: -1,
    gz_end: -1,
    time_min: 0,
    time_max: 0,
    lines: 0,
    flags: BlockFlag.Unfiltered,
    ids: 0,
    bloom: EMPTY_BLOOM,
  };
}

/** Compresses `plain` (a rotated log file) into `plain.gz` with its index; removes the plain file. */
export async function compressRotated(
  plain: string,
  opts: CompressOptions = {},
): Promise<CompressResult | null> {
  const gzPath = plain + GZIP_SUFFIX;
  const gzTmp = gzPath + TMP_SUFFIX;
  const idxTmp = gzPath + INDEX_SUFFIX + TMP_SUFFIX;
  const entries = await readIndex(plain + INDEX_SUFFIX);
  let src: FileHandle;
  try {
    src = await open(plain, "r");
  } catch (err) {
    // Removed meanwhile (retention): nothing to do.
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
  let gz: FileHandle | null = null;
  let idx: FileHandle | null = null;
  let done = false;
  try {
    const size = (await src.stat()).size;
    gz = await open(gzTmp, "w");
    idx = await open(idxTmp, "w");
    await idx.write(indexHeader());
    let gz_pos = 0;
    let blocks = 0;
    const put = async (block: IndexEntry, raw: Buffer) => {
      const packed = await gzipAsync(raw, { level: opts.level ?? GZIP_LEVEL });
      await (gz as FileHandle).write(packed, 0, packed.length, gz_pos);
      const bloom = block.bloom.length > 0 ? block.bloom : EMPTY_FILTER;
      await (idx as FileHandle).write(
        encodeEntry({
          ...block,
          raw_end: block.raw_start + raw.length,
          gz_start: gz_pos,
          gz_end: gz_pos + packed.length,
          flags: block.flags | BlockFlag.Gzip,
          bloom,
        }),
      );
      gz_pos += packed.length;
      blocks++;
    };
    for (const block of plan(entries, size)) {
      if (opts.aborted?.() === true) return null;
      if ((block.flags & BlockFlag.Unfiltered) === 0) {
        await put(block, await readAt(src, block.raw_start, block.raw_end));
        continue;
      }
      // An unindexed stretch: blocks of whole lines, up to the usual size.
      let at = block.raw_start;
      while (at < block.raw_end) {
        if (opts.aborted?.() === true) return null;
        const chunk = await readAt(src, at, Math.min(block.raw_end, at + BLOCK_BYTES_MAX));
        if (chunk.length === 0) break;
        const nl = chunk.lastIndexOf(10);
        const take = at + chunk.length < block.raw_end && nl >= 0 ? nl + 1 : chunk.length;
        await put(unfiltered(at, at + take), chunk.subarray(0, take));
        at += take;
      }
    }
    await gz.sync();
    await idx.sync();
    await gz.close();
    await idx.close();
    gz = null;
    idx = null;
    await rename(idxTmp, gzPath + INDEX_SUFFIX);
    await rename(gzTmp, gzPath);
    done = true;
    await unlink(plain);
    await unlink(plain + INDEX_SUFFIX).catch(() => undefined);
    return { raw_bytes: size, gz_bytes: gz_pos, blocks };
  } finally {
    await src.close();
    await gz?.close().catch(() => undefined);
    await idx?.close().catch(() => undefined);
    if (!done) {
      await unlink(gzTmp).catch(() => undefined);
      await unlink(idxTmp).catch(() => undefined);
    }
  }
}
