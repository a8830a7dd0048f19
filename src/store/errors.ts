// Why the store refused a batch. Every one of them rolls the whole batch back;
// the settlement service decides whether to stop or to re-read the log.

export type StoreErrorCode =
  /** The batch contradicts itself: outputs out of order, positions that do not match them, an unknown symbol. */
  | "BATCH_INVALID"
  /** The first new output of a stream does not follow the stored position: outputs were lost. */
  | "STREAM_GAP"
  /** The output at the stored position has another hash: the log is not the one consumed before. */
  | "STREAM_DIVERGED"
  /** A balance event does not follow its account's last ledger row: a balance event was lost. */
  | "LEDGER_GAP";

export class StoreError extends Error {
  readonly code: StoreErrorCode;
  constructor(code: StoreErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.name = "StoreError";
    this.code = code;
  }
}
