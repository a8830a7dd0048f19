// The core's outputs as one hash chain: whether a batch hangs together, and
// which of its outputs the database already holds. Checking against the
// stored position inside the transaction that moves it is what makes a
// redelivered batch a no-op and a lost output a hard stop.

import { type CoreOutput, GENESIS_HASH } from "../core/mod.ts";
import { StoreError } from "./errors.ts";
import type { StoredPosition } from "./types.ts";

export function sameHash(a: bigint, b: bigint): boolean {
  return BigInt.asUintN(64, a) === BigInt.asUintN(64, b);
}

/** Each output follows the previous one: seq + 1, and names its hash. */
export function checkLinks(outputs: readonly CoreOutput[]): void {
  for (let i = 1; i < outputs.length; i++) {
    const prev = outputs[i - 1] as CoreOutput;
    const cur = outputs[i] as CoreOutput;
    if (cur.output_seq !== prev.output_seq + 1) {
      throw new StoreError(
        "STREAM_GAP",
        `output ${cur.output_seq} follows output ${prev.output_seq} in the batch`,
      );
    }
    if (!sameHash(cur.prev_hash, prev.hash)) {
      throw new StoreError(
        "STREAM_DIVERGED",
        `output ${cur.output_seq} does not name output ${prev.output_seq}'s hash`,
      );
    }
  }
}

/**
 * The index of the first output the database does not hold yet, after
 * proving that it follows the stored position (or, for an empty store, that
 * it is the stream's first output). outputs.length when all are applied.
 */
export function firstUnapplied(
  outputs: readonly CoreOutput[],
  stored: StoredPosition | null,
): number {
  const at = stored?.seq ?? 0;
  const hash = stored?.hash ?? GENESIS_HASH;
  let i = 0;
  while (i < outputs.length && (outputs[i] as CoreOutput).output_seq <= at) {
    const o = outputs[i] as CoreOutput;
    if (o.output_seq === at && !sameHash(o.hash, hash)) {
      throw new StoreError(
        "STREAM_DIVERGED",
        `output ${o.output_seq} carries another hash than the one applied before`,
      );
    }
    i++;
  }
  const first = outputs[i];
  if (first === undefined) return i;
  if (first.output_seq !== at + 1) {
    throw new StoreError(
      "STREAM_GAP",
      `output ${first.output_seq} does not follow the stored position ${at}`,
    );
  }
  if (!sameHash(first.prev_hash, hash)) {
    throw new StoreError(
      "STREAM_DIVERGED",
      `output ${first.output_seq} does not name the hash of the stored position ${at}`,
    );
  }
  return i;
}
