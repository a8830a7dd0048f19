// The one table from Bourse's error registry to Binance's answers is
// complete, uses only Binance codes, and gives failures a failure status.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { ApiError, allErrors, BourseError, Reject } from "../../../src/core/mod.ts";
import {
  BINANCE_CODES,
  failureOf,
  outcomeOf,
  REGISTRY_TO_BINANCE,
  rowOf,
} from "../../../src/gateway/binance/mod.ts";
import { TransportError } from "../../../src/transport/types.ts";

const known = new Set<number>(Object.values(BINANCE_CODES));
const SERVER_SIDE = new Set([
  ApiError.UNAVAILABLE.code,
  ApiError.TIMEOUT.code,
  ApiError.INTERNAL.code,
]);

test("every registry entry has exactly one row or order outcome, and no row names an unknown entry", () => {
  assert.deepEqual(Object.keys(REGISTRY_TO_BINANCE).sort(), allErrors.map((e) => e.code).sort());
});

test("rows use Binance codes, 5xx only for server-side failures, 4xx for the rest", () => {
  for (const e of allErrors) {
    const row = rowOf(e.code);
    if (row === null) {
      assert.ok(outcomeOf(e.code) !== null, e.code);
      assert.ok(e.http === 200 || e.http === 422, `${e.code} is an outcome of an order`);
      continue;
    }
    assert.ok(known.has(row.code), `${e.code} -> ${row.code} is not in BINANCE_CODES`);
    assert.ok(row.msg.length > 0);
    if (SERVER_SIDE.has(e.code)) assert.ok(row.http >= 500, e.code);
    else assert.ok(row.http >= 400 && row.http < 500, `${e.code} -> HTTP ${row.http}`);
  }
  for (const [name, code] of Object.entries(BINANCE_CODES)) {
    assert.ok(code <= -1000 && code >= -2100, `${name} ${code}`);
  }
});

test("outcomes are the statuses Binance gives expired and cancelled orders", () => {
  assert.equal(outcomeOf("SELF_TRADE_PREVENTED"), "EXPIRED_IN_MATCH");
  assert.equal(outcomeOf("NOT_FILLED"), "EXPIRED");
  assert.equal(outcomeOf("USER_CANCELLED"), "CANCELED");
  assert.equal(outcomeOf("INSUFFICIENT_BALANCE"), null);
});

test("failures read as Binance answers them, with the cancel context where it differs", () => {
  const answer = (err: unknown, context: "default" | "cancel" = "default") =>
    failureOf(err, 16_384, context).answer;
  assert.deepEqual(answer(new BourseError(Reject.UNKNOWN_SYMBOL, "unknown symbol X")), {
    code: -1121,
    http: 400,
    msg: "Invalid symbol.",
  });
  assert.equal(answer(new BourseError(Reject.UNKNOWN_ORDER)).code, -2013);
  assert.deepEqual(answer(new BourseError(Reject.UNKNOWN_ORDER), "cancel"), {
    code: -2011,
    http: 400,
    msg: "Unknown order sent.",
  });
  assert.equal(
    answer(new BourseError(Reject.INVALID_ORDER, "a limit order needs a price")).msg,
    "Unsupported order combination. A limit order needs a price.",
  );
  assert.deepEqual(answer(new TransportError("TIMEOUT", "no answer")), {
    code: -1007,
    http: 503,
    msg: "Timeout waiting for response from backend server. Send status unknown; execution status unknown.",
  });
  assert.equal(answer(new TransportError("UNAVAILABLE", "down")).code, -1001);
  const internal = answer(new Error("secret detail"));
  assert.deepEqual(internal, {
    code: -1000,
    http: 500,
    msg: "An unknown error occurred while processing the request.",
  });
  assert.equal(answer({ code: "FST_ERR_CTP_BODY_TOO_LARGE" }).code, -1100);
});

test("docs/binance-api.md's error table is REGISTRY_TO_BINANCE", () => {
  const doc = readFileSync(new URL("../../../docs/binance-api.md", import.meta.url), "utf8");
  const table = doc
    .split("<!-- binance-error-table:start -->")[1]
    ?.split("<!-- binance-error-table:end -->")[0];
  assert.ok(table !== undefined, "docs/binance-api.md has no error table markers");
  const rows = table
    .trim()
    .split("\n")
    .slice(2)
    .map((line) => line.split("|").map((c) => c.trim()))
    .map(([, code, binance, http, text]) => [code?.replaceAll("`", ""), binance, http, text]);
  const expected = allErrors.map((e) => {
    const row = rowOf(e.code);
    return row === null
      ? [e.code, "", "", `status ${outcomeOf(e.code)}`]
      : [e.code, String(row.code), String(row.http), row.msg];
  });
  assert.deepEqual(rows, expected);
});
