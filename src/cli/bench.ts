// `bourse bench`: measure the core on order-flow files.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command, Option } from "commander";
import { loadSpec } from "../core/mod.ts";
import { configOption, ENV, int, syncOption } from "./common.ts";

export function benchCommand(): Command {
  const bench = new Command("bench").description(
    "benchmarks: the core on order-flow files, the services, settlement and HTTP",
  );

  bench
    .command("generate")
    .description("write a realistic mixed order flow as NDJSON")
    .requiredOption("--commands <n>", "number of commands", int)
    .option("--seed <n>", "random seed (same seed, same file)", int, 1)
    .option("--users <n>", "number of users", int, 1000)
    .addOption(
      new Option(
        "--mix <mix>",
        "classic: limit, market, cancel and transfers; trading: also stops, OCO, amend, cancel-replace, cancel-all, dead-man's switches and ticks",
      )
        .choices(["classic", "trading"])
        .default("classic"),
    )
    .option("--out <file>", "output file", "flow.ndjson")
    .addOption(configOption())
    .action(
      async (o: {
        commands: number;
        seed: number;
        users: number;
        mix: "classic" | "trading";
        out: string;
        config?: string;
      }) => {
        const spec = await loadSpec(o.config);
        const { writeFlow } = await import("../bench/generate.ts");
        const lines = await writeFlow(
          spec,
          { commands: o.commands, seed: o.seed, users: o.users, mix: o.mix },
          o.out,
        );
        console.log(JSON.stringify({ file: o.out, commands: lines, seed: o.seed, mix: o.mix }));
      },
    );

  bench
    .command("replay")
    .description(
      "replay an order-flow file through the core in process; prints one JSON line per measurement",
    )
    .argument("<file>", "NDJSON order flow")
    .addOption(configOption())
    .option("--journal <dir>", "also replay durably: journal each command, count it once fsynced")
    .addOption(syncOption())
    .option("--baseline", "also replay the flow through nodejs-order-book (dev dependency)")
    .option(
      "--against <file>",
      "also replay a second flow, alternating with the first in this process, and print both rates and their ratio",
    )
    .option("--runs <n>", "replays of each flow for --against (medians reported)", int, 5)
    .option("--no-heap", "skip the heap-per-resting-order measurement")
    .option(
      "--allocations",
      "also replay once under the sampling heap profiler: bytes allocated per command, and by which functions",
    )
    .option(
      "--observe <dir>",
      "also measure logging and metrics: replay with the services' markers on (logs in DIR) and off, alternately",
    )
    .action(
      async (
        file: string,
        o: {
          config?: string;
          journal?: string;
          sync: "batch" | "none";
          baseline?: boolean;
          heap: boolean;
          allocations?: boolean;
          observe?: string;
          against?: string;
          runs: number;
        },
      ) => {
        const spec = await loadSpec(o.config);
        const { readFlow } = await import("../bench/flow.ts");
        const { heapBytesPerRestingOrder, replay } = await import("../bench/replay.ts");
        // The flow's lines, which only the baseline needs, are read again
        // after the timed replay rather than kept in its heap through it.
        const flow = readFlow(spec, file);
        const { core: _core, ...result } = replay(spec, flow);
        if (o.heap) {
          result.heap_bytes_per_resting_order = heapBytesPerRestingOrder(
            spec,
            Math.max(result.resting_orders, 10_000),
          );
        }
        console.log(JSON.stringify({ mode: "memory", ...result }));
        if (o.journal !== undefined) {
          const { replayDurable } = await import("../bench/durable.ts");
          const durable = await replayDurable(spec, flow, o.journal, o.sync);
          if (durable.state_hash !== result.state_hash) {
            throw new Error(
              `durable replay ended in state ${durable.state_hash}, memory in ${result.state_hash}`,
            );
          }
          console.log(JSON.stringify(durable));
        }
        if (o.allocations) {
          const { measureAllocations } = await import("../bench/allocations.ts");
          const cmds = flow.flatMap((p) => ("cmd" in p ? [p.cmd] : []));
          console.log(JSON.stringify(await measureAllocations(spec, cmds)));
        }
        if (o.observe !== undefined) {
          const { replayObserved } = await import("../bench/observed.ts");
          console.log(JSON.stringify(await replayObserved(spec, flow, o.observe)));
        }
        if (o.baseline) {
          const { replayBaseline } = await import("../bench/baseline.ts");
          console.log(JSON.stringify(await replayBaseline(readFlow(spec, file, true))));
        }
        if (o.against !== undefined) {
          const { compareReplays } = await import("../bench/replay.ts");
          const other = readFlow(spec, o.against);
          console.log(JSON.stringify(compareReplays(spec, file, flow, o.against, other, o.runs)));
        }
      },
    );

  bench
    .command("recovery")
    .description("recover the core from a journal directory (snapshot + replay) and time it")
    .requiredOption("--journal <dir>", "directory written by `bench replay --journal`")
    .addOption(configOption())
    .option(
      "--with-snapshot",
      "first recover and write a snapshot of the whole journal, then time recovering from it",
    )
    .action(async (o: { journal: string; config?: string; withSnapshot?: boolean }) => {
      const spec = await loadSpec(o.config);
      const { measureRecovery, snapshotDir } = await import("../bench/recovery.ts");
      if (o.withSnapshot) await snapshotDir(spec, o.journal);
      console.log(JSON.stringify(await measureRecovery(spec, o.journal)));
    });

  bench
    .command("paths")
    .description(
      "the order path's steps one at a time on a book that stays in cache (a resting limit order, a market order's trades, a cancel, a refused cancel): ns each, median and range over rounds",
    )
    .option("--rounds <n>", "measured rounds", int, 9)
    .option("--iterations <n>", "repetitions of the steps per round", int, 20_000)
    .option("--symbol <name>", "symbol to trade (default: the first configured)")
    .option(
      "--allocations",
      "instead of timing: the bytes each step allocates per command (sampled heap profile of --iterations repetitions, after warm-up), and where",
    )
    .addOption(configOption())
    .action(
      async (o: {
        rounds: number;
        iterations: number;
        symbol?: string;
        config?: string;
        allocations?: boolean;
      }) => {
        const spec = await loadSpec(o.config);
        if (o.allocations) {
          const { measurePathAllocations } = await import("../bench/allocations.ts");
          console.log(JSON.stringify(await measurePathAllocations(spec, o, o.symbol)));
          return;
        }
        const { measurePaths } = await import("../bench/paths.ts");
        console.log(JSON.stringify(measurePaths(spec, o, o.symbol)));
      },
    );

  bench
    .command("snapshot")
    .description("time the engine pause while a snapshot of N resting orders is taken")
    .option("--resting <n>", "resting orders on the book", int, 100_000)
    .addOption(configOption())
    .action(async (o: { resting: number; config?: string }) => {
      const dir = mkdtempSync(join(tmpdir(), "bourse-snap-"));
      try {
        const { measureSnapshotPause } = await import("../bench/recovery.ts");
        console.log(
          JSON.stringify(await measureSnapshotPause(await loadSpec(o.config), dir, o.resting)),
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

  bench
    .command("settlement")
    .description(
      "settlement fed output batches at a fixed trade rate: lag, rows/s and rows per trade, SQLite (worker thread) and PostgreSQL (output topic) in one run",
    )
    .option("--trades-per-s <n>", "trades per second fed", int, 20_000)
    .option("--seconds <n>", "how long the feed runs", int, 60)
    .addOption(
      new Option(
        "--databases <list>",
        "which stores, in order: sqlite, postgres, cassandra",
      ).default("sqlite,postgres"),
    )
    .option("--batch-ms <n>", "outputs due within this window travel as one batch", int, 5)
    .option("--users <n>", "users trading", int, 1000)
    .option(
      "--backlog-limit <n>",
      "outputs waiting to be committed above which the feed pauses (the sequencer's back-pressure)",
      int,
      500_000,
    )
    .addOption(
      new Option("--database-url <url>", "PostgreSQL server")
        .default("postgres://postgres@127.0.0.1:5432/test")
        .env(ENV.database_url),
    )
    .option(
      "--cassandra-url <url>",
      "Cassandra (or ScyllaDB) node; the run creates and drops a keyspace of its own beside the URL's",
      "cassandra://127.0.0.1:9042/bourse",
    )
    .option(
      "--no-synchronous-commit",
      "PostgreSQL: synchronous_commit=off on the store's connections",
    )
    .addOption(configOption())
    .action(
      async (o: {
        tradesPerS: number;
        seconds: number;
        databases: string;
        batchMs: number;
        users: number;
        backlogLimit: number;
        databaseUrl: string;
        cassandraUrl: string;
        synchronousCommit: boolean;
        config?: string;
      }) => {
        const databases = o.databases.split(",").map((d) => d.trim());
        for (const d of databases) {
          if (d !== "sqlite" && d !== "postgres" && d !== "cassandra") {
            throw new Error(`unknown database ${d}`);
          }
        }
        const { benchSettlement } = await import("../bench/settlement.ts");
        const results = await benchSettlement({
          spec: await loadSpec(o.config),
          trades_per_s: o.tradesPerS,
          seconds: o.seconds,
          databases: databases as ("sqlite" | "postgres" | "cassandra")[],
          pg_url: o.databaseUrl,
          cql_url: o.cassandraUrl,
          batch_ms: o.batchMs,
          users: o.users,
          backlog_limit: o.backlogLimit,
          ...(o.synchronousCommit ? {} : { synchronous_commit: false }),
        });
        for (const r of results) console.log(JSON.stringify(r));
      },
    );

  bench
    .command("pipeline")
    .description(
      "orders through the gateway's backend to trade rows, embedded and distributed (over NATS JetStream and/or Apache Kafka, settling into PostgreSQL) in one run",
    )
    .option("--orders <n>", "orders placed (every second one trades)", int, 20_000)
    .option("--window <n>", "orders in flight at once (closed loop)", int, 256)
    .option(
      "--orders-per-s <n>",
      "open loop instead: send at this fixed rate, latency counted from when each order was due",
      int,
    )
    .option("--users <n>", "users placing them", int, 100)
    .option("--poll-ms <n>", "how often the store is asked for its newest trade", int, 2)
    .addOption(
      new Option(
        "--transports <list>",
        "runs, in order, comma-separated: embedded, nats (services over NATS JetStream), kafka (services over Apache Kafka)",
      ).default("embedded,nats"),
    )
    .addOption(
      new Option("--nats <url>", "NATS server of the nats run")
        .default("nats://127.0.0.1:4222")
        .env(ENV.nats),
    )
    .addOption(
      new Option("--kafka <brokers>", "Kafka brokers of the kafka run, comma-separated")
        .default("127.0.0.1:9092")
        .env(ENV.kafka),
    )
    .addOption(
      new Option("--database-url <url>", "PostgreSQL of the distributed runs")
        .default("postgres://postgres@127.0.0.1:5432/test")
        .env(ENV.database_url),
    )
    .option("--no-distributed", "run the embedded exchange only (same as --transports embedded)")
    .addOption(configOption())
    .action(
      async (o: {
        orders: number;
        window: number;
        ordersPerS?: number;
        users: number;
        pollMs: number;
        transports: string;
        nats: string;
        kafka: string;
        databaseUrl: string;
        distributed: boolean;
        config?: string;
      }) => {
        const { benchPipeline } = await import("../bench/pipeline.ts");
        const known = ["embedded", "nats", "kafka"] as const;
        const asked = o.distributed ? o.transports.split(",").map((t) => t.trim()) : ["embedded"];
        for (const t of asked)
          if (!(known as readonly string[]).includes(t))
            throw new Error(`--transports: unknown "${t}" (embedded, nats, kafka)`);
        const results = await benchPipeline(
          {
            spec: await loadSpec(o.config),
            orders: o.orders,
            window: Math.max(1, o.window),
            orders_per_s: o.ordersPerS === undefined ? null : Math.max(1, o.ordersPerS),
            users: Math.max(2, o.users),
            poll_ms: Math.max(1, o.pollMs),
            nats_url: o.nats,
            kafka_brokers: o.kafka,
            database_url: o.databaseUrl,
          },
          asked as (typeof known)[number][],
        );
        for (const r of results) console.log(JSON.stringify({ mode: "pipeline", ...r }));
        const emb = results.find((r) => r.exchange === "embedded");
        for (const dist of results.filter((r) => r.exchange === "distributed"))
          if (emb !== undefined && emb.orders_per_s > 0)
            console.log(
              JSON.stringify({
                mode: "pipeline_ratio",
                transport: dist.transport,
                distributed_over_embedded:
                  Math.round((dist.orders_per_s / emb.orders_per_s) * 100) / 100,
              }),
            );
      },
    );

  bench
    .command("http")
    .description(
      "HTTP order entry with autocannon against bourse start, logging on and off, next to a bare fastify echo route (dev dependency)",
    )
    .option("--connections <n>", "concurrent connections", int, 50)
    .option("--seconds <n>", "duration of each run", int, 10)
    .option("--runs <n>", "order-entry runs with logging on and off, alternating", int, 1)
    .action(async (o: { connections: number; seconds: number; runs: number }) => {
      const { benchHttp } = await import("../bench/http.ts");
      const results = await benchHttp(o.connections, o.seconds, Math.max(1, o.runs));
      for (const r of results) console.log(JSON.stringify({ mode: "http", ...r }));
      // Best of the runs: noise on a shared machine only ever slows a run down.
      const best = (target: string) =>
        Math.max(0, ...results.filter((r) => r.target === target).map((r) => r.requests_per_s));
      const logged = best("order_create");
      const unlogged = best("order_create_logging_off");
      const echo = best("bare_fastify_echo");
      const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 100) / 100 : 0);
      console.log(
        JSON.stringify({
          mode: "http_ratio",
          order_over_echo: ratio(logged, echo),
          logging_on_over_off: ratio(logged, unlogged),
        }),
      );
    });

  bench
    .command("fanout")
    .description(
      "market data fan-out: the same order flow through the embedded exchange without and with N WebSocket subscribers to depth and trades; throughput ratio, delivery and release-to-client latency",
    )
    .option("--orders <n>", "orders of the generated flow", int, 20_000)
    .option("--subscribers <n>", "WebSocket subscribers (one child process)", int, 1000)
    .option("--window <n>", "orders in flight at once (closed loop)", int, 256)
    .option(
      "--orders-per-s <n>",
      "open loop instead: send at this fixed rate (throughput is then the rate kept)",
      int,
    )
    .option("--flush-ms <n>", "least time between two fan-out flushes", int, 0)
    .addOption(syncOption())
    .addOption(configOption())
    .action(
      async (o: {
        orders: number;
        subscribers: number;
        window: number;
        ordersPerS?: number;
        flushMs: number;
        sync: string;
        config?: string;
      }) => {
        const { benchFanout } = await import("../bench/fanout.ts");
        const runs = await benchFanout({
          spec: await loadSpec(o.config),
          orders: o.orders,
          subscribers: Math.max(1, o.subscribers),
          window: Math.max(1, o.window),
          orders_per_s: o.ordersPerS === undefined ? null : Math.max(1, o.ordersPerS),
          sync: o.sync === "none" ? "none" : "batch",
          flush_interval_ms: Math.max(0, o.flushMs),
        });
        for (const r of runs) console.log(JSON.stringify({ mode: "fanout", ...r }));
        const [base, subs] = runs;
        if (base !== undefined && subs !== undefined && base.orders_per_s > 0) {
          console.log(
            JSON.stringify({
              mode: "fanout_ratio",
              with_over_without: Math.round((subs.orders_per_s / base.orders_per_s) * 100) / 100,
              p99_ms: subs.delivery?.latency_ms.p99 ?? null,
              every_update_delivered:
                subs.delivery !== undefined &&
                subs.delivery.depth_gaps === 0 &&
                subs.delivery.trade_gaps === 0 &&
                subs.delivery.connections_complete === subs.subscribers,
            }),
          );
        }
      },
    );

  return bench;
}
