// One call to join a NATS deployment: a connection shared by the event log
// and the RPC, closed when both are.

import { type NatsConnectOptions, NatsLink } from "./link.ts";
import { JetStreamLog, type JetStreamLogOptions } from "./log.ts";
import { NatsRpc } from "./rpc.ts";

export type ConnectNatsOptions = NatsConnectOptions & JetStreamLogOptions;

export interface NatsTransport {
  log: JetStreamLog;
  rpc: NatsRpc;
  /** Connected to a server right now (for readiness probes). */
  readonly ready: boolean;
  /** Closes the log and the RPC, then the connection. */
  close(): Promise<void>;
}

export async function connectNats(opts: ConnectNatsOptions): Promise<NatsTransport> {
  const link = await NatsLink.open(opts);
  let log: JetStreamLog;
  let rpc: NatsRpc;
  try {
    log = new JetStreamLog(link, opts);
    rpc = new NatsRpc(link, opts.prefix === undefined ? {} : { prefix: opts.prefix });
  } catch (err) {
    await link.close();
    throw err;
  }
  return {
    log,
    rpc,
    get ready() {
      return link.ready;
    },
    async close() {
      await Promise.all([log.close(), rpc.close()]);
      await link.close();
    },
  };
}
