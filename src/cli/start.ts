// `bourse start`: the whole exchange in one process (embedded mode).

import closeWithGrace from "close-with-grace";
import { Command, Option } from "commander";
import { startEmbedded } from "../embedded/exchange.ts";
import { lockDataDir } from "../embedded/lock.ts";
import { buildGatewayApp, KeyStore } from "../gateway/mod.ts";
import { observeGateway } from "../gateway/observe.ts";
import { TracedBackend } from "../gateway/traced-backend.ts";
import { createProcessMetrics, mergeRegistries } from "../obs/mod.ts";
import {
  addObsOptions,
  announce,
  configOption,
  ENV,
  int,
  obsOptionsFrom,
  openObs,
  specFrom,
  syncOption,
} from "./common.ts";

interface StartOptions {
  dataDir: string;
  port: number;
  host: string;
  config?: string;
  sync: "batch" | "none";
  snapshotEvery: number;
  rateLimitPerS: number;
  rateLimitBurst: number;
  [obs: string]: unknown;
}

export function startCommand(): Command {
  const cmd = new Command("start")
    .description(
      "run the whole exchange in one process: gateway, UBSCore, matching engine and settlement over a local event log, settling into SQLite",
    )
    .addOption(
      new Option("--data-dir <dir>", "data folder (journals, event log, database, keys)")
        .default("./data")
        .env(ENV.data_dir),
    )
    .addOption(
      new Option("--port <n>", "HTTP port of the gateway")
        .argParser(int)
        .default(3001)
        .env(ENV.port),
    )
    .addOption(
      new Option("--host <addr>", "address to listen on").default("127.0.0.1").env(ENV.host),
    )
    .addOption(configOption())
    .addOption(syncOption())
    .addOption(
      new Option(
        "--snapshot-every <n>",
        "inputs between automatic snapshots of UBSCore and the matching engine",
      )
        .argParser(int)
        .default(100_000),
    )
    .addOption(
      new Option(
        "--rate-limit-per-s <n>",
        "requests per second per API key (0 turns the limit off)",
      )
        .argParser(int)
        .default(50),
    )
    .addOption(
      new Option("--rate-limit-burst <n>", "burst allowed above the rate")
        .argParser(int)
        .default(100),
    );
  addObsOptions(cmd);
  return cmd.action(async (o: StartOptions) => {
    await runEmbedded(o);
  });
}

async function runEmbedded(o: StartOptions): Promise<void> {
  const spec = specFrom(o);
  const obsOptions = obsOptionsFrom(o);
  const data_dir = o.dataDir;
  const { mkdirSync } = await import("node:fs");
  mkdirSync(data_dir, { recursive: true });
  const unlock = lockDataDir(data_dir);
  const obs = {
    gateway: await openObs("gateway", obsOptions),
    ubscore: await openObs("ubscore", obsOptions),
    matching_engine: await openObs("matching_engine", obsOptions),
    settlement: await openObs("settlement", obsOptions),
  };
  let shutdown: ((err?: unknown) => void) | null = null;
  const ex = await startEmbedded({
    spec,
    data_dir,
    sync: o.sync,
    snapshot_every_inputs: o.snapshotEvery,
    obs,
    on_failure: (service, err) => {
      obs[service as keyof typeof obs]?.log.logger.fatal(
        { event: "SERVICE_FAILED", err },
        `${service} stopped`,
      );
      shutdown?.(err);
    },
  });
  const metrics = mergeRegistries([
    ...Object.values(obs).map((x) => x.metrics.registry),
    createProcessMetrics(),
  ]);
  const app = buildGatewayApp({
    backend: new TracedBackend(ex.backend, obs.gateway.tracing),
    spec,
    keys: KeyStore.open(data_dir),
    metrics,
    hooks: observeGateway(obs.gateway),
    options: {
      rate_limit:
        o.rateLimitPerS === 0
          ? null
          : { rate_per_s: o.rateLimitPerS, burst: Math.max(1, o.rateLimitBurst) },
    },
  });
  await app.listen({ port: o.port, host: o.host });
  const address = app.server.address();
  const port = typeof address === "object" && address !== null ? address.port : o.port;
  // `bourse snapshot` asks a running exchange for snapshots with this signal.
  process.on("SIGUSR2", () => {
    void Promise.all([ex.ubscore.snapshot(), ex.matching.snapshot()]).then(
      () => obs.ubscore.log.logger.info({ event: "SNAPSHOT_TAKEN" }, "snapshot on request"),
      (err) => obs.ubscore.log.logger.error({ event: "SNAPSHOT_FAILED", err }, "snapshot failed"),
    );
  });
  announce({
    event: "BOURSE_STARTED",
    mode: "embedded",
    url: `http://${o.host}:${port}`,
    data_dir,
    pid: process.pid,
  });
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await app.close();
      await ex.stop();
      for (const x of Object.values(obs)) await x.close();
      unlock();
    })();
    return stopping;
  };
  closeWithGrace({ delay: 10_000 }, async ({ err }) => {
    if (err !== undefined) process.exitCode = 1;
    await stop();
  });
  shutdown = (err) => {
    process.exitCode = 1;
    process.stderr.write(
      `bourse: a service stopped: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    void stop().then(() => process.exit(1));
  };
}
