// The group-commit buffer: appends frame records straight into one growing
// buffer, so a whole batch leaves in a single write with no per-record
// allocation. Two of these alternate: one fills while the other is on disk.

import type { Segment } from "./catalog.ts";

/** A point in the batch where the records start going to a new segment file. */
export interface Roll {
  offset: number;
  segment: Segment;
}

const INITIAL_BYTES = 1024 * 1024;

export class Batch {
  buf: Buffer = Buffer.allocUnsafe(INITIAL_BYTES);
  len = 0;
  records = 0;
  rolls: Roll[] = [];

  /** Makes room for bytes more at len. */
  reserve(bytes: number): void {
    const need = this.len + bytes;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buf.copy(grown, 0, 0, this.len);
    this.buf = grown;
  }

  reset(): void {
    this.len = 0;
    this.records = 0;
    if (this.rolls.length > 0) this.rolls = [];
  }
}
