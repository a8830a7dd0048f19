// The local Cassandra that scripts/services.sh runs answers CQL as the node
// the settlement store will be tested against: protocol v4 on the native
// port, release 5.0. Gated like every server suite (skipped without the
// server, a failure under CI=true).

import assert from "node:assert/strict";
import { test } from "node:test";
import { probeCassandra } from "../../scripts/probe.mjs";
import { CASSANDRA_HOST, CASSANDRA_PORT, cassandraGate, gateOptions } from "../support/gates.ts";

const gate = cassandraGate();

test(
  "Cassandra answers a CQL query on its native port, release 5.0",
  gateOptions(gate),
  async () => {
    if (!gate.run && "fail" in gate) assert.fail(gate.fail);
    const { release_version } = await probeCassandra(CASSANDRA_HOST, CASSANDRA_PORT, 5000);
    assert.match(release_version, /^5\.0\.\d+$/);
  },
);
