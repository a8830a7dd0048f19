// The two Kafka clients that install from the npm registry and run on Node 20,
// side by side on the same broker in one run: @platformatic/kafka (1.x line)
// and kafkajs 2.2.4. Both as the event log uses a client: an idempotent
// producer (acks from all in-sync replicas) on a one-partition topic, one
// send in flight at a time (the event log batches the publishes queued
// meanwhile into the next send). Measured: sends of one message (latency of a
// lone publish) and sends of a batch (throughput under load). Rounds
// alternate between the clients so machine noise hits both alike.
//
//   node --import tsx bench/kafka-clients.bench.ts [--brokers 127.0.0.1:9092]
//        [--single 2000] [--batches 500] [--batch 100] [--bytes 128] [--rounds 3]

import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { Admin, Producer } from "@platformatic/kafka";
import kafkajs from "kafkajs";

const { values } = parseArgs({
  options: {
    brokers: { type: "string", default: process.env.BOURSE_KAFKA_BROKERS ?? "127.0.0.1:9092" },
    single: { type: "string", default: "2000" },
    batches: { type: "string", default: "500" },
    batch: { type: "string", default: "100" },
    bytes: { type: "string", default: "128" },
    rounds: { type: "string", default: "3" },
  },
});
const BROKERS = values.brokers.split(",");
const SINGLE = Number(values.single);
const BATCHES = Number(values.batches);
const BATCH = Number(values.batch);
const BYTES = Number(values.bytes);
const ROUNDS = Number(values.rounds);

/** One message per send, or a batch per send; resolves with the first offset. */
interface Client {
  name: string;
  send(topic: string, n: number, tag: string): Promise<bigint>;
  close(): Promise<void>;
}

function payload(): Buffer {
  return Buffer.alloc(BYTES, 1);
}

async function platformatic(): Promise<Client> {
  const p = new Producer({
    clientId: "bench-platformatic",
    bootstrapBrokers: BROKERS,
    idempotent: true,
    retries: 3,
  });
  const value = payload();
  return {
    name: "@platformatic/kafka 1.35.0",
    async send(topic, n, tag) {
      const messages = [];
      for (let i = 0; i < n; i++) {
        messages.push({
          topic,
          partition: 0,
          key: Buffer.from(`${tag}${i}`),
          value,
          headers: new Map([[Buffer.from("bourse-event-id"), Buffer.from(`${tag}${i}`)]]),
        });
      }
      const r = await p.send({ messages });
      return r.offsets?.[0]?.offset ?? -1n;
    },
    close: () => p.close(),
  };
}

async function kafkaJs(): Promise<Client> {
  const k = new kafkajs.Kafka({
    clientId: "bench-kafkajs",
    brokers: BROKERS,
    logLevel: kafkajs.logLevel.ERROR,
  });
  const p = k.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: kafkajs.Partitioners.DefaultPartitioner,
  });
  await p.connect();
  const value = payload();
  return {
    name: "kafkajs 2.2.4",
    async send(topic, n, tag) {
      const messages = [];
      for (let i = 0; i < n; i++) {
        messages.push({
          partition: 0,
          key: `${tag}${i}`,
          value,
          headers: { "bourse-event-id": `${tag}${i}` },
        });
      }
      const r = await p.send({ topic, acks: -1, messages });
      return BigInt(r[0]?.baseOffset ?? "-1");
    },
    close: () => p.disconnect(),
  };
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

interface Figures {
  msgs_per_s: number;
  p50_ms: number;
  p99_ms: number;
}

async function measure(c: Client, topic: string, sends: number, per: number): Promise<Figures> {
  const lat: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < sends; i++) {
    const s = performance.now();
    await c.send(topic, per, `m${i}_`);
    lat.push(performance.now() - s);
  }
  const s = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return { msgs_per_s: (sends * per) / s, p50_ms: quantile(lat, 0.5), p99_ms: quantile(lat, 0.99) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

const admin = new Admin({ clientId: "bench-admin", bootstrapBrokers: BROKERS });
const stem = `bench_clients_${process.pid}`;
const topics: string[] = [];
const results = new Map<string, { single: Figures[]; batch: Figures[] }>();
console.log(
  `# ${SINGLE} sends of 1 message, ${BATCHES} sends of ${BATCH}; ${BYTES} B values; ${ROUNDS} rounds; load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")}`,
);
try {
  for (let round = 1; round <= ROUNDS; round++) {
    for (const make of [platformatic, kafkaJs]) {
      const c = await make();
      const topic = `${stem}.${round}.${topics.length}`;
      topics.push(topic);
      await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
      try {
        // Warm-up: connections, producer id, JIT.
        await measure(c, topic, 200, 1);
        const single = await measure(c, topic, SINGLE, 1);
        const batch = await measure(c, topic, BATCHES, BATCH);
        const r = results.get(c.name) ?? { single: [], batch: [] };
        r.single.push(single);
        r.batch.push(batch);
        results.set(c.name, r);
        console.log(JSON.stringify({ round, client: c.name, single, batch }));
      } finally {
        await c.close();
      }
    }
  }
} finally {
  await admin.deleteTopics({ topics }).catch(() => {});
  await admin.close();
}

console.log(
  "\n| client | 1 msg/send: msg/s | p50 ms | p99 ms | " +
    `${BATCH} msgs/send: msg/s | p50 ms | p99 ms |\n|---|---:|---:|---:|---:|---:|---:|`,
);
for (const [name, r] of results) {
  const f = (xs: Figures[], k: keyof Figures, d: number) => median(xs.map((x) => x[k])).toFixed(d);
  console.log(
    `| ${name} | ${f(r.single, "msgs_per_s", 0)} | ${f(r.single, "p50_ms", 2)} | ${f(r.single, "p99_ms", 2)} | ${f(r.batch, "msgs_per_s", 0)} | ${f(r.batch, "p50_ms", 2)} | ${f(r.batch, "p99_ms", 2)} |`,
  );
}
