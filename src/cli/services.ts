// Distributed mode: one command per service, each its own process, connected
// by an event log with request/reply, either NATS JetStream (`--nats`) or
// Apache Kafka (`--kafka`, request/reply carried on two topics of the log),
// and, for settlement and the gateway's queries, PostgreSQL. The services are the same code as in `bourse start`.
// Their modules are imported when a command runs, so `bourse --help` and the
// other commands do not pay for loading all of them.

import { join } from "node:path";
import { Command, Option } from "commander";
import type { Spec } from "../core/mod.ts";
import type { ServiceObs } from "../obs/mod.ts";
import type { SettlementStore } from "../store/mod.ts";
import type { EventLog, Rpc } from "../transport/mod.ts";
import {
  addGatewayOptions,
  addKafkaOptions,
  addObsOptions,
  announce,
  boundPort,
  configOption,
  ENV,
  type GatewayFlags,
  gatewayOptionsFrom,
  int,
  type KafkaFlags,
  snapshotEveryOption,
} from "./common.ts";

interface Common extends KafkaFlags {
  nats?: string;
  natsPrefix: string;
  adminPort: number;
  config?: string;
  [k: string]: unknown;
}

/** What a service needs from its transport, whichever it is. */
interface Transport {
  log: EventLog;
  rpc: Rpc;
  readonly ready: boolean;
  close(): Promise<void>;
}

function common(cmd: Command, adminPort: number): Command {
  cmd
    .addOption(
      new Option(
        "--nats <urls>",
        "NATS server URL(s), comma-separated for a cluster: the event log on NATS JetStream (this or --kafka)",
      ).env(ENV.nats),
    )
    .addOption(
      new Option(
        "--nats-prefix <name>",
        "stream and subject prefix (one per exchange sharing the servers)",
      )
        .default("bourse")
        .env(ENV.prefix),
    )
    .addOption(
      new Option("--admin-port <n>", "port of /metrics, /livez and /readyz (0 picks a free one)")
        .argParser(int)
        .default(adminPort)
        .env(ENV.admin_port),
    )
    .addOption(configOption());
  addKafkaOptions(cmd);
  return addObsOptions(cmd);
}

/**
 * NATS or Kafka: exactly one. A flag given on the command line wins over the
 * other's environment variable (flags win, as everywhere); two flags, two
 * variables or none are refused.
 */
export function chooseTransport(
  o: { nats?: string; kafka?: string },
  source: (name: "nats" | "kafka") => string | undefined,
): "nats" | "kafka" {
  const given = (k: "nats" | "kafka") => o[k] !== undefined && o[k]?.trim() !== "";
  const nats = given("nats");
  const kafka = given("kafka");
  if (nats && kafka) {
    const cli = (k: "nats" | "kafka") => source(k) === "cli";
    if (cli("nats") !== cli("kafka")) return cli("nats") ? "nats" : "kafka";
    throw new Error(
      `both --nats (${ENV.nats}) and --kafka (${ENV.kafka}) are set: a distributed exchange runs on one of them; give exactly one`,
    );
  }
  if (nats) return "nats";
  if (kafka) return "kafka";
  throw new Error(
    `no transport: give --nats <urls> (or ${ENV.nats}) for NATS JetStream, or --kafka <brokers> (or ${ENV.kafka}) for Apache Kafka`,
  );
}

async function connectTransport(
  o: Common,
  kind: "nats" | "kafka",
  service: string,
): Promise<Transport> {
  if (kind === "nats") {
    const { connectNats } = await import("../transport/mod.ts");
    return connectNats({
      servers: (o.nats as string).split(",").map((s) => s.trim()),
      prefix: o.natsPrefix,
      name: `bourse-${service}`,
    });
  }
  const { connectKafkaLog } = await import("./common.ts");
  const { kafkaTransport } = await import("../transport/mod.ts");
  return kafkaTransport(await connectKafkaLog(o, service), service);
}

function databaseOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        "--database-url <url>",
        "the settlement database: postgres://… (PostgreSQL) or cassandra://host:port/<keyspace> (CQL)",
      )
        .default("postgres://postgres@127.0.0.1:5432/test")
        .env(ENV.database_url),
    )
    .addOption(
      new Option("--database-schema <name>", "schema holding the settlement tables")
        .default("public")
        .env(ENV.database_schema),
    );
}

function dataDirOption(): Option {
  return new Option("--data-dir <dir>", "this process's own folder (journal, snapshots, keys)")
    .default("./data")
    .env(ENV.data_dir);
}

interface Running {
  service: string;
  stop(): Promise<void>;
  ready(): boolean;
  obs: ServiceObs;
  details: Record<string, unknown>;
}

/** Connect, run the service, serve its admin port, stop gracefully. */
async function run(
  service: string,
  o: Common,
  cmd: Command,
  body: (
    spec: Spec,
    transport: Transport,
    obs: ServiceObs,
    fail: (err: unknown) => void,
  ) => Promise<Omit<Running, "obs" | "service">>,
): Promise<void> {
  const kind = chooseTransport(o, (k) => cmd.getOptionValueSource(k));
  const { obsOptionsFrom, openObs, specFrom } = await import("./runtime.ts");
  const { mergeRegistries, startAdminServer } = await import("../obs/mod.ts");
  const { onStopSignals } = await import("./lifecycle.ts");
  const spec = specFrom(o);
  const obs = await openObs(service, obsOptionsFrom(o), true);
  const transport = await connectTransport(o, kind, service).catch(async (err: unknown) => {
    await obs.close();
    throw err;
  });
  let stopping: Promise<void> | null = null;
  let running: Omit<Running, "obs" | "service"> | null = null;
  let admin: { close(): Promise<void>; port: number } | null = null;
  const stop = () => {
    stopping ??= (async () => {
      await admin?.close();
      await running?.stop();
      await transport.close();
      await obs.close();
    })();
    return stopping;
  };
  const { Marker } = await import("../core/mod.ts");
  const { logLifecycle } = await import("../obs/mod.ts");
  const fail = (err: unknown) => {
    logLifecycle(obs.log, Marker.SERVICE_FAILED, { err }, `${service} stopped`);
    process.stderr.write(
      `bourse ${service}: stopped: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    process.exitCode = 1;
    void stop().then(() => process.exit(1));
  };
  try {
    running = await body(spec, transport, obs, fail);
    admin = await startAdminServer({
      port: o.adminPort,
      host: "127.0.0.1",
      source: mergeRegistries([obs.metrics.registry]),
      ready: () => transport.ready && (running?.ready() ?? false),
    });
  } catch (err) {
    // A failed start releases what it took (lock, socket, connections) before it reports.
    await stop().catch(() => undefined);
    throw err;
  }
  onStopSignals({
    loggers: [obs.log],
    stop: async () => {
      await stop();
    },
  });
  // Last: once this line is out, a script may signal the process at once.
  announce({
    event: "BOURSE_STARTED",
    mode: "distributed",
    service,
    transport: kind,
    admin_port: admin.port,
    pid: process.pid,
    ...running.details,
  });
}

export function ubscoreCommand(): Command {
  const cmd = new Command("ubscore")
    .description(
      "run the sequencer (UBSCore and the matching engines, applying the orders topic in order) as its own process over NATS JetStream (--nats) or Apache Kafka (--kafka)",
    )
    .addOption(dataDirOption())
    .addOption(snapshotEveryOption("outputs between snapshots"));
  common(cmd, 9101);
  return cmd.action((o: Common & { dataDir: string; snapshotEvery: number }, c: Command) =>
    run("ubscore", o, c, async (spec, t, obs, fail) => {
      const { openControl } = await import("../control/mod.ts");
      const { SequencerService } = await import("../pipeline/mod.ts");
      const { MarketDataPublisher } = await import("../marketdata/mod.ts");
      const { coreObserver, releaseMarkers } = await import("../pipeline/observe.ts");
      const { obsOptionsFrom, openObs } = await import("./runtime.ts");
      const { Topic } = await import("../transport/mod.ts");
      // Creates the folder (0700), takes its lock, serves `bourse snapshot` / `bourse status`.
      const control = await openControl({ data_dir: o.dataDir, service: "ubscore" });
      // The matching engines run in this process and keep their own log.
      const me_obs = await openObs("matching_engine", obsOptionsFrom(o));
      // Depth diffs are recorded next to the books and published for the gateways.
      await MarketDataPublisher.prepare(t.log);
      let market: InstanceType<typeof MarketDataPublisher> | null = null;
      const svc = await SequencerService.start({
        spec,
        log: t.log,
        rpc: t.rpc,
        dir: join(o.dataDir, "sequencer"),
        snapshot_every_outputs: o.snapshotEvery,
        on_applied: coreObserver(spec, obs, me_obs),
        stages: [
          MarketDataPublisher.stage(t.log, t.rpc, fail, (p) => {
            market = p;
          }),
        ],
        on_failure: fail,
      }).catch(async (err: unknown) => {
        await me_obs.close();
        await control.close();
        throw err;
      });
      svc.sequencer.addSink(releaseMarkers(spec, obs, Topic.Outputs));
      control.serve({
        snapshot: () => svc.snapshot(),
        status: () => ({ ready: svc.failed() === null }),
      });
      return {
        ready: () => svc.failed() === null,
        stop: async () => {
          control.stopping();
          await (market as InstanceType<typeof MarketDataPublisher> | null)?.stop();
          await svc.stop();
          await me_obs.close();
          await control.close();
        },
        details: { data_dir: o.dataDir },
      };
    }),
  );
}

export function matchingCommand(): Command {
  return new Command("matching")
    .description(
      "no longer a process of its own: the matching engines run inside `bourse ubscore` (the sequencer)",
    )
    .allowUnknownOption()
    .action(() => {
      process.stderr.write(
        "bourse matching: the matching engines now run inside the sequencer (`bourse ubscore`), so an order needs no network hop and no second durable write between balances and books; start `bourse ubscore` alone\n",
      );
      process.exitCode = 2;
    });
}

/** The settlement store at --database-url: postgres://…, or cassandra://host:port/<keyspace> (CQL). */
async function settlementStore(url: string, schema: string, spec: Spec): Promise<SettlementStore> {
  const { isCqlUrl, openCqlStore, openPostgresStore } = await import("../store/mod.ts");
  const store = isCqlUrl(url)
    ? await openCqlStore(url, { symbols: spec.symbols })
    : await openPostgresStore(url, { symbols: spec.symbols, schema });
  await store.migrate();
  return store;
}

export function settlementCommand(): Command {
  const cmd = new Command("settlement").description(
    "run settlement (the sequencer's engine.outputs into PostgreSQL) as its own process, over NATS JetStream (--nats) or Apache Kafka (--kafka)",
  );
  databaseOptions(cmd);
  common(cmd, 9103);
  return cmd.action((o: Common & { databaseUrl: string; databaseSchema: string }, c: Command) =>
    run("settlement", o, c, async (spec, t, obs, fail) => {
      const { startSettlement } = await import("../settlement/mod.ts");
      const { Topic } = await import("../transport/mod.ts");
      const store = await settlementStore(o.databaseUrl, o.databaseSchema, spec);
      const svc = await startSettlement({
        log: t.log,
        topic: Topic.Outputs,
        store,
        catalog: spec,
        obs,
        on_failure: fail,
      });
      return {
        ready: () => svc.healthy(),
        stop: async () => {
          await svc.stop();
          await store.close();
        },
        details: {},
      };
    }),
  );
}

export function gatewayCommand(): Command {
  const cmd = new Command("gateway")
    .description(
      "run an HTTP gateway as its own process (several may run side by side), over NATS JetStream (--nats) or Apache Kafka (--kafka)",
    )
    .addOption(dataDirOption())
    .addOption(new Option("--port <n>", "HTTP port").argParser(int).default(3001).env(ENV.port))
    .addOption(
      new Option("--host <addr>", "address to listen on").default("127.0.0.1").env(ENV.host),
    );
  addGatewayOptions(cmd, "off");
  databaseOptions(cmd);
  common(cmd, 9104);
  return cmd.action(
    (
      o: Common &
        GatewayFlags & {
          databaseUrl: string;
          databaseSchema: string;
          dataDir: string;
          port: number;
          host: string;
        },
      c: Command,
    ) =>
      run("gateway", o, c, async (spec, t, obs) => {
        const { buildGatewayApp, KeyStore } = await import("../gateway/mod.ts");
        const { observeGateway } = await import("../gateway/observe.ts");
        const { PipelineBackend } = await import("../gateway/pipeline-backend.ts");
        const { TracedBackend } = await import("../gateway/traced-backend.ts");
        const { mergeRegistries } = await import("../obs/mod.ts");
        const { LogIntake } = await import("../pipeline/mod.ts");
        const { isCqlUrl, watchCqlPosition, watchPostgresPosition } = await import(
          "../store/mod.ts"
        );
        const { MarketFollower, MarketHub } = await import("../marketdata/mod.ts");
        const { createStreams } = await import("../gateway/ws/mod.ts");
        const { randomBytes } = await import("node:crypto");
        const { openPostgresSource, TraceDatabase } = await import("../trace/mod.ts");
        const { traceLookup } = await import("./trace-lookup.ts");
        const { obsOptionsFrom } = await import("./runtime.ts");
        const store = await settlementStore(o.databaseUrl, o.databaseSchema, spec);
        // Market data: L2 books from the sequencer's market.data, the rest from the outputs followed.
        let follower: InstanceType<typeof MarketFollower> | null = null;
        const hub = new MarketHub(spec, { on_gap: (id) => follower?.onGap(id) });
        follower = new MarketFollower({
          spec,
          log: t.log,
          rpc: t.rpc,
          hub,
          name: `market.gateway-${randomBytes(6).toString("hex")}`,
        });
        const settled = isCqlUrl(o.databaseUrl)
          ? await watchCqlPosition(o.databaseUrl)
          : await watchPostgresPosition(o.databaseUrl, { schema: o.databaseSchema });
        // User reads state settlement's position: history comes from its database.
        const streams = createStreams({ hub, reflected_seq: () => settled.committedSeq() });
        const intake = new LogIntake({
          spec,
          log: t.log,
          rpc: t.rpc,
          transport_ready: () => t.ready,
          sinks: [follower.outputs()],
          on_gap: (from, to) => streams.resync(`outputs ${from}..${to - 1} were missed`),
        });
        await intake.start();
        await follower.start();
        const backend = new PipelineBackend({ spec, intake, store, settled });
        const app = buildGatewayApp({
          backend: new TracedBackend(backend, obs.tracing),
          spec,
          keys: KeyStore.open(o.dataDir),
          hooks: observeGateway(obs),
          options: gatewayOptionsFrom(o),
          ...(o.apiMetrics === "on" ? { metrics: mergeRegistries([obs.metrics.registry]) } : {}),
          streams,
          // This host's logs and the shared database (PostgreSQL; `bourse trace` reads no CQL
          // store, so with one the logs alone): `bourse trace` with every host's logs sees more.
          trace: traceLookup({
            log_dirs: [obsOptionsFrom(o).log_dir],
            ...(isCqlUrl(o.databaseUrl)
              ? {}
              : {
                  database: async () =>
                    new TraceDatabase(await openPostgresSource(o.databaseUrl, o.databaseSchema)),
                }),
          }),
        });
        await app.listen({ port: o.port, host: o.host });
        const port = boundPort(app.server, o.port);
        return {
          ready: () => backend.ready(),
          stop: async () => {
            streams.stop();
            await app.close();
            await follower?.stop();
            await intake.stop();
            await settled.close();
            await store.close();
          },
          details: { url: `http://${o.host}:${port}` },
        };
      }),
  );
}
