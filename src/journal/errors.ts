// Journal and snapshot failures carry a stable `code` so callers branch on it
// rather than on message text. These are storage errors, not client-facing
// rejections, so they live outside the gateway's error registry.

export type JournalErrorCode =
  /** A record or header failed validation somewhere other than the torn tail. */
  | "JOURNAL_CORRUPT"
  /** A write or fdatasync failed; nothing past durableSeq() may be assumed on disk. */
  | "JOURNAL_FAILED"
  | "JOURNAL_CLOSED"
  | "JOURNAL_RECORD_TOO_LARGE"
  /** A sequence number before the first retained record or past the durable end. */
  | "JOURNAL_SEQ_OUT_OF_RANGE"
  /** The directory is already open by another Journal in this process. */
  | "JOURNAL_IN_USE"
  | "JOURNAL_BAD_OPTIONS"
  | "SNAPSHOT_CORRUPT"
  | "SNAPSHOT_NOT_FOUND";

export class JournalError extends Error {
  readonly code: JournalErrorCode;
  constructor(code: JournalErrorCode, message: string, options?: ErrorOptions) {
    super(`${code}: ${message}`, options);
    this.name = "JournalError";
    this.code = code;
  }
}

/** Bad bytes at a known place; the message names the file and byte offset. */
export class JournalCorruptError extends JournalError {
  readonly file: string;
  readonly offset: number;
  readonly reason: string;
  constructor(file: string, offset: number, reason: string) {
    super("JOURNAL_CORRUPT", `${file} at byte ${offset}: ${reason}`);
    this.name = "JournalCorruptError";
    this.file = file;
    this.offset = offset;
    this.reason = reason;
  }
}

export class SnapshotCorruptError extends JournalError {
  readonly file: string;
  readonly reason: string;
  constructor(file: string, reason: string) {
    super("SNAPSHOT_CORRUPT", `${file}: ${reason}`);
    this.name = "SnapshotCorruptError";
    this.file = file;
    this.reason = reason;
  }
}
