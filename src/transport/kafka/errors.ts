// What a failed Kafka call means for the caller: the client was closed on
// purpose; the producer's idempotence state is gone (a new producer is needed,
// after reading what the topic already holds); the request itself is wrong
// (retrying cannot help); or the broker is away or busy (retry).

export type Failure = "closed" | "producer" | "fatal" | "transient";

/** Broker answers meaning this producer's sequence state is unusable. */
const PRODUCER_STATE = new Set([
  "OUT_OF_ORDER_SEQUENCE_NUMBER",
  "UNKNOWN_PRODUCER_ID",
  "INVALID_PRODUCER_EPOCH",
  "INVALID_PRODUCER_ID_MAPPING",
  "PRODUCER_FENCED",
]);

/** Broker answers that no retry can change. */
const FATAL = new Set([
  "MESSAGE_TOO_LARGE",
  "RECORD_LIST_TOO_LARGE",
  "INVALID_RECORD",
  "INVALID_TOPIC_EXCEPTION",
  "TOPIC_AUTHORIZATION_FAILED",
  "CLUSTER_AUTHORIZATION_FAILED",
  "POLICY_VIOLATION",
  "UNSUPPORTED_VERSION",
]);

/** Every error in a client error's tree: aggregates and causes. */
function flatten(err: unknown, out: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (!(err instanceof Error) || out.length > 64) return out;
  out.push(err as unknown as Record<string, unknown>);
  if (err instanceof AggregateError) for (const e of err.errors) flatten(e, out);
  if (err.cause !== undefined) flatten(err.cause, out);
  return out;
}

/** The broker's error names (apiId) found in a client error. */
export function apiIds(err: unknown): string[] {
  return flatten(err)
    .map((e) => e.apiId)
    .filter((x): x is string => typeof x === "string");
}

export function classify(err: unknown): Failure {
  const all = flatten(err);
  if (all.some((e) => e.closed === true || /client (is )?closed/i.test(String(e.message)))) {
    return "closed";
  }
  const ids = apiIds(err);
  if (ids.some((id) => PRODUCER_STATE.has(id))) return "producer";
  if (ids.some((id) => FATAL.has(id))) return "fatal";
  // Right after a topic is created the brokers may not list it yet.
  if (all.some((e) => /^Unknown topic /.test(String(e.message)))) return "transient";
  if (all.some((e) => e.code === "PLT_KFK_USER")) return "fatal";
  return "transient";
}

/** One line: the client's message and the broker's error names and texts, without repeats. */
export function describe(err: unknown): string {
  const parts: string[] = [];
  for (const e of flatten(err)) {
    const text =
      typeof e.apiId === "string"
        ? `${e.apiId}${e.serverErrorMessage ? `: ${String(e.serverErrorMessage)}` : ""}`
        : String(e.message);
    if (text !== "" && !parts.includes(text)) parts.push(text);
    if (parts.length >= 6) break;
  }
  return parts.join("; ");
}

/** Retry pause after the nth consecutive failure: short first, capped. */
export function backoff_ms(attempt: number): number {
  return Math.min(1000, 25 * 2 ** Math.min(attempt, 6));
}
