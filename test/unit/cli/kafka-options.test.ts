// --kafka and --kafka-prefix: flags win over BOURSE_KAFKA_BROKERS and
// BOURSE_KAFKA_PREFIX, the prefix defaults to "bourse", and a process asked
// for Kafka without brokers fails with a clear message instead of connecting
// somewhere.

import assert from "node:assert/strict";
import { test } from "node:test";
import { Command } from "commander";
import { addKafkaOptions, connectKafkaLog, ENV, type KafkaFlags } from "../../../src/cli/common.ts";
import { splitBrokers } from "../../../src/transport/mod.ts";

function parse(argv: string[], env: Record<string, string> = {}): KafkaFlags {
  const saved = { b: process.env[ENV.kafka], p: process.env[ENV.kafka_prefix] };
  try {
    delete process.env[ENV.kafka];
    delete process.env[ENV.kafka_prefix];
    Object.assign(process.env, env);
    const cmd = addKafkaOptions(new Command("svc")).exitOverride();
    cmd.parse(argv, { from: "user" });
    return cmd.opts<KafkaFlags>();
  } finally {
    for (const [k, v] of [
      [ENV.kafka, saved.b],
      [ENV.kafka_prefix, saved.p],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

test("--kafka and --kafka-prefix: defaults, environment, flags first", () => {
  assert.deepEqual(parse([]), { kafkaPrefix: "bourse" });
  assert.deepEqual(parse([], { [ENV.kafka]: "k1:9092,k2:9092", [ENV.kafka_prefix]: "ex1" }), {
    kafka: "k1:9092,k2:9092",
    kafkaPrefix: "ex1",
  });
  assert.deepEqual(
    parse(["--kafka", "127.0.0.1:19092", "--kafka-prefix", "ex2"], { [ENV.kafka]: "k1:9092" }),
    { kafka: "127.0.0.1:19092", kafkaPrefix: "ex2" },
  );
  assert.deepEqual(splitBrokers(" a:1 , b:2,,"), ["a:1", "b:2"]);
});

test("asking for Kafka without brokers is an error, not a connection attempt", async () => {
  await assert.rejects(
    connectKafkaLog({ kafka: " ", kafkaPrefix: "bourse" }, "gateway"),
    /--kafka \(or BOURSE_KAFKA_BROKERS\) names no broker/,
  );
});
