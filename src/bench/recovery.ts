// Recovery and snapshot measurements for the combined core.

import { type Core, hashHex, type Spec } from "../core/mod.ts";
import { openCore } from "./durable.ts";
import { restingBook } from "./resting.ts";

export interface RecoveryResult {
  mode: "recovery";
  snapshot_seq: number;
  replayed: number;
  seconds: number;
  state_hash: string;
}

/** Open a journal directory as the core would after a crash; report how long it took. */
export async function measureRecovery(spec: Spec, dir: string): Promise<RecoveryResult> {
  const dm = await openCore(spec, dir, "batch");
  const r = dm.recovery;
  const state_hash = hashHex(dm.machine.stateHash());
  await dm.close();
  return {
    mode: "recovery",
    snapshot_seq: r.snapshot_seq,
    replayed: r.replayed,
    seconds: Math.round(r.seconds * 1000) / 1000,
    state_hash,
  };
}

/** Recover, then write a snapshot of the recovered state (what `bourse snapshot` does offline). */
export async function snapshotDir(spec: Spec, dir: string) {
  const dm = await openCore(spec, dir, "batch");
  const report = await dm.snapshot();
  const state_hash = hashHex(dm.machine.stateHash());
  await dm.close();
  return { ...report, state_hash };
}

export interface SnapshotPauseResult {
  mode: "snapshot";
  resting_orders: number;
  snapshot_bytes: number;
  pause_ms: { p50: number; max: number };
  write_ms: number;
}

/** Build a core with `resting` orders on the books and time its snapshot pause. */
export async function measureSnapshotPause(
  spec: Spec,
  dir: string,
  resting: number,
  rounds = 5,
): Promise<SnapshotPauseResult> {
  const dm = await openCore(spec, dir, "batch");
  const s = spec.symbols[0];
  if (s === undefined) throw new Error("no symbol configured");
  const book = restingBook(s, 1000, 5000, "s");
  for (const d of book.deposits) dm.submit(d);
  for (let i = 0; i < resting; i++) {
    const cmd = book.order(i);
    const { seq } = dm.submit(cmd);
    if (i % 50_000 === 0) await dm.durable(seq);
  }
  const pauses: number[] = [];
  let last = { bytes: 0, write_ms: 0 };
  for (let i = 0; i < rounds; i++) {
    const r = await dm.snapshot();
    pauses.push(r.pause_ms);
    last = r;
  }
  let count = 0;
  for (const b of (dm.machine as Core).me.books) if (b !== undefined) count += b.orders.size;
  await dm.close();
  pauses.sort((a, b) => a - b);
  const r2 = (x: number) => Math.round(x * 100) / 100;
  return {
    mode: "snapshot",
    resting_orders: count,
    snapshot_bytes: last.bytes,
    pause_ms: {
      p50: r2(pauses[Math.floor(pauses.length / 2)] ?? 0),
      max: r2(pauses[pauses.length - 1] ?? 0),
    },
    write_ms: r2(last.write_ms),
  };
}
