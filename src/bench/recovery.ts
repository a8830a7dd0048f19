// Recovery and snapshot measurements for the combined core.

import { CommandKind, type Core, hashHex, type PlaceCmd, type Spec } from "../core/mod.ts";
import { openCore } from "./durable.ts";

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
  const users = 1000;
  for (let u = 1; u <= users; u++) {
    dm.submit({
      kind: CommandKind.Deposit,
      request_id: `snap-${u}`,
      user_id: u,
      asset_id: s.quote.id,
      amount_units: 10 ** (s.quote.decimals + 6),
      ts_ms: 0,
    });
  }
  const mid = Math.floor(s.max_price_ticks / 20);
  for (let i = 0; i < resting; i++) {
    const cmd: PlaceCmd = {
      kind: CommandKind.Place,
      user_id: 1 + (i % users),
      symbol_id: s.id,
      side: 1,
      order_type: 1,
      tif: 1,
      post_only: false,
      stp: 2,
      price_ticks: mid - 1 - (i % 5000),
      qty_lots: 100,
      quote_units: 0,
      cid: `s${i}`,
      ts_ms: 0,
    };
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
