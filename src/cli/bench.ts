// `bourse bench`: measure the core on an order-flow file.

import { Command } from "commander";
import { replayBaseline } from "../bench/baseline.ts";
import { readFlow } from "../bench/flow.ts";
import { writeFlow } from "../bench/generate.ts";
import { heapBytesPerRestingOrder, replay } from "../bench/replay.ts";
import { loadSpec } from "../core/mod.ts";

function int(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`not a non-negative integer: ${text}`);
  return n;
}

export function benchCommand(): Command {
  const bench = new Command("bench").description("benchmarks of the core on order-flow files");

  bench
    .command("generate")
    .description("write a realistic mixed order flow as NDJSON")
    .requiredOption("--commands <n>", "number of commands", int)
    .option("--seed <n>", "random seed (same seed, same file)", int, 1)
    .option("--users <n>", "number of users", int, 1000)
    .option("--out <file>", "output file", "flow.ndjson")
    .option("--config <file>", "assets and symbols config (JSON)")
    .action(
      async (o: {
        commands: number;
        seed: number;
        users: number;
        out: string;
        config?: string;
      }) => {
        const spec = loadSpec(o.config);
        const lines = await writeFlow(
          spec,
          { commands: o.commands, seed: o.seed, users: o.users },
          o.out,
        );
        console.log(JSON.stringify({ file: o.out, commands: lines, seed: o.seed }));
      },
    );

  bench
    .command("replay")
    .description("replay an order-flow file through the core in process; prints one JSON line")
    .argument("<file>", "NDJSON order flow")
    .option("--config <file>", "assets and symbols config (JSON)")
    .option("--baseline", "also replay the flow through nodejs-order-book (dev dependency)")
    .option("--no-heap", "skip the heap-per-resting-order measurement")
    .action(async (file: string, o: { config?: string; baseline?: boolean; heap: boolean }) => {
      const spec = loadSpec(o.config);
      const flow = readFlow(spec, file);
      const { core: _core, ...result } = replay(spec, flow);
      if (o.heap) {
        result.heap_bytes_per_resting_order = heapBytesPerRestingOrder(
          spec,
          Math.max(result.resting_orders, 10_000),
        );
      }
      console.log(JSON.stringify(result));
      if (o.baseline) console.log(JSON.stringify(await replayBaseline(flow)));
    });

  return bench;
}
