// Measures each event log on this machine: publish throughput with many
// messages in flight, and publish→handler latency at a steady offered rate.
//   node --import tsx test/contract/bench.ts [--messages 50000] [--window 1000]
//        [--rate 1000] [--seconds 5] [--nats nats://127.0.0.1:4222]
//        [--kafka 127.0.0.1:9092] [--only local|nats|kafka]

import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type EventLog, LocalLog, LocalRpc } from "../../src/transport/mod.ts";
import type { Env } from "./contract.ts";
import { kafkaEnv } from "./kafka-env.ts";
import { natsEnv } from "./nats-env.ts";

const { values } = parseArgs({
  options: {
    messages: { type: "string", default: "50000" },
    window: { type: "string", default: "1000" },
    rate: { type: "string", default: "1000" },
    seconds: { type: "string", default: "5" },
    bytes: { type: "string", default: "128" },
    nats: { type: "string", default: "nats://127.0.0.1:4222" },
    kafka: { type: "string", default: "127.0.0.1:9092" },
    only: { type: "string" },
  },
});
const N = Number(values.messages);
const WINDOW = Number(values.window);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const BYTES = Number(values.bytes);

async function throughput(log: EventLog, topic: string, n = N): Promise<number> {
  const payload = new Uint8Array(BYTES).fill(1);
  const t0 = performance.now();
  const inflight = new Set<Promise<number>>();
  for (let i = 0; i < n; i++) {
    const p = log.publish(topic, payload, { id: `t${i}` });
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
    if (inflight.size >= WINDOW) await Promise.race(inflight);
  }
  await Promise.all(inflight);
  return n / ((performance.now() - t0) / 1000);
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/** Publishes RATE messages a second; each carries its publish time, the handler takes the difference. */
async function latency(
  log: EventLog,
  topic: string,
): Promise<{ p50: number; p99: number; max: number }> {
  const total = RATE * SECONDS;
  const lat: number[] = [];
  let finish = () => {};
  const all = new Promise<void>((r) => {
    finish = r;
  });
  const sub = log.subscribe(topic, { from_seq: 1, name: "bench" }, (m) => {
    const sent = new DataView(m.payload.buffer, m.payload.byteOffset, 8).getFloat64(0);
    lat.push(performance.now() - sent);
    if (lat.length === total) finish();
  });
  const t0 = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * RATE) + 1);
    for (; sent < due; sent++) {
      const payload = new Uint8Array(BYTES);
      new DataView(payload.buffer).setFloat64(0, performance.now());
      void log.publish(topic, payload, { id: `l${sent}` });
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await all;
  await sub.stop();
  lat.sort((a, b) => a - b);
  return { p50: quantile(lat, 0.5), p99: quantile(lat, 0.99), max: lat[lat.length - 1] ?? 0 };
}

async function localEnv(): Promise<Env> {
  const dir = await mkdtemp(join(tmpdir(), "bourse-bench-"));
  return {
    async open() {
      const log = new LocalLog({ dir, sync: "batch" });
      const rpc = new LocalRpc();
      return { log, rpc, close: async () => log.close() };
    },
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

const targets: [string, () => Promise<Env>][] = [];
const only = values.only;
if (only === undefined || only === "local") targets.push(["LocalLog (sync=batch)", localEnv]);
if (only === undefined || only === "nats") {
  targets.push([`JetStreamLog (${values.nats}, file, R1)`, async () => natsEnv(values.nats)]);
}
if (only === undefined || only === "kafka") {
  targets.push([`KafkaLog (${values.kafka}, RF 1)`, async () => kafkaEnv(values.kafka)]);
}

console.log(
  `# ${N} messages of ${BYTES} B, ${WINDOW} in flight; latency at ${RATE}/s for ${SECONDS} s; load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")}`,
);
for (const [name, make] of targets) {
  const env = await make();
  const h = await env.open();
  try {
    // validated_orders.* has one producer (its publishes are chained), orders several.
    await h.log.ensureTopics([
      "balance.events",
      "validated_orders.BENCH",
      "orders",
      "engine.outputs.BENCH",
    ]);
    // Warm-up, so that the first measured topic does not pay for compilation.
    await throughput(h.log, "balance.events", Math.ceil(N / 5));
    const chained = await throughput(h.log, "validated_orders.BENCH");
    const unchained = await throughput(h.log, "orders");
    const l = await latency(h.log, "engine.outputs.BENCH");
    console.log(
      `${name}: publish ${Math.round(chained)} msg/s (single-producer topic), ${Math.round(unchained)} msg/s (multi-producer topic); publish→handler p50 ${l.p50.toFixed(2)} ms, p99 ${l.p99.toFixed(2)} ms, max ${l.max.toFixed(2)} ms`,
    );
  } finally {
    await h.close();
    await env.dispose();
  }
}
