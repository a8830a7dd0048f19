// A private single-node Kafka broker for fault tests: its own ports and data
// folder, so tests can kill and restart it while the shared broker stays up.
// It runs from the jars scripts/services.sh fetched (.services/kafka/lib), the
// same way that script runs the shared one.

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { probeKafka } from "../../scripts/probe.mjs";
import { freePort } from "./ports.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

/** The broker's jars: BOURSE_SERVICES_DIR/kafka/lib, fetched by scripts/services.sh; null when absent. */
export function kafkaLib(): string | null {
  const dir = join(process.env.BOURSE_SERVICES_DIR ?? join(ROOT, ".services"), "kafka", "lib");
  return existsSync(join(dir, ".fetched")) ? dir : null;
}

export function javaBin(): string {
  if (process.env.JAVA !== undefined && process.env.JAVA !== "") return process.env.JAVA;
  if (process.env.JAVA_HOME !== undefined) return join(process.env.JAVA_HOME, "bin", "java");
  return "java";
}

export class PrivateKafkaServer {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private output = "";

  private constructor(
    readonly lib: string,
    readonly port: number,
    readonly dir: string,
  ) {}

  get brokers(): string {
    return `127.0.0.1:${this.port}`;
  }

  static async start(lib: string): Promise<PrivateKafkaServer> {
    const dir = await mkdtemp(join(tmpdir(), "bourse-kafka-"));
    const port = await freePort();
    const controller = await freePort();
    const server = new PrivateKafkaServer(lib, port, dir);
    await writeFile(
      join(dir, "server.properties"),
      [
        "process.roles=broker,controller",
        "node.id=1",
        `controller.quorum.bootstrap.servers=127.0.0.1:${controller}`,
        `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller}`,
        `advertised.listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller}`,
        "inter.broker.listener.name=PLAINTEXT",
        "controller.listener.names=CONTROLLER",
        "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        `log.dirs=${join(dir, "data")}`,
        "auto.create.topics.enable=false",
        "offsets.topic.replication.factor=1",
        "transaction.state.log.replication.factor=1",
        "transaction.state.log.min.isr=1",
        "share.coordinator.state.topic.replication.factor=1",
        "num.network.threads=2",
        "num.io.threads=2",
        "",
      ].join("\n"),
    );
    await writeFile(
      join(dir, "log4j2.properties"),
      [
        "appender.console.type = Console",
        "appender.console.name = STDOUT",
        "appender.console.layout.type = PatternLayout",
        "appender.console.layout.pattern = [%d] %p %m (%c)%n",
        "rootLogger.level = WARN",
        "rootLogger.appenderRef.console.ref = STDOUT",
        "",
      ].join("\n"),
    );
    // A cluster id is 16 random bytes in unpadded base64url; one that starts
    // with "-" reads as an option to the storage tool (1 format in 64 failed).
    let id = randomBytes(16).toString("base64url");
    while (id.startsWith("-")) id = randomBytes(16).toString("base64url");
    const format = spawnSync(
      javaBin(),
      [
        "-Xmx256m",
        ...server.jvmLogging(),
        "-cp",
        join(lib, "*"),
        "kafka.tools.StorageTool",
        "format",
        "--standalone",
        "-t",
        id,
        "-c",
        join(dir, "server.properties"),
      ],
      { encoding: "utf8" },
    );
    if (format.status !== 0) {
      await rm(dir, { recursive: true, force: true });
      throw new Error(`formatting a Kafka data folder failed:\n${format.stdout}${format.stderr}`);
    }
    await server.restart();
    return server;
  }

  private jvmLogging(): string[] {
    return [`-Dlog4j2.configurationFile=${join(this.dir, "log4j2.properties")}`];
  }

  /** Starts the broker (again) on the same ports and data; resolves once it answers a metadata request. */
  async restart(deadline_ms = 90_000): Promise<void> {
    if (this.child !== null) throw new Error("the Kafka broker is already running");
    const child = spawn(
      javaBin(),
      [
        "-Xms256m",
        "-Xmx256m",
        "-XX:+UseG1GC",
        ...this.jvmLogging(),
        `-Dkafka.logs.dir=${this.dir}`,
        "-cp",
        join(this.lib, "*"),
        "kafka.Kafka",
        join(this.dir, "server.properties"),
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    const keep = (b: Buffer) => {
      this.output = (this.output + b.toString("utf8")).slice(-8192);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    this.child = child;
    let gone = false;
    this.exited = new Promise((resolve) => {
      child.once("exit", () => {
        gone = true;
        this.child = null;
        resolve();
      });
    });
    // Polling with a deadline: an external process coming up has no event to await.
    const until = Date.now() + deadline_ms;
    for (;;) {
      const up = await probeKafka("127.0.0.1", this.port, 1000).then(
        () => true,
        () => false,
      );
      if (up) return;
      if (gone) throw new Error(`the Kafka broker exited at start:\n${this.output}`);
      if (Date.now() > until) {
        await this.stop("SIGKILL");
        throw new Error(
          `the Kafka broker did not answer within ${deadline_ms} ms:\n${this.output}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Stops the broker and waits for its exit: SIGTERM is a controlled shutdown, SIGKILL is not. */
  async stop(signal: "SIGTERM" | "SIGKILL" = "SIGTERM"): Promise<void> {
    const child = this.child;
    if (child === null) return;
    child.kill(signal);
    await this.exited;
  }

  /** Stops the broker and removes its data. */
  async dispose(): Promise<void> {
    await this.stop("SIGKILL");
    await rm(this.dir, { recursive: true, force: true });
  }

  log(): string {
    return this.output;
  }
}
