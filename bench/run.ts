// `npm run bench`: the recorded benchmarks of the core, in one run.
//
//   npm run bench              replay (100K and 1M, with nodejs-order-book), the path's steps in
//                              cache, durability, recovery, snapshot pause
//   npm run bench -- replay    only the replay part and the steps in cache
//   npm run bench -- services  the services: embedded vs distributed pipeline (needs NATS and
//                              PostgreSQL), HTTP order entry, logging cost on replay, settlement lag
//   npm run bench -- fanout    market data: 1,000 WebSocket subscribers to depth and trades while
//                              orders flow, against the same flow without subscribers
//   npm run bench -- trading   the classic flow against the same flow with every later command
//                              kind (--mix trading), replayed alternately in one process
//   npm run bench -- cassandra settlement rows/s into SQLite, PostgreSQL and Cassandra (the CQL
//                              store) side by side (needs PostgreSQL and Cassandra)
//
// Each measurement runs `bourse bench …` in its own child process (a fresh
// heap each) and prints its JSON line; the set is written to bench/results/.

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const only = process.argv[2];
const SETS = ["replay", "services", "fanout", "trading", "cassandra"];
if (only !== undefined && !SETS.includes(only)) {
  console.error(`npm run bench: unknown set "${only}" (sets: ${SETS.join(", ")})`);
  process.exit(2);
}
const tmp = mkdtempSync(join(tmpdir(), "bourse-bench-"));

function bourse(args: string[]): Record<string, unknown>[] {
  const out = execFileSync(
    process.execPath,
    ["--max-semi-space-size=64", join(root, "bin/bourse.js"), "bench", ...args],
    {
      cwd: root,
      encoding: "utf8",
      maxBuffer: 1 << 26,
    },
  );
  const lines = out
    .trim()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  for (const l of lines) console.log(JSON.stringify({ args: args.join(" "), ...l }));
  return lines;
}

const results: Record<string, Record<string, unknown>[]> = {};
try {
  if (only === "fanout") {
    results.fanout = bourse(["fanout", "--orders", "20000", "--subscribers", "1000"]);
  }
  if (only === "services") {
    const file = join(tmp, "flow-1000000.ndjson");
    bourse(["generate", "--commands", "1000000", "--seed", "1", "--out", file]);
    results.observability = bourse(["replay", file, "--no-heap", "--observe", join(tmp, "logs")]);
    results.pipeline = bourse(["pipeline"]);
    results.pipeline_fixed_rate = bourse([
      "pipeline",
      "--orders",
      "10000",
      "--orders-per-s",
      "1000",
    ]);
    results.http = bourse(["http", "--seconds", "8", "--runs", "3"]);
    results.settlement = bourse(["settlement", "--trades-per-s", "20000", "--seconds", "60"]);
  }
  if (only === "cassandra") {
    results.settlement = bourse([
      "settlement",
      "--databases",
      "sqlite,postgres,cassandra",
      "--trades-per-s",
      "20000",
      "--seconds",
      "10",
    ]);
  }
  if (only === "trading") {
    for (const n of [100_000, 1_000_000]) {
      const classic = join(tmp, `classic-${n}.ndjson`);
      const trading = join(tmp, `trading-${n}.ndjson`);
      bourse(["generate", "--commands", String(n), "--seed", "1", "--out", classic]);
      bourse([
        "generate",
        "--commands",
        String(n),
        "--seed",
        "1",
        "--mix",
        "trading",
        "--out",
        trading,
      ]);
      results[`trading_${n}`] = bourse([
        "replay",
        classic,
        "--no-heap",
        "--against",
        trading,
        "--runs",
        "5",
      ]);
    }
  }
  const replays = only === undefined || only === "replay";
  for (const n of replays ? [100_000, 1_000_000] : []) {
    const file = join(tmp, `flow-${n}.ndjson`);
    bourse(["generate", "--commands", String(n), "--seed", "1", "--out", file]);
    const args = ["replay", file, "--baseline"];
    if (only !== "replay") args.push("--journal", join(tmp, `journal-${n}`));
    results[`replay_${n}`] = bourse(args);
  }
  if (replays) results.paths = bourse(["paths"]);
  if (only === undefined) {
    const dir = join(tmp, "journal-1000000");
    results.recovery_without_snapshot = bourse(["recovery", "--journal", dir]);
    results.recovery_with_snapshot = bourse(["recovery", "--journal", dir, "--with-snapshot"]);
    results.snapshot_pause = bourse(["snapshot", "--resting", "100000"]);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

const machine = `${cpus().length} x ${cpus()[0]?.model ?? "cpu"}, Node ${process.version}`;
const name = only ?? "core";
writeFileSync(
  join(root, "bench/results", `${name}.json`),
  `${JSON.stringify({ date: new Date().toISOString(), machine, results }, null, 2)}\n`,
);
console.log(`written bench/results/${name}.json`);
