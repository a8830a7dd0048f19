// `bourse start` running: the four services, the gateway's HTTP server,
// logs and metrics, and a graceful stop.

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
    options: { rate_limit: rateLimitFrom(o) },
  });
  await app.listen({ port: o.port, host: o.host });
  const port = boundPort(app.server, o.port);
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
