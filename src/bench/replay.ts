// Replay an order flow through the combined core, in process, and measure it.
// Parsing the file is done before the clock starts: the figure is the core's
// (UBSCore checks and freezes, matching, settlement of fills, the hash-chained
// output of every command), not JSON.parse's.

import {
  type Command,
  CommandKind,
  Core,
  commandKindName,
  hash64Into,
  hashHex,
  OrderType,
  orderTypeName,
  restingBook,
  type Spec,
  tifName,
  Writer,
} from "../core/mod.ts";
import type { Parsed } from "./flow.ts";
import { heapUsedAfterGc } from "./heap.ts";

export interface ReplayResult {
  commands: number;
  seconds: number;
  commands_per_s: number;
  trades: number;
  resting_orders: number;
  latency_us: { p50: number; p99: number; max: number };
  /** Null when not measured (--no-heap). */
  heap_bytes_per_resting_order: number | null;
  state_hash: string;
  /** The hash of the last output: equal across versions exactly when every output's bytes are. */
  output_hash: string;
  rejected: number;
  /**
   * The commands at or above p99: the share that were market orders that
   * traded, and other commands that traded; the median trades of those that did.
   */
  slowest_percent: {
    market_orders_that_traded: number;
    other_commands_that_traded: number;
    trades_median: number;
  };
  /**
   * Where the replay's time went, by what the command was and did (kind, an
   * order's type and time in force, refused or trading): count, mean
   * microseconds, share of the replay's time; the eight largest shares.
   */
  by_kind: { what: string; count: number; mean_us: number; share: number }[];
  /** The replay again with every output decoded into objects; ratio: this rate over the sealed one. */
  decoded: { commands_per_s: number; ratio: number };
  /** What the hash chain costs: one XXH64 of an output of the flow's mean size. */
  hash: { output_bytes_mean: number; ns_per_command: number; share_of_command: number };
}

/**
 * Time XXH64 over outputs of `bytes` bytes, as the core seals them (a view
 * of a reused buffer, the hash into halves). The hashes are returned, folded,
 * so that no call can be optimised away.
 */
function hashNsPerOutput(bytes: number, rounds = 200_000): { ns: number; folded: number } {
  // As the core seals: the output (less its own hash) in a reused writer,
  // hashed through the writer's kept view that covers it (prefixCovering).
  const length = Math.max(1, bytes - 8);
  const w = new Writer(64 * 1024);
  w.raw(Buffer.alloc(length, 0x5a));
  const view = w.prefixCovering(length);
  const buf = w.buf;
  const h = new Uint32Array(2);
  let folded = 0;
  for (let i = 0; i < 10_000; i++) {
    hash64Into(view, h, 0, length);
    folded ^= h[0] as number;
  }
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) {
    buf[0] = i & 0xff;
    hash64Into(view, h, 0, length);
    folded ^= h[0] as number;
  }
  return { ns: ((performance.now() - t0) * 1e6) / rounds, folded };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.floor(p * sorted.length));
  return sorted[i] as number;
}

