// `bourse start` running: the order path (sequencer, settlement worker), the
// gateway's HTTP server, logs and metrics, the control socket, and a graceful
// stop. A start that fails undoes what it had started (lock, socket,
// journals) before it reports.

import { join } from "node:path";
import { openControl } from "../control/mod.ts";
import { Marker } from "../core/mod.ts";
import { startEmbedded } from "../embedded/mod.ts";
import { buildGatewayApp, KeyStore, observeGateway, TracedBackend } from "../gateway/mod.ts";
import { createStreams } from "../gateway/ws/mod.ts";
import { MarketHub } from "../marketdata/mod.ts";
import {
  createMetrics,
  createProcessMetrics,
  initTracing,
  logLifecycle,
  logRecovery,
  logSnapshot,
  mergeRegistries,
  type ServiceObs,
  startAdminServer,
} from "../obs/mod.ts";
import { openSqliteSource, TraceDatabase } from "../trace/mod.ts";
import { announce, boundPort, gatewayOptionsFrom } from "./common.ts";
import { onStopSignals, Startup } from "./lifecycle.ts";
import { obsOptionsFrom, openObs, specFrom } from "./runtime.ts";
import type { StartOptions } from "./start.ts";
import { traceLookup } from "./trace-lookup.ts";

export async function runEmbedded(o: StartOptions): Promise<void> {
  const spec = specFrom(o);
  const obsOptions = obsOptionsFrom(o);
  const data_dir = o.dataDir;
  const startup = new Startup();
  try {
    // Creates the data folder (0700), takes its lock and serves the control socket.
    const control = await openControl({ data_dir, service: "start" });
    startup.did(() => control.close());
    // Settlement's log is written by its worker thread; its spans are recorded here.
    const obs: Record<"gateway" | "ubscore" | "matching_engine", ServiceObs> = {
      gateway: await openObs("gateway", obsOptions),
      ubscore: await openObs("ubscore", obsOptions),
      matching_engine: await openObs("matching_engine", obsOptions),
    };
    const settlement_tracing = initTracing({
      service: "settlement",
      exporter: obsOptions.otel_exporter,
      otlp_url: obsOptions.otel_url,
      sample_ratio: obsOptions.otel_sample_ratio,
    });
    startup.did(async () => {
      for (const x of Object.values(obs)) await x.close();
    });
    let shutdown: ((err?: unknown) => void) | null = null;
    let closeAdmin = async () => {};
    let admin_port: number | null = null;
    const market = new MarketHub(spec);
    const ex = await startEmbedded({
      spec,
      data_dir,
      market,
      sync: o.sync,
      snapshot_every_outputs: o.snapshotEvery,
      obs: { ...obs, settlement: { tracing: settlement_tracing } },
      settlement_log: {
        dir: obsOptions.log_dir,
        level: obsOptions.log_level,
        retention_days: obsOptions.log_retention_days,
        sample_ppm: obsOptions.log_sample_ppm,
      },
      on_failure: (stage, err) => {
        logLifecycle(obs.ubscore.log, Marker.SERVICE_FAILED, { stage, err }, `${stage} stopped`);
        shutdown?.(err);
      },
      on_backpressure: (engaged, sink, backlog) => {
        obs.ubscore.log.logger.warn(
          { event: engaged ? "BACKPRESSURE_ENGAGED" : "BACKPRESSURE_RELEASED", sink, backlog },
          engaged ? `intake paused: ${sink} is ${backlog} outputs behind` : "intake resumed",
        );
      },
    });
    startup.did(() => ex.stop());
    logRecovery(obs.ubscore.log, ex.recovery);
    // Settlement runs in a worker thread; its lag is reported with each commit.
    const settlement_metrics = createMetrics("settlement");
    ex.settlement.onCommitted((r) =>
      settlement_metrics.settlement_lag_seconds.set(r.lag_ms / 1000),
    );
    const metrics = mergeRegistries([
      ...Object.values(obs).map((x) => x.metrics.registry),
      settlement_metrics.registry,
      createProcessMetrics(),
    ]);
    // History comes from settlement's database: user reads state its position.
    const streams = createStreams({
      hub: market,
      reflected_seq: () => ex.settlement.committedSeq(),
    });
    startup.did(() => streams.stop());
    const app = buildGatewayApp({
      backend: new TracedBackend(ex.backend, obs.gateway.tracing),
      spec,
      keys: KeyStore.open(data_dir),
      hooks: observeGateway(obs.gateway),
      options: gatewayOptionsFrom(o),
      streams,
      ...(o.apiMetrics === "on" ? { metrics } : {}),
      trace: traceLookup({
        log_dirs: [obsOptions.log_dir],
        database: async () => new TraceDatabase(openSqliteSource(join(data_dir, "settlement.db"))),
      }),
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
    // What `bourse snapshot` and `bourse status` reach: the sequencer's state.
    control.serve({
      snapshot: async () => {
        const r = await ex.pipeline.journal.snapshot();
        logSnapshot(obs.ubscore.log, r);
        return { seq: r.seq, path: r.path };
      },
      status: () => ({ url: `http://${o.host}:${port}`, ready: ex.backend.ready() }),
    });
    const loggers = Object.values(obs).map((x) => x.log);
    let stopping: Promise<void> | null = null;
    const stop = (): Promise<void> => {
      stopping ??= (async () => {
        control.stopping();
        await closeAdmin();
        streams.stop();
        await app.close();
        await ex.stop();
        for (const x of Object.values(obs)) await x.close();
        await settlement_tracing.shutdown();
        await control.close();
      })();
      return stopping;
    };
    onStopSignals({ loggers, stop });
    for (const x of Object.values(obs)) x.ready();
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
