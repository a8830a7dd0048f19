// Verification of one of the old per-service streams (engine.outputs.<symbol>,
// balance.events) as the bridge in legacy.ts consumes them: every output must
// hash to what it claims, follow the last one by exactly one, and name the
// last one's hash as its predecessor. A duplicate is skipped; a gap, a broken
// link or a bad hash stops settlement with an error saying where.

import { GENESIS_HASH, verifySealed } from "../core/mod.ts";

export class ChainError extends Error {
  constructor(
    readonly code: "BAD_HASH" | "GAP" | "BROKEN_LINK",
    readonly stream: string,
    message: string,
  ) {
    super(`${stream}: ${code}: ${message}`);
    this.name = "ChainError";
  }
}

export class Chain {
  constructor(
    readonly stream: string,
    public last_seq = 0,
    /** null: the last hash is not known (resuming after a restart), so the first link is taken as it comes. */
    public last_hash: bigint | null = GENESIS_HASH,
  ) {}

  /** Checks the raw bytes; returns false for a duplicate to skip, throws on anything else wrong. */
  accept(
    bytes: Uint8Array,
    output_seq: number,
    prev_hash: bigint,
    hash: bigint,
    where: string,
  ): boolean {
    if (!verifySealed(bytes)) {
      throw new ChainError("BAD_HASH", this.stream, `output at ${where} does not match its hash`);
    }
    if (output_seq <= this.last_seq) return false;
    if (output_seq !== this.last_seq + 1) {
      throw new ChainError(
        "GAP",
        this.stream,
        `expected output ${this.last_seq + 1}, got ${output_seq} at ${where}`,
      );
    }
    if (this.last_hash !== null && prev_hash !== this.last_hash) {
      throw new ChainError(
        "BROKEN_LINK",
        this.stream,
        `output ${output_seq} at ${where} does not follow output ${this.last_seq}`,
      );
    }
    this.last_seq = output_seq;
    this.last_hash = hash;
    return true;
  }
}