function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Apply every command; the latency of each is the time since the previous one finished. */
export function replay(spec: Spec, flow: readonly Parsed[]): ReplayResult & { core: Core } {
  const core = new Core(spec);
  const cmds = flow.flatMap((p) => ("cmd" in p ? [p.cmd] : []));
  const latency_ns = new Float64Array(cmds.length);
  const trade_counts = new Int32Array(cmds.length);
  let trades = 0;
  let rejected = flow.length - cmds.length;
  // performance.now() (a double, in ms, to the nanosecond here) rather than
  // hrtime.bigint(): two BigInts a command cost the loop more than some
  // commands cost the core.
  const refused = new Uint8Array(cmds.length);
  const t0 = performance.now();
  let prev = t0;
  for (let i = 0; i < cmds.length; i++) {
    // The output is its sealed bytes (what the journal and every consumer
    // receive); objects are decoded only where wanted (`decoded` below).
    core.applySealed(cmds[i] as (typeof cmds)[number]);
    const t = core.lastTradeCount();
    trades += t;
    trade_counts[i] = t;
    if (core.head.reject !== 0) {
      rejected++;
      refused[i] = 1;
    }
    const now = performance.now();
    latency_ns[i] = (now - prev) * 1e6;
    prev = now;
  }
  const seconds = (prev - t0) / 1e3;
  const slowest = slowestPercent(cmds, latency_ns, trade_counts);
  const by_kind = byKind(cmds, latency_ns, trade_counts, refused);
  latency_ns.sort();
  let resting = 0;
  for (const b of core.me.books) if (b !== undefined) resting += b.orders.size;
  const output_bytes_mean = Math.round(core.encoded_bytes / Math.max(1, cmds.length));
  const hash_ns = hashNsPerOutput(output_bytes_mean).ns;
  const decoded_seconds = replayDecoded(spec, cmds);
  return {
    commands: flow.length,
    seconds: round(seconds, 3),
    commands_per_s: Math.round(flow.length / seconds),
    trades,
    resting_orders: resting,
    latency_us: {
      p50: round(percentile(latency_ns, 0.5) / 1000),
      p99: round(percentile(latency_ns, 0.99) / 1000),
      max: round((latency_ns[latency_ns.length - 1] ?? 0) / 1000),
    },
    heap_bytes_per_resting_order: null,
    state_hash: hashHex(core.stateHash()),
    output_hash: hashHex(core.prev_hash),
    rejected,
    hash: {
      output_bytes_mean,
      ns_per_command: round(hash_ns, 1),
      share_of_command: round(hash_ns / ((seconds * 1e9) / cmds.length), 3),
    },
    decoded: {
      commands_per_s: Math.round(flow.length / decoded_seconds),
      ratio: round(seconds / decoded_seconds, 3),
    },
    slowest_percent: slowest,
    by_kind,
    core,
  };
}

/** What the slowest 1% of commands (the p99 tail) were. */
function slowestPercent(
  cmds: readonly Command[],
  latency_ns: Float64Array,
  trade_counts: Int32Array,
): ReplayResult["slowest_percent"] {
  const p99 = percentile(Float64Array.from(latency_ns).sort(), 0.99);
  let n = 0;
  let market = 0;
  let limit = 0;
  const counts: number[] = [];
  for (let i = 0; i < cmds.length; i++) {
    if ((latency_ns[i] as number) < p99) continue;
    n++;
    const c = cmds[i] as Command;
    const t = trade_counts[i] as number;
    if (t === 0) continue;
    counts.push(t);
    if (c.kind === CommandKind.Place && c.order_type === OrderType.Market) market++;
    else limit++;
  }
  counts.sort((a, b) => a - b);
  return {
    market_orders_that_traded: round(market / Math.max(1, n), 3),
    other_commands_that_traded: round(limit / Math.max(1, n), 3),
    trades_median: counts[Math.floor(counts.length / 2)] ?? 0,
  };
}

function byKind(
  cmds: readonly Command[],
  latency_ns: Float64Array,
  trade_counts: Int32Array,
  refused: Uint8Array,
): ReplayResult["by_kind"] {
  const groups = new Map<string, { count: number; ns: number }>();
  let total_ns = 0;
  for (let i = 0; i < cmds.length; i++) {
    const c = cmds[i] as Command;
    let what: string = commandKindName[c.kind] ?? String(c.kind);
    if (c.kind === CommandKind.Place) what += ` ${orderTypeName[c.order_type]} ${tifName[c.tif]}`;
    if (refused[i] === 1) what += ", refused";
    else if ((trade_counts[i] as number) > 0) what += ", traded";
    const g = groups.get(what) ?? { count: 0, ns: 0 };
    g.count++;
    g.ns += latency_ns[i] as number;
    groups.set(what, g);
    total_ns += latency_ns[i] as number;
  }
  return [...groups]
    .map(([what, g]) => ({
      what,
      count: g.count,
      mean_us: round(g.ns / g.count / 1000),
      share: round(g.ns / Math.max(1, total_ns), 3),
    }))
    .sort((a, b) => b.share - a.share)
    .slice(0, 8);
}

