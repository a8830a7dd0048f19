// The marker registry against the code on both sides of it: every marker a
// service is said to write appears in that service's emitters, every marker
// an emitter names is registered for that service, and every marker `bourse
// trace` expects is written by the service it expects it from. Plus the
// event ids: built and parsed by one pair of functions, unique per transfer.

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import {
  allMarkers,
  CommandKind,
  DEPOSIT_MARKERS,
  FIELD_NAMES,
  Field,
  ID_FIELDS,
  isTransferEventId,
  Marker,
  markerById,
  markerByName,
  orderEventId,
  parseTransferEventId,
  SERVICE_NAMES,
  type ServiceName,
  tradeEventId,
  transferEventId,
  transferEventIdOf,
  WITHDRAW_MARKERS,
} from "../../../src/core/mod.ts";
import { expectedMarkers } from "../../../src/trace/expect.ts";

const ROOT = new URL("../../../", import.meta.url).pathname;

function files(dir: string): string[] {
  return readdirSync(join(ROOT, dir))
    .filter((n) => n.endsWith(".ts"))
    .map((n) => join(dir, n));
}

/**
 * Where each service writes its markers today. The order path is moving
 * into one sequencer; when an emitter moves, its file moves here with it.
 */
const EMITTERS: Readonly<Record<ServiceName | "any", readonly string[]>> = {
  gateway: [
    ...files("src/gateway/http"),
    ...files("src/gateway/binance"),
    "src/gateway/observe.ts",
  ],
  ubscore: ["src/ubscore/events.ts"],
  matching_engine: ["src/matching/events.ts"],
  settlement: ["src/settlement/markers.ts", "src/settlement/applier.ts"],
  // Markers every service writes, through the observability library and the
  // commands that run the services (their start, stop, failures, recovery).
  any: [
    "src/obs/lifecycle.ts",
    "src/obs/service-obs.ts",
    "src/obs/log-worker.ts",
    "src/obs/log-writer.ts",
    "src/cli/lifecycle.ts",
    "src/cli/run-embedded.ts",
    "src/cli/services.ts",
  ],
};

const FAMILY_TABLES = [
  ["DEPOSIT_MARKERS", DEPOSIT_MARKERS],
  ["WITHDRAW_MARKERS", WITHDRAW_MARKERS],
] as const;

/** The markers a source file names: Marker.X, or a transfer family's table and member. */
function namedIn(path: string): Set<string> {
  const text = readFileSync(join(ROOT, path), "utf8");
  const out = new Set<string>();
  for (const m of allMarkers()) {
    if (text.includes(`Marker.${m.name}`)) out.add(m.name);
  }
  for (const [table, markers] of FAMILY_TABLES) {
    const usesTable = text.includes(table) || text.includes("transferMarkers(");
    if (!usesTable) continue;
    for (const [member, spec] of Object.entries(markers)) {
      if (text.includes(`.${member}`)) out.add(spec.name);
    }
  }
  return out;
}

describe("marker registry", () => {
  test("names, ids and fields are unique and dense", () => {
    const all = allMarkers();
    assert.deepEqual(
      all.map((m) => m.id),
      all.map((_, i) => i),
    );
    assert.equal(new Set(all.map((m) => m.name)).size, all.length);
    for (const m of all) {
      assert.equal(markerById(m.id), m);
      assert.equal(markerByName(m.name), m);
      assert.match(m.name, /^[A-Z][A-Z_]*[A-Z]$/);
      assert.ok(m.services.length > 0, m.name);
      assert.ok(m.doc.length > 0, m.name);
    }
    assert.equal(markerByName("NOT_A_MARKER"), undefined);
    assert.equal(new Set(FIELD_NAMES).size, FIELD_NAMES.length);
    for (const f of ID_FIELDS) assert.equal(FIELD_NAMES[Field[f]], f);
  });

  test("the markers the issue asked for exist, for the services that meet them", () => {
    const want: [string, string][] = [
      ["CANCEL_REJECTED", "matching_engine"],
      ["ORDER_EXPIRED", "matching_engine"],
      ["SNAPSHOT_LOADED", "ubscore"],
      ["JOURNAL_REPLAYED", "ubscore"],
      ["JOURNAL_TAIL_TRUNCATED", "ubscore"],
      ["SNAPSHOT_SKIPPED", "ubscore"],
      ["SERVICE_STARTED", "settlement"],
      ["SERVICE_READY", "gateway"],
      ["SERVICE_STOPPING", "matching_engine"],
      ["SERVICE_STOPPED", "ubscore"],
      ["SETTLEMENT_LAG_HIGH", "settlement"],
      ["BACKPRESSURE_ENGAGED", "gateway"],
    ];
    for (const [name, service] of want) {
      const m = markerByName(name);
      assert.ok(m !== undefined, name);
      assert.ok((m.services as readonly string[]).includes(service), `${name} in ${service}`);
    }
  });

  test("every marker a service is said to write is named by its emitters, and no other", () => {
    const named = new Map<string, Set<string>>();
    for (const [service, paths] of Object.entries(EMITTERS)) {
      const set = new Set<string>();
      for (const p of paths) for (const n of namedIn(p)) set.add(n);
      named.set(service, set);
    }
    const any = named.get("any") as Set<string>;
    for (const m of allMarkers()) {
      const everywhere = m.services.length === SERVICE_NAMES.length;
      if (everywhere) {
        const somewhere = [...named.values()].some((s) => s.has(m.name));
        // Markers every service may meet (ready, stopping, recovery, back-pressure) are
        // written through lifecycle.ts's helpers, whose callers the order path is moving.
        if (!somewhere && m.flow !== "service" && m.flow !== "recovery" && m.flow !== "health") {
          assert.fail(`${m.name}: no emitter names it`);
        }
        continue;
      }
      for (const service of m.services) {
        const own = named.get(service) as Set<string>;
        // Service, recovery and health markers go through lifecycle.ts's helpers (logRecovery,
        // settlementLagWatch, ...), which the services call.
        if (
          m.flow !== "deposit" &&
          m.flow !== "withdraw" &&
          !["order", "cancel", "trade"].includes(m.flow)
        ) {
          assert.ok(any.has(m.name) || own.has(m.name), `${m.name} in ${service}`);
          continue;
        }
        assert.ok(own.has(m.name), `${m.name}: not named in ${service}'s emitters`);
      }
    }
    for (const service of SERVICE_NAMES) {
      for (const name of named.get(service) as Set<string>) {
        const m = markerByName(name);
        assert.ok(m !== undefined, name);
        assert.ok(
          (m.services as readonly string[]).includes(service),
          `${service} names ${name}, which the registry does not give it`,
        );
      }
    }
  });

  test("every marker bourse trace expects is written by the service it expects it from", () => {
    const expected = expectedMarkers();
    assert.ok(expected.length > 30);
    for (const [service, m] of expected) {
      assert.ok(m.services.includes(service), `trace expects ${m.name} from ${service}`);
      assert.ok(
        EMITTERS[service].some((p) => namedIn(p).has(m.name)),
        `trace expects ${m.name} from ${service}, whose emitters do not name it`,
      );
    }
    // And every business marker is either expected or a failure, which ends a lifecycle early.
    const wanted = new Set(expected.map(([s, m]) => `${s}|${m.name}`));
    for (const m of allMarkers()) {
      if (!["deposit", "withdraw", "order", "cancel", "trade"].includes(m.flow)) continue;
      for (const s of m.services) {
        assert.ok(wanted.has(`${s}|${m.name}`), `${m.name} in ${s}: no lifecycle expects it`);
      }
    }
  });
});

