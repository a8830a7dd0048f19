// Whether the NATS and Kafka suites run. The test runner probes 127.0.0.1:4222
// and 127.0.0.1:9092 and sets BOURSE_TEST_NATS / BOURSE_TEST_KAFKA; without a
// server they are skipped, except under CI=true, where a missing server must
// fail the run rather than pass quietly.

import { kafkaLib } from "../support/kafka-server.ts";
import { natsServerBin } from "../support/nats-server.ts";

export type Gate = { run: true } | { run: false; skip: string } | { run: false; fail: string };

export const NATS_URL =
  process.env.BOURSE_NATS_URL ?? `nats://127.0.0.1:${process.env.BOURSE_NATS_PORT ?? 4222}`;

function gate(up: boolean, why: string): Gate {
  if (up) return { run: true };
  if (process.env.CI === "true") return { run: false, fail: `CI=true requires it: ${why}` };
  return { run: false, skip: why };
}

export const KAFKA_BROKERS =
  process.env.BOURSE_KAFKA_BROKERS ?? `127.0.0.1:${process.env.BOURSE_KAFKA_PORT ?? 9092}`;

/** The shared Kafka broker the runner probed. */
export function kafkaGate(): Gate {
  const flag = process.env.BOURSE_TEST_KAFKA;
  return gate(
    flag === "1",
    `Kafka is not reachable (BOURSE_TEST_KAFKA=${flag ?? "unset"}; set it to 1 with a broker at ${KAFKA_BROKERS}, e.g. scripts/services.sh start kafka)`,
  );
}

/** The shared server the runner probed. */
export function natsGate(): Gate {
  const flag = process.env.BOURSE_TEST_NATS;
  return gate(
    flag === "1",
    `NATS is not reachable (BOURSE_TEST_NATS=${flag ?? "unset"}; set it to 1 with a JetStream server at ${NATS_URL})`,
  );
}

/** A nats-server binary to run a private server (fault tests). */
export function natsBinaryGate(): Gate {
  return gate(
    natsServerBin() !== null,
    "no nats-server binary (set BOURSE_NATS_SERVER_BIN or install nats-server)",
  );
}

/** The Kafka jars to run a private broker (fault tests). */
export function kafkaJarsGate(): Gate {
  return gate(
    kafkaLib() !== null,
    "no Kafka jars (run scripts/services.sh fetch kafka, which needs Maven)",
  );
}

/** A prefix no other run uses: concurrent runs never see each other's streams. */
export function uniquePrefix(): string {
  return `bourse_t${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
}
