// Binance signing and parameter parsing: the signed payload is the query
// string and the body as sent, without the signature pair; timing follows
// Binance's rule; parameters come from both parts, strictly.

import assert from "node:assert/strict";
import { test } from "node:test";
import {
  BinanceError,
  binanceSignature,
  checkTiming,
  Params,
  recvWindowMicros,
  splitSignature,
  timestampMicros,
} from "../../../src/gateway/binance/mod.ts";

const codeOf = (fn: () => unknown): number | undefined => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof BinanceError, String(err));
    return err.answer.code;
  }
  return undefined;
};

test("HMAC-SHA256 hex of the payload matches Binance's published example", () => {
  // The example key pair and request of Binance's REST API documentation.
  const secret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
  const payload =
    "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559";
  assert.equal(
    binanceSignature(secret, payload),
    "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71",
  );
});

test("the signature pair is taken out of whichever part carries it; the parts join without a separator", () => {
  assert.deepEqual(splitSignature({ query: "a=1&b=2&signature=ab", body: "" }), {
    payload: "a=1&b=2",
    signature: "ab",
  });
  assert.deepEqual(splitSignature({ query: "a=1", body: "b=2&signature=cd" }), {
    payload: "a=1b=2",
    signature: "cd",
  });
  assert.deepEqual(splitSignature({ query: "signature=ef&a=1", body: "" }), {
    payload: "a=1",
    signature: "ef",
  });
  assert.deepEqual(splitSignature({ query: "a=1", body: "" }), { payload: "a=1", signature: null });
  assert.equal(
    codeOf(() => splitSignature({ query: "signature=1", body: "signature=2" })),
    -1101,
  );
  assert.equal(
    codeOf(() => splitSignature({ query: "signature=1&signature=2", body: "" })),
    -1101,
  );
});

test("timestamps in ms or µs; recvWindow up to 60000 ms with three decimals", () => {
  assert.equal(timestampMicros("1499827319559"), 1_499_827_319_559_000);
  assert.equal(timestampMicros("1499827319559123"), 1_499_827_319_559_123);
  assert.equal(timestampMicros("-1"), null);
  assert.equal(timestampMicros("1e12"), null);
  assert.equal(recvWindowMicros(undefined), null);
  assert.equal(recvWindowMicros("5000"), 5_000_000);
  assert.equal(recvWindowMicros("6000.346"), 6_000_346);
  assert.equal(recvWindowMicros("60000"), 60_000_000);
  assert.equal(
    codeOf(() => recvWindowMicros("60000.001")),
    -1102,
  );
  assert.equal(
    codeOf(() => recvWindowMicros("5000.1234")),
    -1102,
  );
});

test("a timestamp is accepted up to the window behind and under 1 s ahead", () => {
  const now = 1_700_000_000_000;
  const at = (ms: number) => ms * 1000;
  assert.equal(
    codeOf(() => checkTiming(at(now - 5000), 5_000_000, now)),
    undefined,
  );
  assert.equal(
    codeOf(() => checkTiming(at(now - 5001), 5_000_000, now)),
    -1021,
  );
  assert.equal(
    codeOf(() => checkTiming(at(now + 999), 5_000_000, now)),
    undefined,
  );
  assert.equal(
    codeOf(() => checkTiming(at(now + 1000), 5_000_000, now)),
    -1021,
  );
});

test("parameters: the query wins over the body, names read strictly", () => {
  const p = Params.parse("symbol=BTCUSDT&limit=5", "limit=7&side=BUY");
  assert.equal(p.str("symbol"), "BTCUSDT");
  assert.equal(p.int("limit", 1, 10), 5);
  assert.equal(p.str("side"), "BUY");
  p.done();
  const unread = Params.parse("symbol=BTCUSDT&foo=1&bar=2", "");
  unread.str("symbol");
  assert.throws(
    () => unread.done(),
    (err: BinanceError) =>
      err.answer.code === -1104 &&
      err.answer.msg ===
        "Not all sent parameters were read; read '1' parameter(s) but was sent '3' (not read: foo, bar).",
  );
  assert.equal(
    codeOf(() => Params.parse("a=1&a=2", "")),
    -1101,
  );
  assert.equal(
    codeOf(() => Params.parse("a=", "").str("a")),
    -1105,
  );
  assert.equal(
    codeOf(() => Params.parse("", "").required("symbol")),
    -1102,
  );
  assert.equal(
    codeOf(() => Params.parse("orderId=12x", "").long("orderId")),
    -1100,
  );
  assert.equal(
    codeOf(() => Params.parse("orderId=99999999999999999", "").long("orderId")),
    -1100,
  );
  assert.equal(
    codeOf(() => Params.parse("limit=0", "").int("limit", 1, 1000)),
    -1100,
  );
  assert.equal(
    codeOf(() => Params.parse("price=1e5", "").decimal("price")),
    -1100,
  );
  assert.equal(
    codeOf(() => Params.parse("price=-1", "").decimal("price")),
    -1100,
  );
  assert.equal(Params.parse("price=0.10000000", "").decimal("price"), "0.10000000");
  const many = Array.from({ length: 41 }, (_, i) => `p${i}=1`).join("&");
  assert.equal(
    codeOf(() => Params.parse(many, "")),
    -1101,
  );
});
