// The CQL store's --database-url form, which needs no server to check.

import assert from "node:assert/strict";
import { test } from "node:test";
import { isCqlUrl, parseCqlUrl } from "../../../src/store/mod.ts";

test("cassandra:// URLs: hosts with default ports, keyspace, datacenter and replication", () => {
  assert.equal(isCqlUrl("cassandra://127.0.0.1:9042/bourse"), true);
  assert.equal(isCqlUrl("scylla://a/b"), true);
  assert.equal(isCqlUrl("postgres://postgres@127.0.0.1:5432/test"), false);
  assert.deepEqual(parseCqlUrl("cassandra://127.0.0.1:9042/bourse"), {
    contact_points: ["127.0.0.1:9042"],
    keyspace: "bourse",
    datacenter: "datacenter1",
    replication_factor: 1,
  });
  assert.deepEqual(parseCqlUrl("scylla://n1,n2:19042/settle?dc=eu&rf=3"), {
    contact_points: ["n1:9042", "n2:19042"],
    keyspace: "settle",
    datacenter: "eu",
    replication_factor: 3,
  });
});

test("cassandra:// URLs: no keyspace, a keyspace CQL cannot name, or a bad rf are refused", () => {
  assert.throws(() => parseCqlUrl("cassandra://127.0.0.1:9042"), /keyspace/);
  assert.throws(() => parseCqlUrl("cassandra://127.0.0.1:9042/Bad-Name"), /keyspace must match/);
  assert.throws(() => parseCqlUrl("cassandra://h/ks?rf=0"), /rf must be a positive integer/);
});
