// What the core allocates per command, and where: the replay again in a fresh
// core under V8's sampling heap profiler, counting objects the collector has
// already taken too (a young object that dies at once is exactly the garbage
// the hot path should not make). Sampled, so an estimate (one sample per
// 512 bytes allocated on average); slower than the plain replay, so it has a
// run of its own and never touches the replay's figures.

import { Session } from "node:inspector/promises";
import { type Command, Core, type Spec } from "../core/mod.ts";

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

/** Replay `cmds` in a fresh core under the sampling heap profiler. */
export async function measureAllocations(
  spec: Spec,
  cmds: readonly Command[],
): Promise<AllocationResult> {
  // One unprofiled pass first, so the profile sees optimised code, not the warm-up.
  const warm = new Core(spec);
  for (let i = 0; i < cmds.length; i++) warm.applySealed(cmds[i] as Command);
  const session = new Session();
  session.connect();
  try {
    await session.post("HeapProfiler.enable");
    await session.post("HeapProfiler.startSampling", {
      samplingInterval: 512,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    } as never);
    const core = new Core(spec);
    for (let i = 0; i < cmds.length; i++) core.applySealed(cmds[i] as Command);
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
    const top = [...byFn]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([fn, bytes]) => ({
        fn,
        share: Math.round((bytes / Math.max(1, total)) * 1000) / 1000,
      }));
    return {
      mode: "allocations",
      commands: cmds.length,
      bytes_per_command: Math.round(total / Math.max(1, cmds.length)),
      top,
    };
  } finally {
    session.disconnect();
  }
}
