// The in-memory map from sequence numbers to files and byte offsets. Each
// segment keeps a sparse index (one entry per INDEX_STRIDE_BYTES of records) so
// a read from any position scans at most one stride, never the whole history.

import { assert } from "../core/mod.ts";
import { SEGMENT_HEADER_BYTES } from "./segment_format.ts";

export const INDEX_STRIDE_BYTES = 64 * 1024;

export interface Position {
  readonly segment: Segment;
  /** Sequence number of the record that starts at offset. */
  readonly seq: number;
  readonly offset: number;
}

export class Segment {
  readonly first_seq: number;
  readonly path: string;
  /** Records assigned to this file, including ones still in the pending batch. */
  record_count = 0;
  /** File size once everything assigned has been written. */
  end_offset = SEGMENT_HEADER_BYTES;
  /** Bytes up to here are written and durable: readers never look past it. */
  durable_offset = SEGMENT_HEADER_BYTES;
  /** The file exists with a durable header and directory entry. */
  on_disk: boolean;
  private readonly index_seqs: number[] = [];
  private readonly index_offsets: number[] = [];
  private last_indexed_offset = Number.NEGATIVE_INFINITY;

  constructor(firstSeq: number, path: string, onDisk: boolean) {
    this.first_seq = firstSeq;
    this.path = path;
    this.on_disk = onDisk;
  }

  /** Sequence number one past the last record assigned here. */
  get end_seq(): number {
    return this.first_seq + this.record_count;
  }

  /** Registers the next record, which starts at end_offset and spans bytes. */
  addRecord(bytes: number): void {
    const off = this.end_offset;
    if (off - this.last_indexed_offset >= INDEX_STRIDE_BYTES) {
      this.index_seqs.push(this.first_seq + this.record_count);
      this.index_offsets.push(off);
      this.last_indexed_offset = off;
    }
    this.record_count++;
    this.end_offset = off + bytes;
  }

  /** The nearest indexed record at or before seq. */
  locate(seq: number): Position {
    assert(seq >= this.first_seq && seq <= this.end_seq, `seq ${seq} outside ${this.path}`);
    const seqs = this.index_seqs;
    let lo = 0;
    let hi = seqs.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (seqs[mid]! <= seq) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (found < 0) return { segment: this, seq: this.first_seq, offset: SEGMENT_HEADER_BYTES };
    return { segment: this, seq: seqs[found]!, offset: this.index_offsets[found]! };
  }
}

export class Catalog {
  /** Ordered by first_seq, contiguous; the last one is the write target. */
  readonly segments: Segment[] = [];

  get active(): Segment {
    const s = this.segments[this.segments.length - 1];
    assert(s !== undefined, "journal has no segment");
    return s;
  }

  get first_seq(): number {
    const s = this.segments[0];
    assert(s !== undefined, "journal has no segment");
    return s.first_seq;
  }

  /** The segment holding seq, or for seq == next seq the active one; null if not retained. */
  find(seq: number): Segment | null {
    const segs = this.segments;
    let lo = 0;
    let hi = segs.length - 1;
    let found: Segment | null = null;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const s = segs[mid]!;
      if (s.first_seq <= seq) {
        found = s;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    // seq == end_seq is reachable only on the active segment (it is the next
    // append's seq); a full segment's end_seq is its successor's first_seq.
    if (found === null || seq > found.end_seq) return null;
    return found;
  }
}
