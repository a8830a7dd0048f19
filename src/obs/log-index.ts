// The log files on disk and the index beside each of them, shared by the log
// worker that writes them and by `bourse trace` that reads them (which
// imports this file directly: obs/mod.ts loads the tracing SDK, 300 ms that a
// trace must not wait for).
//
// Names: `<service>.log` is the live file; at UTC midnight it becomes
// `<service>.log.YYYY-MM-DD` (`.N` when that name is taken) and is then
// compressed to `<service>.log.YYYY-MM-DD.gz`. Each file has an index,
// `<file>.idx`.
//
// The index cuts its file into blocks of a few MiB of whole lines and keeps,
// per block, its byte range (in the plain text, and in the .gz file, where
// each block is one gzip member that can be inflated alone), its time range
// and a Bloom filter of every id value its lines carry (the id fields of the
// marker registry). A trace reads the index, then only the blocks whose
// filter may hold the id: a few MiB instead of the day. The worker knows each
// line's ids when it writes it, so the index costs no parsing.

import { parseUtcDayName } from "./utc-day.ts";

const MAGIC = 0x49585242; // "BRXI", little-endian
const VERSION = 1;
const HEADER_BYTES = 32;
const ENTRY_HEAD_BYTES = 64;
const ENTRY_MAGIC = 0xb10c;

/** Bits of one block's filter (64 KiB), and the probes per id. */
export const BLOOM_BITS = 1 << 19;
export const BLOOM_BYTES = BLOOM_BITS / 8;
export const BLOOM_PROBES = 5;
/**
 * A block ends at this many bytes or this many ids added, whichever comes
 * first: the second bounds the filter's false positives (about 0.7% at
 * 48,000 ids in 2^19 bits with 5 probes).
 */
export const BLOCK_BYTES_MAX = 4 * 1024 * 1024;
export const BLOCK_IDS_MAX = 48_000;

export const ENTRY_BYTES = ENTRY_HEAD_BYTES + BLOOM_BYTES;

export const BlockFlag = {
  /** No filter: the block must always be read (lines the writer could not index). */
  Unfiltered: 1,
  /** The block is one gzip member at [gz_start, gz_end). */
  Gzip: 2,
} as const;

export interface IndexEntry {
  readonly raw_start: number;
  readonly raw_end: number;
  /** -1 for blocks of a plain file. */
  readonly gz_start: number;
  readonly gz_end: number;
  readonly time_min: number;
  readonly time_max: number;
  readonly lines: number;
  readonly flags: number;
  readonly ids: number;
  readonly bloom: Uint8Array;
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A 32-bit hash of an id's text (FNV-1a, then murmur3's finalizer); the
 * filter's probes are derived from it by double hashing.
 */
export function idHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

/**
 * The same hash of an id already written as ASCII bytes: the worker hashes
 * the digits or characters it has just written into a line.
 */
