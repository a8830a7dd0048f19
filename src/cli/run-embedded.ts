// `bourse start` running: the four services, the gateway's HTTP server,
// logs and metrics, the control socket, and a graceful stop. A start that
// fails undoes what it had started (lock, socket, journals) before it reports.

import { openControl } from "../control/mod.ts";
import { startEmbedded } from "../embedded/exchange.ts";
import { buildGatewayApp, KeyStore } from "../gateway/mod.ts";
import { observeGateway } from "../gateway/observe.ts";
import { TracedBackend } from "../gateway/traced-backend.ts";
import {
  createProcessMetrics,
  mergeRegistries,
  type ServiceObs,
  startAdminServer,
} from "../obs/mod.ts";
import { announce, boundPort, gatewayOptionsFrom } from "./common.ts";
import { onStopSignals, ProcessEvent, Startup } from "./lifecycle.ts";
import { obsOptionsFrom, openObs, specFrom } from "./runtime.ts";
import type { StartOptions } from "./start.ts";

export async function runEmbedded(o: StartOptions): Promise<void> {
  const spec = specFrom(o);
  const obsOptions = obsOptionsFrom(o);
  const data_dir = o.dataDir;
  const startup = new Startup();
  try {
    // Creates the data folder (0700), takes its lock and serves the control socket.
    const control = await openControl({ data_dir, service: "start" });
    startup.did(() => control.close());
    const obs: Record<"gateway" | "ubscore" | "matching_engine" | "settlement", ServiceObs> = {
      gateway: await openObs("gateway", obsOptions),
      ubscore: await openObs("ubscore", obsOptions),
      matching_engine: await openObs("matching_engine", obsOptions),
      settlement: await openObs("settlement", obsOptions),
    };
    startup.did(async () => {
      for (const x of Object.values(obs)) await x.close();
    });
    let shutdown: ((err?: unknown) => void) | null = null;
    let closeAdmin = async () => {};
    let admin_port: number | null = null;
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
    startup.did(() => ex.stop());
    const metrics = mergeRegistries([
      ...Object.values(obs).map((x) => x.metrics.registry),
      createProcessMetrics(),
    ]);
    const app = buildGatewayApp({
      backend: new TracedBackend(ex.backend, obs.gateway.tracing),
      spec,
      keys: KeyStore.open(data_dir),
      hooks: observeGateway(obs.gateway),
      options: gatewayOptionsFrom(o),
      ...(o.apiMetrics === "on" ? { metrics } : {}),
    });
    startup.did(() => app.close());
    await app.listen({ port: o.port, host: o.host });
    const port = boundPort(app.server, o.port);
    if (o.adminPort !== undefined) {
      const admin = await startAdminServer({
        port: o.adminPort,
        host: "127.0.0.1",
        source: metrics,
        ready: () => ex.backend.ready(),
      });
      startup.did(() => admin.close());
      closeAdmin = () => admin.close();
      admin_port = admin.port;
    }
    // The lead's sequencer takes this place: what `bourse snapshot` and `bourse status` reach.
    control.serve({
      snapshot: async () => {
        const [u] = await Promise.all([ex.ubscore.snapshot(), ex.matching.snapshot()]);
        obs.ubscore.log.logger.info(
          { event: ProcessEvent.SNAPSHOT_TAKEN, seq: u.seq, path: u.path },
          "snapshot on request",
        );
        return { seq: u.seq, path: u.path };
      },
      status: () => ({ url: `http://${o.host}:${port}`, ready: ex.backend.ready() }),
    });
    const loggers = Object.values(obs).map((x) => x.log);
    let stopping: Promise<void> | null = null;
    const stop = (): Promise<void> => {
      stopping ??= (async () => {
        control.stopping();
        await closeAdmin();
        await app.close();
        await ex.stop();
        for (const l of loggers) l.logger.info({ event: ProcessEvent.STOPPED }, "stopped");
        for (const x of Object.values(obs)) await x.close();
        await control.close();
      })();
      return stopping;
    };
    onStopSignals({ loggers, stop });
    // Last: once this line is out, a script may signal the process at once.
    announce({
      event: "BOURSE_STARTED",
      mode: "embedded",
      url: `http://${o.host}:${port}`,
      data_dir,
      pid: process.pid,
      ...(admin_port === null ? {} : { admin_port }),
    });
    shutdown = (err) => {
      process.exitCode = 1;
      process.stderr.write(
        `bourse: a service stopped: ${err instanceof Error ? err.message : String(err)}\n`,
      );
      void stop().then(() => process.exit(1));
    };
  } catch (err) {
    await startup.unwind();
    throw err;
  }
}
