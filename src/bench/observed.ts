// The cost of logging and metrics on the core: the same flow replayed with the
// services' markers and counters on (UBSCore's and the matching engine's, real
// log files, every marker written as by default) and with them off,
// alternately, in one process. Both modes replay in bursts and yield between
// them, as a service does between batches. The log worker formats and writes
// on its own thread, as in a service; the observed run is timed until its
// last line is in the file, so a worker that falls behind shows as time (the
// replay waits for it) rather than as lines still to write. A run that
// dropped lines would be cheating and is reported.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Core, type CoreOutput, hashHex, type Spec } from "../core/mod.ts";
import { createServiceObs, OBS_DEFAULTS } from "../obs/mod.ts";
import { coreObserver } from "../pipeline/mod.ts";
import type { Parsed } from "./flow.ts";

const BURST = 1024;

type Hook = (out: CoreOutput) => void;

export interface ObservedResult {
  mode: "observability";
  commands: number;
  runs_each: number;
  plain_commands_per_s: number;
  observed_commands_per_s: number;
  /** observed / plain, best run of each (wall clock). */
  ratio: number;
  /**
   * The same from the CPU time of the replaying thread (Linux: /proc), best
   * run of each: on a machine busy with other work, wall-clock time mostly
   * measures the scheduler; this measures what logging costs the core's thread.
   */
  main_thread_cpu_ratio: number | null;
  /** The same for the whole process: the core's thread and the log worker's. */
  process_cpu_ratio: number;
  /** Lines written over all observed runs. */
  log_lines: number;
  log_bytes: number;
  dropped_lines: number;
  /** Times the replay waited for the log worker (ring full), over all observed runs. */
  backpressure_waits: number;
  /** The log worker's time on the lines, per observed run (its own thread), and the run's length. */
  worker_busy_s_per_run: number;
  observed_s_per_run: number;
  sample_ppm: number;
  state_hash: string;
}

/** CPU seconds of this thread (the replay's), from /proc on Linux; null elsewhere. */
function threadCpuSeconds(): number | null {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime, in clock ticks of 1/100 s.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

async function run(
  spec: Spec,
  cmds: readonly CoreOutput["input"][],
  hook: Hook | null,
  drained: () => Promise<void> = () => Promise.resolve(),
) {
  const core = new Core(spec);
  const thread0 = threadCpuSeconds();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < cmds.length; i += BURST) {
    const end = Math.min(cmds.length, i + BURST);
    for (let j = i; j < end; j++) {
      const out = core.apply(cmds[j] as CoreOutput["input"]);
      if (hook !== null) hook(out);
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  await drained();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const thread1 = threadCpuSeconds();
  return {
    seconds,
    process_cpu_s: (cpu.user + cpu.system) / 1e6,
    thread_cpu_s: thread0 === null || thread1 === null ? null : thread1 - thread0,
    state_hash: hashHex(core.stateHash()),
  };
}

function logFiles(dir: string): { lines: number; bytes: number } {
  let bytes = 0;
  let lines = 0;
  for (const f of readdirSync(dir)) {
    if (!f.endsWith(".log")) continue;
    const data = readFileSync(join(dir, f));
    bytes += data.length;
    for (let i = data.indexOf(10); i !== -1; i = data.indexOf(10, i + 1)) lines++;
  }
  return { lines, bytes };
}

export async function replayObserved(
  spec: Spec,
  flow: readonly Parsed[],
  log_dir: string,
  runs_each = 2,
): Promise<ObservedResult> {
  const cmds = flow.flatMap((p) => ("cmd" in p ? [p.cmd] : []));
  let best_plain = Number.POSITIVE_INFINITY;
  let best_observed = Number.POSITIVE_INFINITY;
  const best = {
    plain_cpu: Infinity,
    observed_cpu: Infinity,
    plain_thread: Infinity,
    observed_thread: Infinity,
  };
  let state_hash = "";
  let dropped = 0;
  let waits = 0;
  let worker_ms = 0;
  let observed_s = 0;
  // Plain first, then observed, alternating: a warm JIT favours whichever runs later.
  for (let r = 0; r < runs_each; r++) {
    const plain = await run(spec, cmds, null);
    best_plain = Math.min(best_plain, plain.seconds);
    best.plain_cpu = Math.min(best.plain_cpu, plain.process_cpu_s);
    best.plain_thread = Math.min(best.plain_thread, plain.thread_cpu_s ?? Number.NaN);
    const options = { ...OBS_DEFAULTS, log_dir };
    const ubs_obs = createServiceObs("ubscore", options);
    const me_obs = createServiceObs("matching_engine", options);
    await ubs_obs.log.open();
    await me_obs.log.open();
    const observed = await run(spec, cmds, coreObserver(spec, ubs_obs, me_obs), async () => {
      await Promise.all([ubs_obs.log.flush(), me_obs.log.flush()]);
    });
    await Promise.all([ubs_obs.close(), me_obs.close()]);
    best_observed = Math.min(best_observed, observed.seconds);
    best.observed_cpu = Math.min(best.observed_cpu, observed.process_cpu_s);
    best.observed_thread = Math.min(best.observed_thread, observed.thread_cpu_s ?? Number.NaN);
    if (plain.state_hash !== observed.state_hash) {
      throw new Error(
        `observed replay ended in ${observed.state_hash}, plain in ${plain.state_hash}`,
      );
    }
    state_hash = plain.state_hash;
    dropped += (ubs_obs.log.writer?.dropped ?? 0) + (me_obs.log.writer?.dropped ?? 0);
    waits += (ubs_obs.log.writer?.waits ?? 0) + (me_obs.log.writer?.waits ?? 0);
    worker_ms +=
      (ubs_obs.log.writer?.worker_busy_ms ?? 0) + (me_obs.log.writer?.worker_busy_ms ?? 0);
    observed_s += observed.seconds;
  }
  const files = logFiles(log_dir);
  return {
    mode: "observability",
    commands: flow.length,
    runs_each,
    plain_commands_per_s: Math.round(flow.length / best_plain),
    observed_commands_per_s: Math.round(flow.length / best_observed),
    ratio: Math.round((best_plain / best_observed) * 1000) / 1000,
    main_thread_cpu_ratio: Number.isFinite(best.plain_thread / best.observed_thread)
      ? Math.round((best.plain_thread / best.observed_thread) * 1000) / 1000
      : null,
    process_cpu_ratio: Math.round((best.plain_cpu / best.observed_cpu) * 1000) / 1000,
    log_lines: files.lines,
    log_bytes: files.bytes,
    dropped_lines: dropped,
    backpressure_waits: waits,
    worker_busy_s_per_run: Math.round(worker_ms / runs_each) / 1000,
    observed_s_per_run: Math.round((observed_s / runs_each) * 1000) / 1000,
    sample_ppm: OBS_DEFAULTS.log_sample_ppm,
    state_hash,
  };
}
