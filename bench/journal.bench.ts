// Journal throughput: durable records per second for a tight producer that
// keeps a bounded number of records outstanding (appended, not yet durable),
// as a sequencer does when it acknowledges each command only once durable.
//
//   node --import tsx bench/journal.bench.ts [records_per_case]
//
// Prints one JSON line per case. The "none" cases never fsync: they are
// UNSAFE, measure only the framing and write path, and are labelled so.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Journal } from "../src/journal/mod.ts";

const RECORDS = Number(process.argv[2] ?? 1_000_000);
/** The producer yields to the event loop this often so I/O completions run. */
const YIELD_EVERY = 1024;

interface CaseResult {
  case: string;
  sync: string;
  record_bytes: number;
  records: number;
  seconds: number;
  records_per_s: number;
  /** Records appended but not yet durable before the producer waits. */
  outstanding_max: number;
  mib_per_s: number;
  syncs: number;
  batches: number;
  records_per_sync_avg: number | null;
}

async function runCase(
  recordBytes: number,
  sync: "batch" | "none",
  outstandingMax: number,
): Promise<CaseResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bourse-journal-bench-"));
  try {
    const j = await Journal.open({ dir, sync });
    const payload = Buffer.alloc(recordBytes, 0x61);
    const yieldTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
    const t0 = process.hrtime.bigint();
    for (let i = 1; i <= RECORDS; i++) {
      payload.writeUInt32LE(i, 0);
      const seq = j.append(payload);
      if (i % YIELD_EVERY === 0) {
        if (seq - j.durableSeq() >= outstandingMax) await j.flushed(seq - outstandingMax / 2);
        else await yieldTurn();
      }
    }
    await j.flushed(RECORDS);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const s = j.stats();
    await j.close();
    return {
      case: `journal ${recordBytes}B sync=${sync === "none" ? "none (UNSAFE: no fsync)" : "batch"}`,
      sync: sync === "none" ? "none-UNSAFE" : "batch",
      record_bytes: recordBytes,
      records: RECORDS,
      seconds: round(seconds, 3),
      records_per_s: Math.round(RECORDS / seconds),
      outstanding_max: outstandingMax,
      mib_per_s: round(s.bytes / seconds / (1024 * 1024), 1),
      syncs: s.syncs,
      batches: s.batches,
      records_per_sync_avg: s.syncs > 0 ? Math.round(RECORDS / s.syncs) : null,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

for (const recordBytes of [64, 256]) {
  for (const sync of ["batch", "none"] as const) {
    console.log(JSON.stringify(await runCase(recordBytes, sync, 262_144)));
  }
}
// Small batches: what a producer that never has more than 4,096 commands in flight gets.
console.log(JSON.stringify(await runCase(64, "batch", 4096)));
