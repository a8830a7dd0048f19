// A private nats-server with JetStream for fault tests: its own port and store
// folder, so tests can kill and restart it while the shared server stays up.

import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./ports.ts";

const CANDIDATES = ["/usr/sbin/nats-server", "/usr/local/bin/nats-server", "/usr/bin/nats-server"];

/** The nats-server binary: BOURSE_NATS_SERVER_BIN, else a usual install path, else null. */
export function natsServerBin(): string | null {
  const given = process.env.BOURSE_NATS_SERVER_BIN;
  if (given !== undefined && given !== "") return existsSync(given) ? given : null;
  return CANDIDATES.find((p) => existsSync(p)) ?? null;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

export class PrivateNatsServer {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private output = "";

  private constructor(
    readonly bin: string,
    readonly port: number,
    readonly store_dir: string,
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  static async start(bin: string): Promise<PrivateNatsServer> {
    const store = await mkdtemp(join(tmpdir(), "bourse-nats-"));
    const server = new PrivateNatsServer(bin, await freePort(), store);
    await server.restart();
    return server;
  }

  /** Starts the server (again) on the same port and store folder; resolves once it accepts connections. */
  async restart(deadline_ms = 15_000): Promise<void> {
    if (this.child !== null) throw new Error("nats-server is already running");
    const child = spawn(
      this.bin,
      ["-js", "-a", "127.0.0.1", "-p", String(this.port), "-sd", this.store_dir],
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
    while (!(await accepts(this.port))) {
      if (gone) throw new Error(`nats-server exited at start:\n${this.output}`);
      if (Date.now() > until) {
        await this.stop("SIGKILL");
        throw new Error(
          `nats-server did not accept connections within ${deadline_ms} ms:\n${this.output}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Stops the server and waits for its exit: SIGTERM shuts down cleanly, SIGKILL does not. */
  async stop(signal: "SIGTERM" | "SIGKILL" = "SIGTERM"): Promise<void> {
    const child = this.child;
    if (child === null) return;
    child.kill(signal);
    await this.exited;
  }

  /** Stops the server and removes its store. */
  async dispose(): Promise<void> {
    await this.stop("SIGKILL");
    await rm(this.store_dir, { recursive: true, force: true });
  }

  /** The server's recent log lines, for failure messages. */
  log(): string {
    return this.output;
  }
}
