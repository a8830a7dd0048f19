// `bourse ubscore|settlement|gateway` run on NATS or on Kafka, exactly one:
// both or neither is refused with a message naming the flags and variables,
// and a flag on the command line wins over the other transport's variable.

import assert from "node:assert/strict";
import { test } from "node:test";
import type { Command } from "commander";
import { ENV } from "../../../src/cli/common.ts";
import { chooseTransport, ubscoreCommand } from "../../../src/cli/services.ts";

/** Parses the real command's options (without running it) and picks the transport. */
function choose(argv: string[], env: Record<string, string> = {}): "nats" | "kafka" {
  const saved = { n: process.env[ENV.nats], k: process.env[ENV.kafka] };
  try {
    delete process.env[ENV.nats];
    delete process.env[ENV.kafka];
    Object.assign(process.env, env);
    const cmd: Command = ubscoreCommand().exitOverride();
    cmd.action(() => undefined);
    cmd.parse(argv, { from: "user" });
    const o = cmd.opts<{ nats?: string; kafka?: string }>();
    return chooseTransport(o, (k) => cmd.getOptionValueSource(k));
  } finally {
    for (const [k, v] of [
      [ENV.nats, saved.n],
      [ENV.kafka, saved.k],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

test("one flag picks its transport, from the command line or the environment", () => {
  assert.equal(choose(["--nats", "nats://127.0.0.1:4222"]), "nats");
  assert.equal(choose(["--kafka", "127.0.0.1:9092"]), "kafka");
  assert.equal(choose([], { [ENV.nats]: "nats://127.0.0.1:4222" }), "nats");
  assert.equal(choose([], { [ENV.kafka]: "127.0.0.1:9092" }), "kafka");
});

test("neither is refused, naming both flags and variables", () => {
  assert.throws(
    () => choose([]),
    (e: Error) =>
      /no transport/.test(e.message) &&
      e.message.includes("--nats") &&
      e.message.includes("--kafka") &&
      e.message.includes(ENV.nats) &&
      e.message.includes(ENV.kafka),
  );
  assert.throws(() => choose(["--kafka", " "]), /no transport/);
});

test("both flags, or both variables, are refused", () => {
  assert.throws(
    () => choose(["--nats", "nats://127.0.0.1:4222", "--kafka", "127.0.0.1:9092"]),
    /both --nats .* and --kafka .* are set/,
  );
  assert.throws(
    () => choose([], { [ENV.nats]: "nats://127.0.0.1:4222", [ENV.kafka]: "127.0.0.1:9092" }),
    /both --nats/,
  );
});

test("a flag on the command line wins over the other transport's variable", () => {
  assert.equal(choose(["--kafka", "127.0.0.1:9092"], { [ENV.nats]: "nats://x:4222" }), "kafka");
  assert.equal(choose(["--nats", "nats://127.0.0.1:4222"], { [ENV.kafka]: "k:9092" }), "nats");
});
