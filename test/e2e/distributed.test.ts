// The seed scenario, unchanged, against the four services as separate
// processes over NATS JetStream and PostgreSQL.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Distributed } from "../support/distributed.ts";
import { servicesGate } from "../support/gates.ts";
import { seedScenario } from "../support/seed-scenario.ts";

const gate = servicesGate();
if (gate.run) {
  const dir = mkdtempSync(join(tmpdir(), "bourse-dist-"));
  const d = new Distributed(dir);
  seedScenario({
    name: "distributed",
    start: () => d.start(),
    stop: () => d.stop(),
    createKey: (who) => d.createKey(who),
    ledger: (user) => d.ledger(user),
    async dispose() {
      await d.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  });
} else if ("fail" in gate) {
  test("distributed exchange end to end", () => assert.fail(gate.fail));
} else {
  test("distributed exchange end to end", { skip: gate.skip }, () => undefined);
}