describe("event ids", () => {
  test("a transfer's id keeps the seed's shape and ends with its request id; it parses back", () => {
    const id = transferEventId("withdraw", 1001, 2, 1_782_907_200_123, "wd-42");
    assert.equal(id, "withdraw_1001_2_1782907200123_wd-42");
    assert.deepEqual(parseTransferEventId(id), {
      type: "withdraw",
      user_id: 1001,
      asset_id: 2,
      ts_ms: 1_782_907_200_123,
      request_id: "wd-42",
    });
    const cmd = {
      kind: CommandKind.Deposit,
      request_id: "dep 1/€",
      user_id: 7,
      asset_id: 1,
      amount_units: 5,
      ts_ms: 99,
      corr: "",
    } as const;
    assert.equal(transferEventIdOf(cmd), "deposit_7_1_99_dep%201/%E2%82%AC");
    assert.equal(parseTransferEventId(transferEventIdOf(cmd))?.request_id, "dep 1/€");
  });

  test("four withdrawals of one user and asset in the same millisecond get four ids", () => {
    const ids = ["a", "b", "c", "a_b"].map((r) => transferEventId("withdraw", 5, 1, 1000, r));
    assert.equal(new Set(ids).size, 4);
    for (const [i, r] of ["a", "b", "c", "a_b"].entries()) {
      assert.equal(parseTransferEventId(ids[i] as string)?.request_id, r);
    }
  });

  test("ids round-trip for any request id, and distinct request ids stay distinct", () => {
    const seen = new Set<string>();
    const samples = ["x", "%", "%25", "a%b", "_", "__", "é", "日本", "a b", '"q"', "\\", "-._:@+/"];
    for (let i = 0; i < 500; i++) samples.push(`r-${i}-${String.fromCharCode(32 + (i % 95))}`);
    for (const r of samples) {
      const id = transferEventId("deposit", 12, 3, 1_700_000_000_000 + r.length, r);
      assert.ok(!seen.has(id), r);
      seen.add(id);
      assert.match(id, /^[A-Za-z0-9_.:@+/%-]+$/, "a plain token");
      const p = parseTransferEventId(id);
      assert.equal(p?.request_id, r);
      assert.equal(p?.user_id, 12);
      assert.equal(p?.asset_id, 3);
      assert.equal(isTransferEventId(id), true);
    }
  });

  test("the seed's four-part form still parses; other ids are no transfer ids", () => {
    assert.deepEqual(parseTransferEventId("deposit_1001_1_1733856600123"), {
      type: "deposit",
      user_id: 1001,
      asset_id: 1,
      ts_ms: 1_733_856_600_123,
      request_id: null,
    });
    for (const id of [
      "deposit_",
      "deposit_1_2",
      "deposit_1_2_3_",
      "deposit_x_2_3_r",
      "deposits_1_2_3_r",
      "withdraw_1_2_3_bad%zz",
      "withdraw_1_2_3_a b",
      "12",
      "req_g-1",
      "",
    ]) {
      assert.equal(parseTransferEventId(id), null, id);
    }
    assert.throws(() => transferEventId("deposit", 1, 1, 1, ""), /empty/);
  });

  test("orders and trades are named by their numbers", () => {
    assert.equal(orderEventId(42), "42");
    assert.equal(tradeEventId(1_099_511_627_777), "1099511627777");
    assert.equal(Marker.ORDER_ACCEPTED.sampled, true);
  });
});
