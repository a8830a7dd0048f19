// The distributed exchange over Apache Kafka: the sequencer, settlement and a
// gateway as `bourse <service> --kafka` child processes, settling into
// PostgreSQL. First the seed scenario (deposits, a trade, a cancel, a
// withdrawal and a refused one, balances to the last unit, history and
// ledger in PostgreSQL, a restart), then, on the same deployment (starting
// processes is most of the time here), each service killed with SIGKILL
// under load and restarted, and the Kafka broker killed and restarted:
// nothing acknowledged is lost or applied twice, and every asset is
// conserved. The broker is a private one (its own ports and data), so that
// killing it leaves the shared broker to the other suites; without the
// broker's jars (scripts/services.sh) the suite runs on the shared broker
// and says it skipped the broker's restart.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { BourseClient } from "../../src/client/mod.ts";
import { loadSpec } from "../../src/core/mod.ts";
import { Distributed } from "../support/distributed.ts";
import { clientFor, eventually } from "../support/exchange-process.ts";
import { checkNothingLostOrDoubled, Load, USERS } from "../support/fault-load.ts";
import { gateOptions, kafkaServicesGate } from "../support/gates.ts";
import { kafkaLib, PrivateKafkaServer } from "../support/kafka-server.ts";
import { freePort } from "../support/ports.ts";
import { Rng } from "../support/random.ts";
import { seedScenario } from "../support/seed-scenario.ts";

const gate = kafkaServicesGate();
let dir = "";
let d: Distributed;

const lib = kafkaLib();
let broker: PrivateKafkaServer | null = null;

if (gate.run) {
  dir = mkdtempSync(join(tmpdir(), "bourse-kafka-dist-"));
  seedScenario({
    name: "distributed over Kafka",
    start: async () => {
      if (lib !== null && broker === null) broker = await PrivateKafkaServer.start(lib);
      // A fixed gateway port: the load's clients keep calling it across a restart.
      d ??= new Distributed(dir, {
        transport: "kafka",
        gateway_port: await freePort(),
        ...(broker === null ? {} : { kafka_brokers: broker.brokers }),
      });
      return d.start();
    },
    stop: () => d.stop(),
    createKey: (who) => d.createKey(who),
    ledger: (user) => d.ledger(user),
    // The deployment goes on to the next suite, which disposes of it.
    async dispose() {},
  });
}

describe(
  "distributed over Kafka: kill -9 of each service and the broker under load",
  gateOptions(gate),
  () => {
    if (!gate.run) {
      if ("fail" in gate) test("Kafka and PostgreSQL are available", () => assert.fail(gate.fail));
      return;
    }
    const spec = loadSpec();
    const users = new Map<number, BourseClient>();
    let operator: BourseClient;
    let load: Load;

    before(async () => {
      // Still running after the seed scenario; started afresh when that suite left it down.
      const running =
        d.procs.size === 3 &&
        [...d.procs.values()].every((p) => p.proc.exitCode === null && p.proc.signalCode === null);
      if (!running) await d.stop();
      const url = running ? d.gatewayUrl() : await d.start();
      operator = clientFor(url, d.createKey("operator"));
      for (const u of USERS) users.set(u, clientFor(url, d.createKey({ user: u })));
      await Promise.all(
        USERS.flatMap((u) =>
          (
            [
              ["BTC", "5"],
              ["USDT", "500000"],
            ] as const
          ).map(([asset, amount]) =>
            operator.transferIn({ request_id: `seed-${u}-${asset}`, user_id: u, asset, amount }),
          ),
        ),
      );
      load = new Load(
        () => operator,
        () => users,
        new Rng(Number(process.env.BOURSE_SEED ?? 11)),
      );
      load.start(6);
    });

    after(async () => {
      await load?.stop().catch(() => undefined);
      await d.dispose().catch(() => undefined);
      await broker?.dispose().catch(() => undefined);
      // BOURSE_KEEP_TMP=1 keeps the processes' logs for a post-mortem.
      if (process.env.BOURSE_KEEP_TMP !== "1") rmSync(dir, { recursive: true, force: true });
      else process.stderr.write(`kept ${dir}\n`);
    });

    const answered = () => load.orders.size + load.transfers.size;
    const answeredMore = (n: number, what: string) => {
      const before = answered();
      return eventually(
        async () => answered(),
        (k) => k >= before + n,
        what,
        30_000,
      );
    };

    // How long a killed process stays down: a fault lasts a while by nature.
    const down = () => new Promise((r) => setTimeout(r, 1000));

    for (const service of ["ubscore", "settlement", "gateway"] as const) {
      test(`${service} is killed with SIGKILL under load, then restarted`, async () => {
        await answeredMore(40, `load running before ${service} is killed`);
        await d.procs.get(service)?.kill();
        await down();
        await d.startService(service);
        await answeredMore(40, `commands answered again after ${service} restarted`);
      });
    }

    test(
      "the Kafka broker is killed with SIGKILL under load, then restarted",
      broker === null && lib === null ? { skip: "no Kafka jars for a private broker" } : {},
      async () => {
        assert.ok(broker !== null, "the private broker runs");
        await answeredMore(40, "load running before the broker is killed");
        await broker.stop("SIGKILL");
        await down();
        await broker.restart();
        await answeredMore(40, "commands answered again after the broker restarted");
      },
    );

    test("nothing acknowledged is lost or applied twice, and conservation holds", async () => {
      await load.stop();
      await checkNothingLostOrDoubled(d, spec, users, load);
      const codes = await d.stop();
      assert.deepEqual(
        codes.filter((c) => c !== 0),
        [],
        "every process stops cleanly",
      );
    });
  },
);
