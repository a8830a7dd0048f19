// What a failed NATS or JetStream call means for the caller: give up because
// the connection was closed on purpose, try again because the server is away
// or busy (a reconnect, a leader election, JetStream still recovering its
// streams), or stop because the request itself is wrong.

import { JetStreamApiError } from "@nats-io/jetstream";
import { errors } from "@nats-io/transport-node";

export type Failure = "closed" | "transient" | "fatal";

/** JetStream refused a publish whose expected last message id or seq did not match. */
export const WRONG_LAST: ReadonlySet<number> = new Set([10070, 10071]);
/** Stream create with a name already in use by a stream of another config. */
export const STREAM_NAME_IN_USE = 10058;

function causes(err: unknown): unknown[] {
  const out: unknown[] = [];
  let e: unknown = err;
  while (e instanceof Error && out.length < 8) {
    out.push(e);
    e = e.cause;
  }
  return out;
}

export function classify(err: unknown): Failure {
  const chain = causes(err);
  for (const e of chain) {
    if (e instanceof errors.ClosedConnectionError || e instanceof errors.DrainingConnectionError) {
      return "closed";
    }
  }
  for (const e of chain) {
    if (e instanceof errors.TimeoutError || e instanceof errors.NoRespondersError) {
      return "transient";
    }
    if (e instanceof errors.RequestError && (e.isNoResponders() || /disconnect/i.test(e.message))) {
      return "transient";
    }
    if (e instanceof JetStreamApiError) {
      // 503: JetStream is temporarily unavailable (no quorum, recovering).
      if (e.status === 503) return "transient";
      return "fatal";
    }
  }
  return "fatal";
}

export function apiErrorCode(err: unknown): number | null {
  for (const e of causes(err)) if (e instanceof JetStreamApiError) return e.code;
  return null;
}

export function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Retry pause after the nth consecutive failure: short first, capped. */
export function backoff_ms(attempt: number): number {
  return Math.min(1000, 25 * 2 ** Math.min(attempt, 6));
}
