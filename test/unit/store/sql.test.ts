import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { MIGRATIONS, POSTGRES, SQLITE } from "../../../src/store/migrations.ts";
import { hashToHex, hexToHash, transferEventId } from "../../../src/store/mod.ts";
import { arrayLiteral, pgBatchWrite, pgParams, pgWrite } from "../../../src/store/pg-sql.ts";
import { sqliteParams, sqliteWrite } from "../../../src/store/sqlite-sql.ts";
import { ACTIVE_DELETE, ORDER_UPDATE, POSITION_UPSERT } from "../../../src/store/writes.ts";

describe("statement shapes", () => {
  test("SQLite: one row per statement", () => {
    assert.equal(
      sqliteWrite(POSITION_UPSERT),
      "INSERT INTO consumer_positions (stream, seq, hash) VALUES (?, ?, ?) ON CONFLICT (stream) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
    );
    assert.match(
      sqliteWrite(ORDER_UPDATE),
      /^UPDATE orders SET status = \?, .* WHERE order_id = \?$/,
    );
    assert.equal(sqliteWrite(ACTIVE_DELETE), "DELETE FROM active_orders WHERE order_id = ?");
  });

  test("PostgreSQL: one array per column", () => {
    assert.equal(
      pgWrite(POSITION_UPSERT),
      "INSERT INTO consumer_positions (stream, seq, hash) SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[]) ON CONFLICT (stream) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
    );
    assert.match(
      pgWrite(ORDER_UPDATE),
      /FROM unnest\(\$1::smallint\[\], .*\$8::bigint\[\]\) AS u\(status, .*, order_id\)/,
    );
    assert.equal(
      pgWrite(ACTIVE_DELETE),
      "DELETE FROM active_orders WHERE order_id = ANY($1::bigint[])",
    );
    assert.deepEqual(
      pgParams(POSITION_UPSERT, [
        ["a", 1, "00"],
        ['q"\\', 2, null],
      ]),
      ['{"a","q\\"\\\\"}', "{1,2}", '{"00",NULL}'],
    );
    assert.equal(arrayLiteral([]), "{}");
    const all = pgBatchWrite([POSITION_UPSERT, ACTIVE_DELETE]);
    assert.match(all, /^WITH w0 AS \(INSERT INTO consumer_positions .*\$3::text\[\]\)/);
    assert.match(
      all,
      /w1 AS \(DELETE FROM active_orders WHERE order_id = ANY\(\$4::bigint\[\]\)\)\nSELECT 1$/,
    );
  });

  test("placeholders are rewritten in order and only in order", () => {
    assert.equal(sqliteParams("a = $1 AND b = $2 LIMIT $3"), "a = ? AND b = ? LIMIT ?");
    assert.throws(() => sqliteParams("a = $2"));
  });

  test("the schema is the same text in both databases but for clustering", () => {
    for (const m of MIGRATIONS) {
      const pg = m.statements(POSTGRES);
      const lite = m.statements(SQLITE).map((s) => s.replace(" WITHOUT ROWID", ""));
      assert.deepEqual(lite, pg);
    }
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
      }),
      "withdraw_7_1_99_r",
    );
  });
});
