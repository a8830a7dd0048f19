// A contract environment on a Kafka broker: its own topic prefix, its topics
// deleted when it is disposed.

import { Admin } from "@platformatic/kafka";
import { connectKafka, type KafkaLogOptions, topicPrefix } from "../../src/transport/mod.ts";
import type { Env, Handle } from "./contract.ts";
import { uniquePrefix } from "./gate.ts";

/** Deletes every topic of a prefix. */
export async function deleteTopics(brokers: string, prefix: string): Promise<void> {
  const admin = new Admin({
    clientId: "bourse-test-cleanup",
    bootstrapBrokers: brokers.split(","),
  });
  try {
    const start = topicPrefix(prefix);
    const mine = (await admin.listTopics()).filter((t) => t.startsWith(start));
    if (mine.length > 0) await admin.deleteTopics({ topics: mine });
  } finally {
    await admin.close();
  }
}

export function kafkaEnv(
  brokers: string,
  options: Partial<KafkaLogOptions> = {},
): Env & { prefix: string } {
  const prefix = uniquePrefix();
  const opened: Handle[] = [];
  return {
    prefix,
    async open() {
      const log = await connectKafka({ ...options, brokers, prefix, client_id: prefix });
      const h = { log, close: () => log.close() };
      opened.push(h);
      return h;
    },
    async dispose() {
      await Promise.all(opened.map((h) => h.close()));
      await deleteTopics(brokers, prefix);
    },
  };
}
