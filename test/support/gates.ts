// Whether suites that need PostgreSQL, NATS or Cassandra run. The test runner
// probes them and sets BOURSE_TEST_POSTGRES / BOURSE_TEST_NATS /
// BOURSE_TEST_CASSANDRA; a missing service skips the suite with the reason,
// except under CI=true, where it fails the run. (The Kafka gates of the
// transport suites are in test/contract/gate.ts; the services over Kafka and
// PostgreSQL have theirs here.)

export type Gate = { run: true } | { run: false; skip: string } | { run: false; fail: string };

export const PG_URL =
  process.env.BOURSE_PG_URL ??
  `postgres://postgres@127.0.0.1:${process.env.BOURSE_PG_PORT ?? 5432}/test`;

export const NATS_URL =
  process.env.BOURSE_NATS_URL ?? `nats://127.0.0.1:${process.env.BOURSE_NATS_PORT ?? 4222}`;

export const KAFKA_BROKERS =
  process.env.BOURSE_KAFKA_BROKERS ?? `127.0.0.1:${process.env.BOURSE_KAFKA_PORT ?? 9092}`;

export const CASSANDRA_HOST = "127.0.0.1";
export const CASSANDRA_PORT = Number(process.env.BOURSE_CASSANDRA_PORT ?? 9042);

function gate(flag: string | undefined, name: string, why: string): Gate {
  if (flag === "1") return { run: true };
  const reason = `${name} is not reachable (${why})`;
  if (process.env.CI === "true") return { run: false, fail: `CI=true requires ${name}: ${reason}` };
  return { run: false, skip: reason };
}

export function servicesGate(): Gate {
  const pg = gate(process.env.BOURSE_TEST_POSTGRES, "PostgreSQL", PG_URL);
  if (!pg.run) return pg;
  return gate(process.env.BOURSE_TEST_NATS, "NATS JetStream", NATS_URL);
}

/** The services over Kafka (BOURSE_TEST_KAFKA) and PostgreSQL. */
export function kafkaServicesGate(): Gate {
  const pg = gate(process.env.BOURSE_TEST_POSTGRES, "PostgreSQL", PG_URL);
  if (!pg.run) return pg;
  return gate(
    process.env.BOURSE_TEST_KAFKA,
    "Kafka",
    `${KAFKA_BROKERS}; scripts/services.sh start kafka`,
  );
}

export function natsGate(): Gate {
  return gate(process.env.BOURSE_TEST_NATS, "NATS JetStream", NATS_URL);
}

/** Cassandra on CASSANDRA_PORT (scripts/services.sh start cassandra). */
export function cassandraGate(): Gate {
  return gate(
    process.env.BOURSE_TEST_CASSANDRA,
    "Cassandra",
    `${CASSANDRA_HOST}:${CASSANDRA_PORT}; scripts/services.sh start cassandra`,
  );
}

/** Options for node:test's describe/test: skip with the reason, or run (and fail inside when CI demands). */
export function gateOptions(g: Gate): { skip?: string } {
  return !g.run && "skip" in g ? { skip: g.skip } : {};
}

export function uniqueName(stem: string): string {
  return `${stem}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
}
