// Durable replay: the same flow through the embedded exchange's sequencer, each
// command applied, its sealed output journaled, and counted only once its
// batch is fsynced (group commit).

import { readdirSync } from "node:fs";
import { hashHex, type Spec } from "../core/mod.ts";
import { openDurableSequencer } from "../pipeline/mod.ts";
import type { Parsed } from "./flow.ts";

export interface DurableResult {
  mode: "durable";
  sync: "batch" | "none";
  commands: number;
  seconds: number;
  commands_per_s: number;
  ack_latency_us: { p50: number; p99: number; max: number };
  syncs: number;
  records_per_sync: number;
  state_hash: string;
}

/** Outstanding (not yet durable) commands allowed before the producer waits. */
const WINDOW = 32_768;
/**
 * Commands submitted between yields to the event loop: a real feed arrives in
 * bursts, and yielding lets each finished fsync release its batch promptly.
 */
const BURST = 2048;

export async function replayDurable(
  spec: Spec,
  flow: readonly Parsed[],
  dir: string,
  sync: "batch" | "none",
): Promise<DurableResult> {
  let existing: string[] = [];
  try {
    existing = readdirSync(dir);
  } catch {
    existing = [];
  }
  if (existing.length > 0)
    throw new Error(`${dir} is not empty: a durable replay needs a fresh journal`);
  const { journal, sequencer } = await openDurableSequencer({ dir, spec, sync });
  const cmds = flow.flatMap((p) => ("cmd" in p ? [p.cmd] : []));
  const submitted_ns = new Float64Array(cmds.length + 1);
  const ack_ns = new Float64Array(cmds.length + 1);
  let acked = 0;
  const t0 = process.hrtime.bigint();
  journal.onDurable((durable) => {
    const now = Number(process.hrtime.bigint() - t0);
    for (let s = acked + 1; s <= durable; s++) ack_ns[s] = now - (submitted_ns[s] as number);
    acked = durable;
  });
  let seq = 0;
  let tail: Promise<unknown> = Promise.resolve();
  // Every BURST-th answer, so the producer can wait for the window's middle.
  const marks = new Map<number, Promise<unknown>>();
  for (const cmd of cmds) {
    seq++;
    submitted_ns[seq] = Number(process.hrtime.bigint() - t0);
    tail = sequencer.submit(cmd);
    if (seq % BURST === 0) {
      marks.set(seq, tail);
      marks.delete(seq - 2 * WINDOW);
      if (seq - journal.durableSeq() > WINDOW) await marks.get(seq - WINDOW / 2);
      else await new Promise<void>((r) => setImmediate(r));
    }
  }
  const last = seq;
  await tail;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const stats = journal.journal.stats();
  const state_hash = hashHex(journal.core.stateHash());
  await sequencer.stop();
  await journal.close();
  const lat = ack_ns.subarray(1, last + 1).sort();
  const pct = (p: number) =>
    Math.round((lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? 0) / 10) / 100;
  return {
    mode: "durable",
    sync,
    commands: flow.length,
    seconds: Math.round(seconds * 1000) / 1000,
    commands_per_s: Math.round(flow.length / seconds),
    ack_latency_us: {
      p50: pct(0.5),
      p99: pct(0.99),
      max: Math.round((lat[lat.length - 1] ?? 0) / 10) / 100,
    },
    syncs: stats.syncs,
    records_per_sync: stats.syncs === 0 ? 0 : Math.round(stats.appends / stats.syncs),
    state_hash,
  };
}
