// One call to join a Kafka cluster: the event log, checked to reach a broker
// before it is handed out, so a wrong address fails at start with its reason.
// `connectKafkaTransport` adds request/reply carried on two topics of the
// same log (Kafka has none of its own), the shape `connectNats` returns.

import { LogRpc } from "../log-rpc.ts";
import { KafkaLog, type KafkaLogOptions } from "./log.ts";

export async function connectKafka(opts: KafkaLogOptions): Promise<KafkaLog> {
  const log = new KafkaLog(opts);
  try {
    await log.check();
  } catch (err) {
    await log.close();
    throw err;
  }
  return log;
}

export interface KafkaTransport {
  log: KafkaLog;
  rpc: LogRpc;
  /** The broker answered the last request of every part of the log (for readiness probes). */
  readonly ready: boolean;
  /** Closes the RPC's subscriptions, then the log. */
  close(): Promise<void>;
}

/** The event log and request/reply over it, as the services take them. */
export function kafkaTransport(log: KafkaLog, name?: string): KafkaTransport {
  const rpc = new LogRpc(log, name === undefined ? {} : { name });
  return {
    log,
    rpc,
    get ready() {
      return log.ready;
    },
    async close() {
      await rpc.close();
      await log.close();
    },
  };
}

export async function connectKafkaTransport(
  opts: KafkaLogOptions & { name?: string },
): Promise<KafkaTransport> {
  return kafkaTransport(await connectKafka(opts), opts.name);
}
