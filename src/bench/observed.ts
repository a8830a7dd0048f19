// The cost of logging and metrics on the core: the same flow replayed with the
// services' markers and counters on (UBSCore's and the matching engine's, real
// log files at the default sampling) and with them off, alternately, in one
// process. Both modes replay in bursts and yield between them, as a service
// does between batches, so the log writer drains on the same thread and its
// cost is counted; a run that dropped lines would be cheating and is reported.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Core, type CoreOutput, hashHex, type Spec } from "../core/mod.ts";
import { createServiceObs, OBS_DEFAULTS } from "../obs/mod.ts";
import { coreObserver } from "../pipeline/observe.ts";
import type { Parsed } from "./flow.ts";

const BURST = 1024;

type Hook = (out: CoreOutput) => void;

export interface ObservedResult {
  mode: "observability";
  commands: number;
  runs_each: number;
  plain_commands_per_s: number;
  observed_commands_per_s: number;
  /** observed / plain, best run of each. */
  ratio: number;
  /** Lines written over all observed runs. */
  log_lines: number;
  log_bytes: number;
  dropped_lines: number;
  sample_ppm: number;
  state_hash: string;
}

async function run(spec: Spec, cmds: readonly CoreOutput["input"][], hook: Hook | null) {
  const core = new Core(spec);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < cmds.length; i += BURST) {
    const end = Math.min(cmds.length, i + BURST);
    for (let j = i; j < end; j++) {
      const out = core.apply(cmds[j] as CoreOutput["input"]);
      if (hook !== null) hook(out);
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { seconds, state_hash: hashHex(core.stateHash()) };
}

function logFiles(dir: string): { lines: number; bytes: number } {
  let bytes = 0;
  let lines = 0;
  for (const f of readdirSync(dir)) {
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
  let state_hash = "";
  let dropped = 0;
  // Plain first, then observed, alternating: a warm JIT favours whichever runs later.
  for (let r = 0; r < runs_each; r++) {
    const plain = await run(spec, cmds, null);
    best_plain = Math.min(best_plain, plain.seconds);
    const options = { ...OBS_DEFAULTS, log_dir };
    const ubs_obs = createServiceObs("ubscore", options);
    const me_obs = createServiceObs("matching", options);
    await ubs_obs.log.open();
    await me_obs.log.open();
    const observed = await run(spec, cmds, coreObserver(spec, ubs_obs, me_obs));
    await Promise.all([ubs_obs.close(), me_obs.close()]);
    best_observed = Math.min(best_observed, observed.seconds);
    if (plain.state_hash !== observed.state_hash) {
      throw new Error(
        `observed replay ended in ${observed.state_hash}, plain in ${plain.state_hash}`,
      );
    }
    state_hash = plain.state_hash;
    dropped += (ubs_obs.log.writer?.dropped ?? 0) + (me_obs.log.writer?.dropped ?? 0);
  }
  const files = logFiles(log_dir);
  return {
    mode: "observability",
    commands: flow.length,
    runs_each,
    plain_commands_per_s: Math.round(flow.length / best_plain),
    observed_commands_per_s: Math.round(flow.length / best_observed),
    ratio: Math.round((best_plain / best_observed) * 1000) / 1000,
    log_lines: files.lines,
    log_bytes: files.bytes,
    dropped_lines: dropped,
    sample_ppm: OBS_DEFAULTS.log_sample_ppm,
    state_hash,
  };
}
