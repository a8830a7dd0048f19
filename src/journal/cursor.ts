// Sequential reader over the segment files. Used by read() for one range and
// by a Follower across many: it keeps its file open and its byte position
// between calls, so following the tail never re-seeks through the index.

import { assert } from "../core/mod.ts";
import type { Catalog, Segment } from "./catalog.ts";
import { JournalCorruptError, JournalError } from "./errors.ts";
import { closeFd, openFd, readFully } from "./io.ts";
import {
  RECORD_HEAD_BYTES,
  RECORD_OVERHEAD_BYTES,
  recordPayloadLength,
  recordProblem,
} from "./record_format.ts";
import { SEGMENT_HEADER_BYTES } from "./segment_format.ts";

export type RecordHandler = (seq: number, payload: Uint8Array) => void | Promise<void>;

const READ_CHUNK_BYTES = 1024 * 1024;
const NO_BYTES = Buffer.alloc(0);

export class Cursor {
  private readonly catalog: Catalog;
  private segment: Segment;
  private fd = -1;
  /** Byte offset and sequence number of the next record to decode. */
  private pos: number;
  private seq: number;
  /** Records before this are decoded (to find their ends) but not delivered. */
  private readonly deliver_from: number;
  private buf: Buffer = NO_BYTES;
  private buf_start = 0;
  private buf_len = 0;

  constructor(catalog: Catalog, seq: number) {
    const segment = catalog.find(seq);
    if (segment === null) throw notRetained(seq, catalog);
    const at = segment.locate(seq);
    this.catalog = catalog;
    this.segment = segment;
    this.pos = at.offset;
    this.seq = at.seq;
    this.deliver_from = seq;
  }

  /** The next sequence number this cursor will deliver. */
  get next_seq(): number {
    return Math.max(this.seq, this.deliver_from);
  }

  /**
   * Delivers records up to and including toSeq, each after the previous
   * handler (and its promise) finished. The caller guarantees toSeq is durable.
   * Stops early, between records, once stopped() returns true.
   */
  async readTo(toSeq: number, handler: RecordHandler, stopped?: () => boolean): Promise<void> {
    while (this.seq <= toSeq) {
      if (stopped?.()) return;
      if (this.seq >= this.segment.end_seq) await this.nextSegment();
      if (this.fd < 0) this.fd = await this.openSegment();
      if (!this.has(RECORD_HEAD_BYTES)) await this.load(RECORD_HEAD_BYTES);
      const at = this.pos - this.buf_start;
      const len = recordPayloadLength(this.buf, at);
      const bytes = RECORD_OVERHEAD_BYTES + len;
      if (!this.has(bytes)) await this.load(bytes);
      const off = this.pos - this.buf_start;
      const problem = recordProblem(this.buf, off, len);
      if (problem !== null) throw new JournalCorruptError(this.segment.path, this.pos, problem);
      const seq = this.seq;
      if (seq >= this.deliver_from) {
        const body = off + RECORD_HEAD_BYTES;
        const r = handler(seq, this.buf.subarray(body, body + len));
        if (r !== undefined) await r;
      }
      // Advance only once delivered, so a failed handler leaves the cursor on its record.
      this.pos += bytes;
      this.seq = seq + 1;
    }
  }

  async close(): Promise<void> {
    const fd = this.fd;
    this.fd = -1;
    this.buf = NO_BYTES;
    this.buf_len = 0;
    if (fd >= 0) await closeFd(fd);
  }

  private has(n: number): boolean {
    return this.pos >= this.buf_start && this.pos + n <= this.buf_start + this.buf_len;
  }

  private async load(n: number): Promise<void> {
    // A fresh buffer each time: payloads already handed out stay valid. Never
    // past the durable end, so a later call cannot trip over a half-written batch.
    const durableBytes = this.segment.durable_offset - this.pos;
    assert(n <= durableBytes, `record at ${this.segment.path}:${this.pos} is not durable yet`);
    const size = Math.max(n, Math.min(READ_CHUNK_BYTES, durableBytes));
    const buf = Buffer.allocUnsafe(size);
    const got = await readFully(this.fd, buf, 0, size, this.pos);
    if (got < n) {
      throw new JournalCorruptError(
        this.segment.path,
        this.pos,
        `file ends after ${got} bytes inside a record that should be durable`,
      );
    }
    this.buf = buf;
    this.buf_start = this.pos;
    this.buf_len = got;
  }

  private async nextSegment(): Promise<void> {
    const next = this.catalog.find(this.seq);
    if (next === null) throw notRetained(this.seq, this.catalog);
    assert(next !== this.segment, `cursor ran past the last record at seq ${this.seq}`);
    await this.close();
    this.segment = next;
    this.pos = SEGMENT_HEADER_BYTES;
  }

  private async openSegment(): Promise<number> {
    try {
      return await openFd(this.segment.path, "r");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT")
        throw notRetained(this.seq, this.catalog);
      throw err;
    }
  }
}

function notRetained(seq: number, catalog: Catalog): JournalError {
  const first = catalog.segments.length > 0 ? catalog.first_seq : 0;
  return new JournalError(
    "JOURNAL_SEQ_OUT_OF_RANGE",
    `seq ${seq} is not retained (first retained seq is ${first})`,
  );
}
