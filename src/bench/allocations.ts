// What the core allocates per command, and where: the replay again in a fresh
// core under V8's sampling heap profiler, counting objects the collector has
// already taken too (a young object that dies at once is exactly the garbage
// the hot path should not make). Sampled, so an estimate (one sample per
// 512 bytes allocated on average); slower than the plain replay, so it has a
// run of its own and never touches the replay's figures. The same for the
// order path's steps on a book that stays small (`bench paths
// --allocations`): there nothing grows, so what a step allocates is garbage.

import { Session } from "node:inspector/promises";
import { type Command, Core, type Spec } from "../core/mod.ts";
import { MAKERS, type PathsOptions, pathSteps, WARM_ROUNDS } from "./paths.ts";

export interface AllocationResult {
  mode: "allocations";
  commands: number;
  /** Sampled bytes allocated on the JS heap per command, sealed outputs (applySealed). */
  bytes_per_command: number;
  /** The functions that allocated most, with their share of the bytes. */
  top: { fn: string; share: number }[];
}

interface SamplingNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: SamplingNode[];
}

/** Bytes allocated by function in a sampled profile; the total. */
interface Profile {
  total: number;
  byFn: Map<string, number>;
}

/** Run `work` under the sampling heap profiler, young garbage included. */
async function sampled(
  session: Session,
  interval_bytes: number,
  work: () => void,
): Promise<Profile> {
  await session.post("HeapProfiler.startSampling", {
    samplingInterval: interval_bytes,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  } as never);
  work();
  const { profile } = (await session.post("HeapProfiler.stopSampling")) as {
    profile: { head: SamplingNode };
  };
  const byFn = new Map<string, number>();
  let total = 0;
  const walk = (n: SamplingNode): void => {
    if (n.selfSize > 0) {
      const f = n.callFrame;
      const where = f.url === "" ? "" : ` ${f.url.slice(f.url.lastIndexOf("/") + 1)}`;
      const key = `${f.functionName || "(anonymous)"}${where}`;
      byFn.set(key, (byFn.get(key) ?? 0) + n.selfSize);
      total += n.selfSize;
    }
    for (const c of n.children) walk(c);
  };
  walk(profile.head);
  return { total, byFn };
}

/** The functions that allocated most, largest first. */
function topOf(p: Profile, n: number): [string, number][] {
  return [...p.byFn].sort((a, b) => b[1] - a[1]).slice(0, n);
}

async function withProfiler<T>(fn: (session: Session) => Promise<T>): Promise<T> {
  const session = new Session();
  session.connect();
  try {
    await session.post("HeapProfiler.enable");
    return await fn(session);
  } finally {
    session.disconnect();
  }
}

/** Replay `cmds` in a fresh core under the sampling heap profiler. */
export async function measureAllocations(
  spec: Spec,
  cmds: readonly Command[],
): Promise<AllocationResult> {
  // One unprofiled pass first, so the profile sees optimised code, not the warm-up.
  const warm = new Core(spec);
  for (let i = 0; i < cmds.length; i++) warm.applySealed(cmds[i] as Command);
  const p = await withProfiler((session) =>
    sampled(session, 512, () => {
      const core = new Core(spec);
      for (let i = 0; i < cmds.length; i++) core.applySealed(cmds[i] as Command);
    }),
  );
  return {
    mode: "allocations",
    commands: cmds.length,
    bytes_per_command: Math.round(p.total / Math.max(1, cmds.length)),
    top: topOf(p, 8).map(([fn, bytes]) => ({
      fn,
      share: Math.round((bytes / Math.max(1, p.total)) * 1000) / 1000,
    })),
  };
}

export interface PathAllocationResult {
  mode: "path-allocations";
  symbol: string;
  /** Repetitions of each step under the profiler. */
  iterations: number;
  /**
   * Sampled bytes allocated per command by each step, repeated on a book
   * that returns to where it was (one sample per 64 bytes on average, so
   * 0 means less than a byte a command): resting limit sells and the market
   * buy that takes them; a resting buy and its cancel by client order id; a
   * refused cancel.
   */
  bytes_per_command: { rest_and_trade: number; rest_and_cancel: number; refused: number };
  /** Per step, the functions that allocated, with their bytes per command. */
  top: { step: string; fn: string; bytes_per_command: number }[];
}

/** What the order path's steps allocate, each step profiled on its own after warm-up rounds. */
export async function measurePathAllocations(
  spec: Spec,
  o: Pick<PathsOptions, "iterations">,
  symbol?: string,
): Promise<PathAllocationResult> {
  // Funds for the warm-up rounds and one round's worth of each step profiled.
  const steps = pathSteps(spec, { rounds: 1, iterations: o.iterations }, symbol);
  for (let r = 0; r < WARM_ROUNDS; r++) steps.round(o.iterations);
  const n = o.iterations;
  const profiles = await withProfiler(async (session) => ({
    rest_and_trade: {
      commands: n * (MAKERS + 1),
      p: await sampled(session, 64, () => {
        for (let i = 0; i < n; i++) {
          steps.rest();
          steps.market();
        }
      }),
    },
    rest_and_cancel: {
      commands: n * 2,
      p: await sampled(session, 64, () => {
        for (let i = 0; i < n; i++) steps.bidAndCancel();
      }),
    },
    refused: {
      commands: n,
      p: await sampled(session, 64, () => {
        for (let i = 0; i < n; i++) steps.refuse();
      }),
    },
  }));
  steps.core.validateInternalState();
  const per = (bytes: number, commands: number) => Math.round((bytes / commands) * 10) / 10;
  const top: PathAllocationResult["top"] = [];
  for (const [step, { commands, p }] of Object.entries(profiles)) {
    for (const [fn, bytes] of topOf(p, 3)) {
      top.push({ step, fn, bytes_per_command: per(bytes, commands) });
    }
  }
  return {
    mode: "path-allocations",
    symbol: steps.symbol.name,
    iterations: n,
    bytes_per_command: {
      rest_and_trade: per(profiles.rest_and_trade.p.total, profiles.rest_and_trade.commands),
      rest_and_cancel: per(profiles.rest_and_cancel.p.total, profiles.rest_and_cancel.commands),
      refused: per(profiles.refused.p.total, profiles.refused.commands),
    },
    top,
  };
}