export function idHashOfBytes(buf: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    h ^= buf[i] as number;
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

const MASK = BLOOM_BITS - 1;

function step(h1: number): number {
  return fmix32(h1 ^ 0x9e3779b9) | 1;
}

export function bloomAdd(bloom: Uint8Array, h1: number): void {
  const h2 = step(h1);
  for (let i = 0; i < BLOOM_PROBES; i++) {
    const bit = (h1 + Math.imul(i, h2)) & MASK;
    bloom[bit >>> 3] = (bloom[bit >>> 3] as number) | (1 << (bit & 7));
  }
}

export function bloomHas(bloom: Uint8Array, h1: number): boolean {
  const h2 = step(h1);
  for (let i = 0; i < BLOOM_PROBES; i++) {
    const bit = (h1 + Math.imul(i, h2)) & MASK;
    if (((bloom[bit >>> 3] as number) & (1 << (bit & 7))) === 0) return false;
  }
  return true;
}

/** Whether the block may hold a line with one of the ids (given by their idHash). */
export function blockMayHold(e: IndexEntry, hashes: readonly number[]): boolean {
  if ((e.flags & BlockFlag.Unfiltered) !== 0) return true;
  for (const h of hashes) if (bloomHas(e.bloom, h)) return true;
  return false;
}

export function indexHeader(): Buffer {
  const b = Buffer.alloc(HEADER_BYTES);
  b.writeUInt32LE(MAGIC, 0);
  b.writeUInt32LE(VERSION, 4);
  b.writeUInt32LE(BLOOM_BYTES, 8);
  b.writeUInt32LE(BLOOM_PROBES, 12);
  return b;
}

export function encodeEntry(e: IndexEntry): Buffer {
  const b = Buffer.allocUnsafe(ENTRY_BYTES);
  b.writeDoubleLE(e.raw_start, 0);
  b.writeDoubleLE(e.raw_end, 8);
  b.writeDoubleLE(e.gz_start, 16);
  b.writeDoubleLE(e.gz_end, 24);
  b.writeDoubleLE(e.time_min, 32);
  b.writeDoubleLE(e.time_max, 40);
  b.writeUInt32LE(e.lines, 48);
  b.writeUInt32LE(e.flags, 52);
  b.writeUInt32LE(e.ids, 56);
  b.writeUInt32LE(ENTRY_MAGIC, 60);
  b.set(e.bloom, ENTRY_HEAD_BYTES);
  return b;
}

/**
 * The entries of an index file's bytes; null when it is not an index of this
 * version. A torn last entry (the writer stopped mid-write) is left out.
 */
export function decodeIndex(bytes: Buffer): IndexEntry[] | null {
  if (bytes.length < HEADER_BYTES) return null;
  if (
    bytes.readUInt32LE(0) !== MAGIC ||
    bytes.readUInt32LE(4) !== VERSION ||
    bytes.readUInt32LE(8) !== BLOOM_BYTES ||
    bytes.readUInt32LE(12) !== BLOOM_PROBES
  ) {
    return null;
  }
  const out: IndexEntry[] = [];
  for (let at = HEADER_BYTES; at + ENTRY_BYTES <= bytes.length; at += ENTRY_BYTES) {
    if (bytes.readUInt32LE(at + 60) !== ENTRY_MAGIC) return null;
    out.push({
      raw_start: bytes.readDoubleLE(at),
      raw_end: bytes.readDoubleLE(at + 8),
      gz_start: bytes.readDoubleLE(at + 16),
      gz_end: bytes.readDoubleLE(at + 24),
      time_min: bytes.readDoubleLE(at + 32),
      time_max: bytes.readDoubleLE(at + 40),
      lines: bytes.readUInt32LE(at + 48),
      flags: bytes.readUInt32LE(at + 52),
      ids: bytes.readUInt32LE(at + 56),
      bloom: bytes.subarray(at + ENTRY_HEAD_BYTES, at + ENTRY_BYTES),
    });
  }
  return out;
}

/** Byte length of an index holding `entries` entries. */
export function indexBytes(entries: number): number {
  return HEADER_BYTES + entries * ENTRY_BYTES;
}

// ---------------------------------------------------------------------------
// File names

export const INDEX_SUFFIX = ".idx";
export const GZIP_SUFFIX = ".gz";
export const TMP_SUFFIX = ".tmp";

export interface LogFileName {
  readonly service: string;
  /** "YYYY-MM-DD" of a rotated file; null for the live file. */
  readonly day: string | null;
  /** The `.N` of a day rotated more than once; 0 otherwise. */
  readonly n: number;
  readonly gzip: boolean;
  /** The index of that file rather than the file itself. */
  readonly index: boolean;
  /** A file being written by compression. */
  readonly tmp: boolean;
}

const NAME_RE =
  /^([a-z][a-z0-9_-]{0,63})\.log(?:\.(\d{4}-\d{2}-\d{2})(?:\.(\d+))?)?(\.gz)?(\.idx)?(\.tmp)?$/;

/** What a file name in a log folder is; null for anything the writers do not make. */
export function parseLogFileName(name: string): LogFileName | null {
  const m = NAME_RE.exec(name);
  if (m === null) return null;
  const day = m[2] ?? null;
  if (day !== null && parseUtcDayName(day) === null) return null;
  // Only rotated days are compressed.
  if (day === null && m[4] !== undefined) return null;
  return {
    service: m[1] as string,
    day,
    n: m[3] === undefined ? 0 : Number(m[3]),
    gzip: m[4] !== undefined,
    index: m[5] !== undefined,
    tmp: m[6] !== undefined,
  };
}

/** The log file (not index, not temporary) a name stands for, e.g. "ubscore.log.2030-01-01.gz". */
export function logFileName(service: string, day: string | null, n: number, gzip: boolean): string {
  let name = `${service}.log`;
  if (day !== null) name += `.${day}${n > 0 ? `.${n}` : ""}${gzip ? GZIP_SUFFIX : ""}`;
  return name;
}
