import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { mentions, needlesFor, parseQuery, QueryError } from "../../../src/trace/query.ts";

describe("trace query", () => {
  test("a prefix says what the id is; a transfer id is known by its shape", () => {
    assert.deepEqual(parseQuery("order:12"), { id: "12", kind: "order" });
    assert.deepEqual(parseQuery("trade:1099511627777"), { id: "1099511627777", kind: "trade" });
    assert.deepEqual(parseQuery("request:ab12-3"), { id: "ab12-3", kind: "request" });
    assert.deepEqual(parseQuery("deposit_1001_1_1700000000000"), {
      id: "deposit_1001_1_1700000000000",
      kind: "transfer",
    });
    assert.deepEqual(parseQuery("12"), { id: "12", kind: null });
    // A gateway's own correlation ids contain a colon; an unknown prefix is part of the id.
    assert.deepEqual(parseQuery("9f3a:17"), { id: "9f3a:17", kind: null });
  });

  test("text that cannot be an id in a JSON line is refused", () => {
    for (const bad of ['a"b', "", "a b", "x\\y", "order:"]) {
      assert.throws(() => parseQuery(bad), QueryError, bad);
    }
  });

  test("ids match by exact value, as a string or a number, in id fields only", () => {
    const ids = new Set(["12"]);
    assert.equal(mentions({ order_id: 12 }, ids), true);
    assert.equal(mentions({ order_id: "12" }, ids), true);
    assert.equal(mentions({ maker_order_id: 12 }, ids), true);
    assert.equal(mentions({ event_id: "12" }, ids), true);
    assert.equal(mentions({ order_id: 123 }, ids), false);
    assert.equal(mentions({ order_id: 1 }, ids), false);
    assert.equal(mentions({ event_id: "req_12" }, ids), false);
    assert.equal(mentions({ user_id: 12, trades: 12 }, ids), false);
    assert.equal(mentions({ trade_id: 12 }, ids, ["order_id"]), false);
  });

  test("short ids are searched in their JSON forms, longer ones bare", () => {
    assert.deepEqual(needlesFor("12345"), [{ text: "12345", bounded: true }]);
    assert.deepEqual(needlesFor("7"), [
      { text: '"7"', bounded: false },
      { text: ":7,", bounded: false },
      { text: ":7}", bounded: false },
    ]);
    assert.deepEqual(needlesFor("ab"), [{ text: '"ab"', bounded: false }]);
  });
});
