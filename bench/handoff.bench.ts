// What handing an output batch to settlement's worker costs the main thread:
// copying its bytes into a buffer of their own and moving that (the worker
// client's default), moving the caller's buffer itself (transfer: true), or
// letting postMessage clone it. The worker only counts what it receives.
//
//   node --import tsx bench/handoff.bench.ts [--batches 20000]

import { parseArgs } from "node:util";
import { Worker } from "node:worker_threads";

const { values: args } = parseArgs({ options: { batches: { type: "string", default: "20000" } } });
const BATCHES = Number(args.batches);

const WORKER = `
const { parentPort } = require("node:worker_threads");
let n = 0, bytes = 0;
parentPort.on("message", (m) => {
  if (m === "done") { parentPort.postMessage({ n, bytes }); n = 0; bytes = 0; return; }
  n++; bytes += m.byteLength;
});`;

type Mode = "copy + move" | "move" | "clone";

async function run(worker: Worker, mode: Mode, size: number): Promise<Record<string, unknown>> {
  const source = new Uint8Array(size).fill(7);
  const done = new Promise<{ n: number }>((resolve) => worker.once("message", resolve));
  let main_ns = 0n;
  const wall0 = process.hrtime.bigint();
  for (let i = 0; i < BATCHES; i++) {
    // A fresh batch each time, as the sequencer makes one per group commit (not timed).
    const bytes = mode === "move" ? source.slice() : source;
    const t0 = process.hrtime.bigint();
    if (mode === "clone") worker.postMessage(bytes);
    else {
      const own = mode === "move" ? bytes : bytes.slice();
      worker.postMessage(own, [own.buffer]);
    }
    main_ns += process.hrtime.bigint() - t0;
    if (i % 256 === 0) await new Promise((r) => setImmediate(r));
  }
  worker.postMessage("done");
  const got = await done;
  const wall_s = Number(process.hrtime.bigint() - wall0) / 1e9;
  return {
    mode,
    batch_bytes: size,
    batches: got.n,
    main_thread_us_per_batch: Math.round(Number(main_ns) / BATCHES / 10) / 100,
    mib_per_s: Math.round((size * BATCHES) / 2 ** 20 / wall_s),
  };
}

const worker = new Worker(WORKER, { eval: true });
for (const size of [16 * 1024, 64 * 1024, 256 * 1024, 1024 * 1024]) {
  for (const mode of ["copy + move", "move", "clone"] as const) {
    console.log(JSON.stringify(await run(worker, mode, size)));
  }
}
await worker.terminate();
