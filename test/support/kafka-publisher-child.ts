// A producer in its own process, for kill -9 tests: publishes ids p<from>..p<to>
// to one Kafka topic in order, many in flight, and reports each acknowledged
// one on stdout as {"acked":"p12","seq":12}. The parent kills it with SIGKILL
// and starts it again from an earlier id, as a service replaying its journal
// would.
//   node --import tsx kafka-publisher-child.ts <brokers> <prefix> <topic> <from> <to>

import { connectKafka } from "../../src/transport/mod.ts";

const [brokers, prefix, topic, from_text, to_text] = process.argv.slice(2);
if (brokers === undefined || prefix === undefined || topic === undefined) {
  throw new Error("usage: kafka-publisher-child <brokers> <prefix> <topic> <from> <to>");
}
const from = Number(from_text);
const to = Number(to_text);
const WINDOW = 32;

const log = await connectKafka({ brokers, prefix, client_id: `${prefix}-child` });
await log.ensureTopics([topic]);
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
const inflight = new Set<Promise<void>>();
for (let i = from; i <= to; i++) {
  const id = `p${i}`;
  const p: Promise<void> = log
    .publish(topic, new TextEncoder().encode(id), { id })
    .then((seq) => {
      process.stdout.write(`${JSON.stringify({ acked: id, seq })}\n`);
    })
    .finally(() => inflight.delete(p));
  inflight.add(p);
  if (inflight.size >= WINDOW) await Promise.race(inflight);
}
await Promise.all(inflight);
await log.close();
