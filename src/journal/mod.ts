// Public surface of the journal and snapshot store; nothing else in
// src/journal is meant to be imported from outside it.

export type { RecordHandler } from "./cursor.ts";
export {
  JournalCorruptError,
  JournalError,
  type JournalErrorCode,
  SnapshotCorruptError,
} from "./errors.ts";
export type { Follower } from "./follower.ts";
export type { JournalIo } from "./io.ts";
export {
  Journal,
  type JournalOptions,
  type JournalStats,
  RECORD_BYTES_MAX_DEFAULT,
  SEGMENT_BYTES_MAX_DEFAULT,
} from "./journal.ts";
export type { JournalRecovery } from "./recover.ts";
export type { TornTail } from "./scan.ts";
export {
  type LatestSnapshot,
  type SkippedSnapshot,
  type SnapshotEntry,
  SnapshotStore,
} from "./snapshot_store.ts";
