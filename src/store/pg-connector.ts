// The little of a PostgreSQL client the store needs, so that the same store
// runs on a pg pool (the server) or on any single-connection engine that
// speaks the same SQL (an in-process PostgreSQL, for instance).

export interface PgResult {
  rows: Record<string, unknown>[];
}

export interface PgSession {
  query(text: string, params?: unknown[]): Promise<PgResult>;
  /**
   * COPY ... FROM STDIN with this text (PostgreSQL's text format), when the
   * engine can: bulk rows cost the server less this way than as an INSERT.
   * Without it the store inserts from arrays instead.
   */
  copyFrom?(sql: string, text: string): Promise<void>;
}

export interface PgConnector {
  /** Runs fn on one connection held for its whole duration (a transaction). */
  session<T>(fn: (s: PgSession) => Promise<T>): Promise<T>;
  /** A single statement on any connection, outside any transaction. */
  query(text: string, params?: unknown[]): Promise<PgResult>;
  end(): Promise<void>;
}

/**
 * One connection shared by sessions and reads: calls queue one behind the
 * other, so a read never lands inside another caller's open transaction.
 */
export function singleConnection(conn: PgSession, end: () => Promise<void>): PgConnector {
  let tail: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };
  return {
    session: (fn) => serial(() => fn(conn)),
    query: (text, params) => serial(() => conn.query(text, params)),
    end: () => serial(end),
  };
}
