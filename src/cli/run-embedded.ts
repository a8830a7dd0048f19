// `bourse start` running: the order path (sequencer, settlement worker), the
// gateway's HTTP server, logs and metrics, and a graceful stop.

import closeWithGrace from "close-with-grace";
import { startEmbedded } from "../embedded/exchange.ts";
import { lockDataDir } from "../embedded/lock.ts";
import { buildGatewayApp, KeyStore } from "../gateway/mod.ts";
import { observeGateway } from "../gateway/observe.ts";
import { TracedBackend } from "../gateway/traced-backend.ts";
import { createProcessMetrics, mergeRegistries } from "../obs/mod.ts";
import { announce, boundPort, rateLimitFrom } from "./common.ts";
import { obsOptionsFrom, openObs, specFrom } from "./runtime.ts";
import type { StartOptions } from "./start.ts";

export async function runEmbedded(o: StartOptions): Promise<void> {
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
  };
  let shutdown: ((err?: unknown) => void) | null = null;
  const ex = await startEmbedded({
    spec,
    data_dir,
    sync: o.sync,
    snapshot_every_outputs: o.snapshotEvery,
    obs,
    settlement_log: {
      dir: obsOptions.log_dir,
      level: obsOptions.log_level,
      retention_days: obsOptions.log_retention_days,
      sample_ppm: obsOptions.log_sample_ppm,
    },
    on_failure: (stage, err) => {
      obs.ubscore.log.logger.fatal({ event: "SERVICE_FAILED", stage, err }, `${stage} stopped`);
      shutdown?.(err);
    },
    on_backpressure: (engaged, sink, backlog) => {
      obs.ubscore.log.logger.warn(
        { event: engaged ? "BACKPRESSURE_ENGAGED" : "BACKPRESSURE_RELEASED", sink, backlog },
        engaged ? `intake paused: ${sink} is ${backlog} outputs behind` : "intake resumed",
      );
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
    options: { rate_limit: rateLimitFrom(o) },
  });
  await app.listen({ port: o.port, host: o.host });
  const port = boundPort(app.server, o.port);
  // `bourse snapshot` asks a running exchange for snapshots with this signal.
  process.on("SIGUSR2", () => {
    void ex.pipeline.journal.snapshot().then(
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
