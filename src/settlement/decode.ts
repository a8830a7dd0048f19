// Reading the core's output batches as settlement receives them: each sealed
// output must hash to the hash it carries, follow the previous one by one and
// name its hash. Outputs at or below the last accepted one (a redelivered
// batch, or outputs handed over again after a restart) are skipped after a
// look at their seq and hash, without decoding them. The rest are decoded.

import {
  type CoreOutput,
  GENESIS_HASH,
  InvariantError,
  OUTPUT_BATCH_COUNT_MAX,
  OUTPUT_BATCH_VERSION,
  Reader,
  readCoreOutput,
  readOutputBatch,
  verifySealed,
} from "../core/mod.ts";
import { StoreError } from "../store/mod.ts";

const SEQ_OFFSET = 1;
const PREV_HASH_OFFSET = 9;

/** The number of outputs a batch says it holds: its header only, nothing decoded. */
export function batchCount(bytes: Uint8Array): number {
  if (bytes.length < 13 || bytes[0] !== OUTPUT_BATCH_VERSION) {
    throw new InvariantError("output batch: not an output batch (version or header)");
  }
  const count = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(1, true);
  if (count > OUTPUT_BATCH_COUNT_MAX) throw new InvariantError(`output batch: count ${count}`);
  return count;
}

export class ChainReader {
  constructor(
    /** output_seq of the last output accepted (0 before the first). */
    public last_seq = 0,
    public last_hash: bigint = GENESIS_HASH,
  ) {}

  /** The batch's outputs after the last accepted one, verified and decoded, appended to `out`. */
  read(bytes: Uint8Array, out: CoreOutput[]): void {
    let view: ReturnType<typeof readOutputBatch>;
    try {
      view = readOutputBatch(bytes);
    } catch (err) {
      throw new StoreError("BATCH_INVALID", (err as Error).message);
    }
    for (const sealed of view.outputs) this.one(sealed, out);
  }

  private one(sealed: Uint8Array, out: CoreOutput[]): void {
    if (sealed.length < PREV_HASH_OFFSET + 16) {
      throw new StoreError("BATCH_INVALID", "a sealed output shorter than its header");
    }
    const dv = new DataView(sealed.buffer, sealed.byteOffset, sealed.byteLength);
    const seq = dv.getFloat64(SEQ_OFFSET, true);
    if (seq <= this.last_seq) {
      const hash = dv.getBigUint64(sealed.length - 8, true);
      if (seq === this.last_seq && hash !== BigInt.asUintN(64, this.last_hash)) {
        throw new StoreError(
          "STREAM_DIVERGED",
          `output ${seq} carries another hash than the one accepted before`,
        );
      }
      return;
    }
    if (!verifySealed(sealed)) {
      throw new StoreError("BAD_HASH", `output ${seq}: its bytes do not match its hash`);
    }
    if (seq !== this.last_seq + 1) {
      throw new StoreError("STREAM_GAP", `output ${seq} does not follow output ${this.last_seq}`);
    }
    const prev = dv.getBigUint64(PREV_HASH_OFFSET, true);
    if (prev !== BigInt.asUintN(64, this.last_hash)) {
      throw new StoreError(
        "STREAM_DIVERGED",
        `output ${seq} does not name the hash of output ${this.last_seq}`,
      );
    }
    let o: CoreOutput;
    try {
      o = readCoreOutput(new Reader(sealed));
    } catch (err) {
      throw new StoreError("BATCH_INVALID", `output ${seq}: ${(err as Error).message}`);
    }
    out.push(o);
    this.last_seq = seq;
    this.last_hash = o.hash;
  }
}
