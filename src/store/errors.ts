// Why the store (or settlement's reading of the stream) refused a batch. Every
// one of them rolls the whole batch back; none of them is retried, because
// the same input would fail the same way: settlement stops and says why.

export type StoreErrorCode =
  /** The batch contradicts the rules: an unknown symbol, an accepted order without its update, a non-integer amount, a command kind with no row plan. */
  | "BATCH_INVALID"
  /** An output's bytes do not hash to the hash it carries: corruption. */
  | "BAD_HASH"
  /** The first new output does not follow the stored position (or the previous output) by one: outputs were lost. */
  | "STREAM_GAP"
  /** An output names another predecessor than the one applied (or carries another hash at the stored seq): this is not the stream consumed before. */
  | "STREAM_DIVERGED"
  /** A balance event does not follow its account's last ledger row: a balance event was lost. */
  | "LEDGER_GAP"
  /** The database holds tables of another schema generation (see docs/settlement-store.md). */
  | "SCHEMA_UNSUPPORTED";

export const STORE_ERROR_CODES: readonly StoreErrorCode[] = [
  "BATCH_INVALID",
  "BAD_HASH",
  "STREAM_GAP",
  "STREAM_DIVERGED",
  "LEDGER_GAP",
  "SCHEMA_UNSUPPORTED",
];

export class StoreError extends Error {
  readonly code: StoreErrorCode;
  constructor(code: StoreErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.name = "StoreError";
    this.code = code;
  }
}
