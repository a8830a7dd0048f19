// A contract environment on a NATS server: its own stream prefix, its
// streams deleted when it is disposed.

import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { connectNats, type JetStreamLog, streamNamePrefix } from "../../src/transport/mod.ts";
import type { Env, Handle } from "./contract.ts";
import { uniquePrefix } from "./gate.ts";

/** Deletes every stream of a prefix. */
export async function deleteStreams(servers: string, prefix: string): Promise<void> {
  const nc = await connect({ servers });
  try {
    const jsm = await jetstreamManager(nc);
    const start = streamNamePrefix(prefix);
    for await (const name of jsm.streams.names()) {
      if (name.startsWith(start)) await jsm.streams.delete(name);
    }
  } finally {
    await nc.close();
  }
}

export function natsEnv(servers: string): Env {
  const prefix = uniquePrefix();
  const opened: Handle[] = [];
  return {
    async open() {
      const t = await connectNats({ servers, prefix, name: `contract ${prefix}` });
      const h = { log: t.log, rpc: t.rpc, close: () => t.close() };
      opened.push(h);
      return h;
    },
    async inFlight(h, topic, name) {
      const state = await (h.log as JetStreamLog).consumerState(topic, name);
      return state?.num_ack_pending ?? 0;
    },
    async dispose() {
      await Promise.all(opened.map((h) => h.close()));
      await deleteStreams(servers, prefix);
    },
  };
}
