import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { OrderStatus } from "../../../src/core/mod.ts";
import {
  MIGRATIONS,
  OPEN_PREDICATE,
  POSTGRES,
  pendingMigrations,
  SQLITE,
} from "../../../src/store/migrations.ts";
import { hashToHex, hexToHash, positionChannel, transferEventId } from "../../../src/store/mod.ts";
import { pgBatchWrite, pgParams, pgWrite } from "../../../src/store/pg-sql.ts";
import { PositionRow } from "../../../src/store/rows.ts";
import { sqliteInsert, sqliteParams, sqliteUpdate } from "../../../src/store/sqlite-sql.ts";
import { ORDER_UPDATE, type Planned, POSITION_UPSERT } from "../../../src/store/writes.ts";

describe("statement shapes", () => {
  test("SQLite: rows per statement, updates one by one", () => {
    assert.equal(
      sqliteInsert(POSITION_UPSERT, 2),
      `INSERT INTO consumer_positions (stream, seq, hash, clock_ms, source_seq) VALUES (?, ?, ?, ?, ?), (?, ?, ?, ?, ?) ${POSITION_UPSERT.conflict}`,
    );
    assert.match(
      sqliteUpdate(ORDER_UPDATE),
      /^UPDATE orders SET status = \?, .*, output_seq = \?, price_ticks = COALESCE\(NULLIF\(\?, 0\), orders\.price_ticks\), .* WHERE order_id = \?$/,
    );
  });

  test("PostgreSQL: one array per column, every table in one statement", () => {
    assert.match(
      pgWrite(POSITION_UPSERT),
      /^INSERT INTO consumer_positions \(stream, seq, hash, clock_ms, source_seq\) SELECT \* FROM unnest\(\$1::text\[\], \$2::bigint\[\], \$3::text\[\], \$4::bigint\[\], \$5::bigint\[\]\) ON CONFLICT/,
    );
    assert.match(
      pgWrite(ORDER_UPDATE),
      /FROM unnest\(\$1::smallint\[\], .*\$10::bigint\[\]\) AS u\(status, .*, order_id\)/,
    );
    const rows: unknown[][] = [
      ["a", 1, "00", 5, 0],
      ['q"\\', 2, null, 6, 0],
    ];
    const t: Planned = {
      spec: POSITION_UPSERT,
      count: 2,
      row: (i, out) =>
        rows[i]?.forEach((v, c) => {
          out[c] = v as string;
        }),
      run: () => undefined,
    };
    assert.deepEqual(pgParams(t), ['{"a","q\\"\\\\"}', "{1,2}", '{"00",NULL}', "{5,6}", "{0,0}"]);
    assert.deepEqual(pgParams({ ...t, count: 0 }), ["{}", "{}", "{}", "{}", "{}"]);
    const one = new PositionRow({ stream: "core", seq: 3, hash: 255n, clock_ms: 9, source_seq: 0 });
    assert.deepEqual(pgParams(one), ['{"core"}', "{3}", '{"00000000000000ff"}', "{9}", "{0}"]);
    const both = pgBatchWrite([POSITION_UPSERT, ORDER_UPDATE]);
    assert.match(both, /^WITH w0 AS \(INSERT INTO consumer_positions .*\$5::bigint\[\]\)/);
    assert.match(both, /w1 AS \(UPDATE orders SET .*\$6::smallint\[\]/s);
    assert.match(both, /\nSELECT 1$/);
  });

  test("placeholders are rewritten in order and only in order", () => {
    assert.equal(sqliteParams("a = $1 AND b = $2 LIMIT $3"), "a = ? AND b = ? LIMIT ?");
    assert.throws(() => sqliteParams("a = $2"));
  });
});

describe("schema", () => {
  test("the same text in both databases but for clustering", () => {
    for (const m of MIGRATIONS) {
      const pg = m.statements(POSTGRES);
      const lite = m.statements(SQLITE).map((s) => s.replace(" WITHOUT ROWID", ""));
      assert.deepEqual(lite, pg);
    }
  });

  test("open orders are exactly the statuses that are not terminal", () => {
    assert.equal(
      OPEN_PREDICATE,
      `status IN (${[
        OrderStatus.New,
        OrderStatus.PartiallyFilled,
        OrderStatus.Untriggered,
        OrderStatus.Triggered,
      ].join(", ")})`,
    );
  });

  test("the previous generation and newer versions are refused; a fresh database gets versions 2 and 3", () => {
    assert.deepEqual(
      pendingMigrations(new Set(), "db").map((m) => m.version),
      [2, 3],
    );
    assert.deepEqual(
      pendingMigrations(new Set([2]), "db").map((m) => m.version),
      [3],
    );
    assert.deepEqual(pendingMigrations(new Set([2, 3]), "db"), []);
    assert.throws(() => pendingMigrations(new Set([1]), "db"), /SCHEMA_UNSUPPORTED: db holds/);
    assert.throws(() => pendingMigrations(new Set([2, 3, 4]), "db"), /newer version/);
  });
});

describe("ids and hashes", () => {
  test("hashes round-trip as 16 hex digits", () => {
    assert.equal(hashToHex(0n), "0000000000000000");
    assert.equal(hashToHex(-1n), "ffffffffffffffff");
    assert.equal(hexToHash(hashToHex(0xdeadbeefcafebaben)), 0xdeadbeefcafebaben);
    assert.throws(() => hexToHash("xyz"));
  });

  test("transfer event ids use the gateway's time", () => {
    assert.equal(
      transferEventId({
        kind: 2,
        request_id: "r",
        user_id: 7,
        asset_id: 1,
        amount_units: 1,
        ts_ms: 99,
        corr: "",
      }),
      "withdraw_7_1_99_r",
    );
  });
});

describe("notification channel", () => {
  test("one per schema, always a valid PostgreSQL name", () => {
    assert.equal(positionChannel("public"), "bourse_settled_public");
    const long = positionChannel(`s_${"x".repeat(60)}`);
    assert.equal(long.length, 63);
    assert.notEqual(long, positionChannel(`s_${"x".repeat(59)}y`));
  });
});
