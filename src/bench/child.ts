// Child processes of the benchmarks: started with node, ready once they print
// the JSON line a predicate accepts (their URL, or BOURSE_STARTED), stopped
// with SIGTERM. CPU time is read from /proc so a run can say which process
// spent it.

import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readdirSync, readFileSync } from "node:fs";
import { createInterface } from "node:readline";

export const ROOT = new URL("../..", import.meta.url).pathname;

export interface Child {
  proc: ChildProcess;
  /** The first JSON line the predicate accepted. */
  started: Record<string, unknown>;
}

export async function spawnNode(
  args: string[],
  ready: (line: Record<string, unknown>) => boolean,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Child> {
  const proc = spawn(process.execPath, args, {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
    env,
  });
  const lines = createInterface({ input: proc.stdout as NodeJS.ReadableStream });
  const started = await new Promise<Record<string, unknown>>((resolve, reject) => {
    lines.on("line", (l) => {
      if (!l.startsWith("{")) return;
      const m = JSON.parse(l) as Record<string, unknown>;
      if (ready(m)) resolve(m);
    });
    proc.once("exit", (code) => reject(new Error(`${args.join(" ")} exited with ${code}`)));
  });
  return { proc, started };
}

export async function stopChild(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = once(proc, "exit");
  proc.kill("SIGTERM");
  await exited;
}

const TICKS_PER_S = 100;

/** User plus system CPU seconds of a process so far; 0 once it is gone. */
export function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which may itself hold spaces.
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / TICKS_PER_S;
  } catch {
    return 0;
  }
}

/** Pids of the processes whose command name is `name` (for servers the run did not start). */
export function pidsNamed(name: string): number[] {
  const pids: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/comm`, "utf8").trim() === name) pids.push(Number(d));
    } catch {
      // Gone between the listing and the read.
    }
  }
  return pids;
}

/** Processes whose command line holds `arg` (a JVM's main class: its name is only "java"). */
export function pidsWithArg(arg: string): number[] {
  const pids: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, "utf8").split("\0").includes(arg))
        pids.push(Number(d));
    } catch {
      // Gone between the listing and the read.
    }
  }
  return pids;
}
