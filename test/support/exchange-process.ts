// Runs `bourse` commands as real child processes for end-to-end tests: the
// embedded exchange (`bourse start`) and `bourse keys create`.

import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { BourseClient } from "../../src/client/mod.ts";

const root = new URL("../..", import.meta.url).pathname;
const BIN = join(root, "bin/bourse.js");

export interface Running {
  url: string;
  pid: number;
  proc: ChildProcess;
  /** What the process printed when it was up. */
  started: Record<string, unknown>;
  /** Graceful stop (SIGTERM), resolves with the exit code. */
  stop(): Promise<number | null>;
  kill(): Promise<void>;
}

/**
 * Run a `bourse` command that announces itself with a BOURSE_STARTED line.
 * stderr is kept for the error message and, with `stderr_file`, appended there.
 */
export async function spawnBourse(
  args: string[],
  stderr_file?: string,
  env: NodeJS.ProcessEnv = {},
): Promise<Running> {
  const proc = spawn(process.execPath, ["--max-semi-space-size=64", BIN, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  let stderr = "";
  proc.stderr?.on("data", (d) => {
    stderr += String(d);
    if (stderr_file !== undefined) appendFileSync(stderr_file, d);
  });
  const lines = createInterface({ input: proc.stdout as NodeJS.ReadableStream });
  const exited = once(proc, "exit");
  const started = await new Promise<Record<string, unknown>>((resolve, reject) => {
    lines.on("line", (line) => {
      if (!line.startsWith("{")) return;
      const m = JSON.parse(line) as Record<string, unknown>;
      if (m.event === "BOURSE_STARTED") resolve(m);
    });
    void exited.then(() =>
      reject(new Error(`bourse ${args[0]} exited before it was up: ${stderr}`)),
    );
  });
  return {
    url: String(started.url ?? ""),
    pid: Number(started.pid),
    proc,
    started,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      proc.kill("SIGTERM");
      const [code] = await exited;
      return code as number | null;
    },
    async kill() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill("SIGKILL");
      await exited;
    },
  };
}

export function startExchange(
  data_dir: string,
  extra: string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<Running> {
  return spawnBourse(
    [
      "start",
      "--data-dir",
      data_dir,
      "--port",
      "0",
      "--log-dir",
      join(data_dir, "logs"),
      "--log-sample-ppm",
      "1000000",
      ...extra,
    ],
    undefined,
    env,
  );
}

export interface CommandResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Run a `bourse` command to its end (an operator command, or a start expected to fail). */
export function runBourse(args: string[], env: NodeJS.ProcessEnv = process.env): CommandResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: "utf8",
    env,
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export interface Key {
  api_key: string;
  secret: string;
}

export function createKey(data_dir: string, who: { user: number } | "operator"): Key {
  const args = ["keys", "create", "--data-dir", data_dir, "--json"];
  if (who === "operator") args.push("--operator");
  else args.push("--user", String(who.user));
  const out = execFileSync(process.execPath, [BIN, ...args], { encoding: "utf8" });
  return JSON.parse(out) as Key;
}

export function clientFor(url: string, key?: Key): BourseClient {
  return new BourseClient(
    key === undefined
      ? { baseUrl: url }
      : { baseUrl: url, apiKey: key.api_key, secret: key.secret },
  );
}

/**
 * Settlement writes after the answer: wait for the database to show what the
 * check expects, with a deadline. The exchange is another process, so there is
 * no event to await; the deadline makes a missing row a failure, not a hang.
 */
export async function eventually<T>(
  read: () => Promise<T>,
  ok: (value: T) => boolean,
  what: string,
  timeout_ms = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeout_ms;
  let last: T = await read();
  while (!ok(last)) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 20));
    last = await read();
  }
  return last;
}
