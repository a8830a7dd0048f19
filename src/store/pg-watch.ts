// Read-your-writes against PostgreSQL: a process that reads the settlement
// schema (a gateway) follows its committed position. Each commit notifies
// the schema's channel with its output_seq (pg-store.ts); one LISTEN
// connection per process turns those into advances, and while anyone waits
// the position row is also polled, so a notification lost to a reconnect
// costs at most one poll interval.

import pg from "pg";
import { num } from "./mappers.ts";
import { checkSchemaName, positionChannel } from "./pg-store.ts";
import { SeqWaiters } from "./seq-waiters.ts";

export interface PositionWatch {
  /** The highest committed output_seq seen. */
  committedSeq(): number;
  /** True once the store has committed output seq; false after timeout_ms. */
  waitFor(seq: number, timeout_ms: number): Promise<boolean>;
  close(): Promise<void>;
}

const POSITION_SQL = "SELECT seq FROM consumer_positions WHERE stream = 'core'";

export async function watchPostgresPosition(
  url: string,
  opts: { schema?: string; poll_ms?: number } = {},
): Promise<PositionWatch> {
  const schema = checkSchemaName(opts.schema ?? "public");
  const channel = positionChannel(schema);
  const poll_ms = opts.poll_ms ?? 250;
  const waiters = new SeqWaiters();
  let client: pg.Client | null = null;
  let closed = false;

  const readPosition = async (c: pg.Client): Promise<void> => {
    const r = await c.query(POSITION_SQL);
    if (r.rows[0] !== undefined) waiters.advance(num(r.rows[0].seq));
  };

  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
    c.on("error", () => {
      if (client === c) client = null;
    });
    c.on("notification", (n) => {
      if (n.channel === channel && n.payload !== undefined) waiters.advance(Number(n.payload));
    });
    await c.connect();
    await c.query(`LISTEN ${channel}`);
    client = c;
    await readPosition(c);
  };

  await connect();
  const timer = setInterval(() => {
    if (closed || waiters.pending === 0) return;
    const c = client;
    if (c === null) connect().catch(() => undefined);
    else readPosition(c).catch(() => undefined);
  }, poll_ms);
  timer.unref();

  return {
    committedSeq: () => waiters.committed(),
    waitFor: (seq, timeout_ms) => waiters.wait(seq, timeout_ms),
    async close() {
      closed = true;
      clearInterval(timer);
      waiters.close();
      await client?.end().catch(() => undefined);
      client = null;
    },
  };
}