/**
 * The same flow in a fresh core, each output also decoded into objects, as
 * the services' consumers (answers, market data, markers) take them: seconds.
 */
function replayDecoded(spec: Spec, cmds: readonly Command[]): number {
  const core = new Core(spec);
  const t0 = performance.now();
  for (let i = 0; i < cmds.length; i++) core.apply(cmds[i] as Command);
  return (performance.now() - t0) / 1e3;
}

export interface CompareResult {
  mode: "compare";
  runs: number;
  flows: {
    file: string;
    commands: number;
    /** Per run, by the wall clock. */
    commands_per_s: number[];
    median_commands_per_s: number;
    /**
     * Per run, by this process's CPU time (user + system): on a shared
     * machine, where other processes take the CPU away mid-run, the steadier
     * figure of the two.
     */
    commands_per_cpu_s: number[];
    median_commands_per_cpu_s: number;
  }[];
  /** The second flow's median rate over the first's, by the wall clock. */
  ratio: number;
  /** The same by CPU time. */
  ratio_cpu: number;
  /**
   * The median over rounds of (second flow's CPU rate / first flow's) within
   * each round, whose two replays ran back to back: the least disturbed by
   * load that comes and goes.
   */
  ratio_cpu_paired: number;
}

/**
 * Replay two flows alternately (A B B A A B ...), each in a fresh core, so
 * both see the same machine and the same warm JIT: on a shared machine only
 * rates measured side by side compare.
 */
export function compareReplays(
  spec: Spec,
  file_a: string,
  flow_a: readonly Parsed[],
  file_b: string,
  flow_b: readonly Parsed[],
  runs: number,
): CompareResult {
  const flows = [file_a, file_b].map((file, i) => ({
    file,
    cmds: (i === 0 ? flow_a : flow_b).flatMap((p) => ("cmd" in p ? [p.cmd] : [])),
    rates: [] as number[],
    cpu_rates: [] as number[],
  }));
  for (let r = 0; r < runs; r++) {
    for (const f of r % 2 === 0 ? flows : [...flows].reverse()) {
      const core = new Core(spec);
      const cmds = f.cmds;
      const cpu0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < cmds.length; i++) core.applySealed(cmds[i] as (typeof cmds)[number]);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const cpu = process.cpuUsage(cpu0);
      f.rates.push(Math.round(cmds.length / seconds));
      f.cpu_rates.push(Math.round(cmds.length / ((cpu.user + cpu.system) / 1e6)));
    }
  }
  const median = (xs: number[]) =>
    [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const out = flows.map((f) => ({
    file: f.file,
    commands: f.cmds.length,
    commands_per_s: f.rates,
    median_commands_per_s: median(f.rates),
    commands_per_cpu_s: f.cpu_rates,
    median_commands_per_cpu_s: median(f.cpu_rates),
  }));
  const [a, b] = out as [(typeof out)[number], (typeof out)[number]];
  const paired = a.commands_per_cpu_s.map((x, i) => (b.commands_per_cpu_s[i] as number) / x);
  return {
    mode: "compare",
    runs,
    flows: out,
    ratio: round(b.median_commands_per_s / a.median_commands_per_s, 3),
    ratio_cpu: round(b.median_commands_per_cpu_s / a.median_commands_per_cpu_s, 3),
    ratio_cpu_paired: round(median(paired), 3),
  };
}

/**
 * Heap cost of one resting order in the combined core (its book node and level
 * share, the engine's index entry, UBSCore's open-order entry), measured by
 * resting `count` non-crossing orders in a fresh core.
 */
export function heapBytesPerRestingOrder(spec: Spec, count: number): number {
  const s = spec.symbols[0];
  if (s === undefined || count <= 0) return 0;
  const core = new Core(spec);
  const book = restingBook(s, 1000, 2000, "h");
  for (const d of book.deposits) core.apply(d);
  const before = heapUsedAfterGc();
  for (let i = 0; i < count; i++) core.apply(book.order(i));
  const after = heapUsedAfterGc();
  let resting = 0;
  for (const b of core.me.books) if (b !== undefined) resting += b.orders.size;
  return Math.round((after - before) / Math.max(1, resting));
}
