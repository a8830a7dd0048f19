// Read-your-writes against a CQL store: a process that reads the settlement
// keyspace (a gateway) follows its committed position. CQL has no
// notifications, so the position row is polled: often while anyone waits,
// seldom otherwise (committedSeq() stays roughly current).

import cassandra from "cassandra-driver";
import { parseCqlUrl } from "./cql-open.ts";
import { num } from "./mappers.ts";
import type { PositionWatch } from "./pg-watch.ts";
import { SeqWaiters } from "./seq-waiters.ts";

export async function watchCqlPosition(
  url: string,
  opts: { poll_ms?: number; idle_poll_ms?: number } = {},
): Promise<PositionWatch> {
  const t = parseCqlUrl(url);
  const poll_ms = opts.poll_ms ?? 20;
  const idle_poll_ms = opts.idle_poll_ms ?? 1000;
  const client = new cassandra.Client({
    contactPoints: t.contact_points,
    localDataCenter: t.datacenter,
    encoding: { useBigIntAsLong: true },
    queryOptions: { consistency: cassandra.types.consistencies.localQuorum },
  });
  const query = `SELECT seq FROM ${t.keyspace}.consumer_positions WHERE stream = 'core'`;
  const waiters = new SeqWaiters();
  let closed = false;
  let last_read_ms = 0;
  let reading = false;

  const read = async (): Promise<void> => {
    const r = (await client.execute(query, [], { prepare: true })).first();
    if (r !== null) waiters.advance(num(r.seq));
  };

  try {
    await client.connect();
    await read();
  } catch (err) {
    await client.shutdown();
    throw err;
  }
  // An unreachable node makes a poll fail; the next one tries again.
  const timer = setInterval(() => {
    const now = Date.now();
    const due = waiters.pending > 0 ? poll_ms : idle_poll_ms;
    if (closed || reading || now - last_read_ms < due) return;
    reading = true;
    last_read_ms = now;
    read()
      .catch(() => undefined)
      .finally(() => {
        reading = false;
      });
  }, poll_ms);
  timer.unref();

  return {
    committedSeq: () => waiters.committed(),
    waitFor: (seq, timeout_ms) => waiters.wait(seq, timeout_ms),
    async close() {
      closed = true;
      clearInterval(timer);
      waiters.close();
      await client.shutdown().catch(() => undefined);
    },
  };
}
