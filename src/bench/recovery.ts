// Recovery and snapshot measurements for the combined core.

import { type CoreOutput, hashHex, restingBook, type Spec } from "../core/mod.ts";
import { openDurableSequencer } from "../pipeline/mod.ts";

export interface RecoveryResult {
  mode: "recovery";
  snapshot_seq: number;
  replayed: number;
  seconds: number;
  state_hash: string;
}

/** Open a journal directory as the core would after a crash; report how long it took. */
export async function measureRecovery(spec: Spec, dir: string): Promise<RecoveryResult> {
  const { journal } = await openDurableSequencer({ dir, spec, sync: "batch" });
  const r = journal.recovery;
  const state_hash = hashHex(journal.core.stateHash());
  await journal.close();
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
  const { journal } = await openDurableSequencer({ dir, spec, sync: "batch" });
  const report = await journal.snapshot();
  const state_hash = hashHex(journal.core.stateHash());
  await journal.close();
  return { ...report, state_hash };
}

export interface SnapshotPauseResult {
  mode: "snapshot";
  resting_orders: number;
  snapshot_bytes: number;
  pause_ms: { p50: number; max: number };
  /**
   * The longest the thread went without an event-loop turn from the start of
   * a snapshot until its file was durable: the pause, and anything else the
   * snapshot does on the engine's thread (hashing, writes).
   */
  thread_blocked_ms_max: number;
  write_ms: number;
}

/** Measures the longest gap between event-loop turns until stopped (one turn in flight at a time). */
function watchLoop(): { stop: () => number } {
  let worst = 0;
  let last = performance.now();
  let running = true;
  const turn = () => {
    const now = performance.now();
    if (now - last > worst) worst = now - last;
    last = now;
    if (running) setImmediate(turn);
  };
  setImmediate(turn);
  return {
    stop: () => {
      running = false;
      return Math.max(worst, performance.now() - last);
    },
  };
}

/** Build a core with `resting` orders on the books and time its snapshot pause. */
export async function measureSnapshotPause(
  spec: Spec,
  dir: string,
  resting: number,
  rounds = 5,
): Promise<SnapshotPauseResult> {
  const { journal, sequencer } = await openDurableSequencer({ dir, spec, sync: "batch" });
  const s = spec.symbols[0];
  if (s === undefined) throw new Error("no symbol configured");
  const book = restingBook(s, 1000, 5000, "s");
  let tail: Promise<CoreOutput> | null = null;
  for (const d of book.deposits) tail = sequencer.submit(d);
  for (let i = 0; i < resting; i++) {
    tail = sequencer.submit(book.order(i));
    if (i % 50_000 === 0) await tail;
  }
  await tail;
  // What the services do half-way between two snapshots.
  journal.core.reserveSnapshot();
  const pauses: number[] = [];
  let blocked_ms = 0;
  let last = { bytes: 0, write_ms: 0 };
  for (let i = 0; i < rounds; i++) {
    const loop = watchLoop();
    const r = await journal.snapshot();
    blocked_ms = Math.max(blocked_ms, loop.stop());
    pauses.push(r.pause_ms);
    last = r;
  }
  let count = 0;
  for (const b of journal.core.me.books) if (b !== undefined) count += b.orders.size;
  await sequencer.stop();
  await journal.close();
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
    thread_blocked_ms_max: r2(blocked_ms),
    write_ms: r2(last.write_ms),
  };
}
