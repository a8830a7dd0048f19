import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import type { LogFile } from "../../../src/trace/log-files.ts";
import { mentions, needlesFor } from "../../../src/trace/query.ts";
import { type ScanRange, scanRanges } from "../../../src/trace/scan.ts";

const dir = mkdtempSync(join(tmpdir(), "bourse-trace-scan-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): LogFile {
  const path = join(dir, name);
  writeFileSync(path, text);
  return {
    path,
    service: "ubscore",
    day: null,
    n: 0,
    gzip: false,
    size_bytes: statSync(path).size,
    index_path: null,
  };
}

function line(time: number, fields: Record<string, unknown>): string {
  return `${JSON.stringify({ level: "info", time, service: "ubscore", ...fields })}\n`;
}

async function find(ranges: ScanRange[], id: string, workers = 0) {
  const ids = new Set([id]);
  const r = await scanRanges(ranges, needlesFor(id), (f) => mentions(f, ids), { workers });
  return r.entries.map((e) => e.fields);
}

describe("byte scan", () => {
  test("12 does not match 123, 312, req_12 or a timestamp containing 12", async () => {
    const f = file(
      "bounds.log",
      [
        line(1712000000000, { event: "ORDER_ACCEPTED", event_id: "123", order_id: 123 }),
        line(1700000000012, { event: "ORDER_ACCEPTED", event_id: "312", order_id: 312 }),
        line(1700000000000, { event: "ORDER_REJECTED", event_id: "req_12", request_id: "12x" }),
        line(1700000000001, { event: "ORDER_ACCEPTED", event_id: "12", order_id: 12 }),
        line(1700000000002, { event: "ORDER_ANSWERED", event_id: "12", order_id: "12" }),
        line(1700000000003, {
          event: "TRADE_EXECUTED",
          event_id: "9",
          trade_id: 9,
          maker_order_id: 12,
        }),
      ].join(""),
    );
    const found = await find([{ file: f, start: 0, end: f.size_bytes }], "12");
    assert.deepEqual(
      found.map((x) => x.event),
      ["ORDER_ACCEPTED", "ORDER_ANSWERED", "TRADE_EXECUTED"],
    );
    const bare = await find([{ file: f, start: 0, end: f.size_bytes }], "123");
    assert.deepEqual(
      bare.map((x) => x.event_id),
      ["123"],
    );
  });

  test("every line is found once however the file is cut into ranges", async () => {
    let text = "";
    for (let i = 0; i < 500; i++) {
      text += line(1700000000000 + i, {
        event: "ORDER_ACCEPTED",
        event_id: String(i % 7 === 0 ? 4242 : i),
        order_id: i,
      });
    }
    const f = file("ranges.log", text);
    const whole = await find([{ file: f, start: 0, end: f.size_bytes }], "4242");
    assert.equal(whole.length, 72);
    for (const step of [1, 13, 97, 1000]) {
      const ranges: ScanRange[] = [];
      for (let s = 0; s < f.size_bytes; s += step) {
        ranges.push({ file: f, start: s, end: Math.min(f.size_bytes, s + step) });
      }
      assert.deepEqual(await find(ranges, "4242"), whole, `ranges of ${step} bytes`);
    }
  });

  test("a last line without its newline is not read; a line longer than a chunk is", async () => {
    const long = "x".repeat(3 * 1024 * 1024);
    const f = file(
      "edges.log",
      line(1, { event: "ORDER_ACCEPTED", order_id: 5555, note: long }) +
        line(2, { event: "ORDER_ACCEPTED", order_id: 5555 }) +
        JSON.stringify({ time: 3, event: "ORDER_ANSWERED", order_id: 5555 }),
    );
    const found = await find([{ file: f, start: 0, end: f.size_bytes }], "5555");
    assert.deepEqual(
      found.map((x) => x.time),
      [1, 2],
    );
  });

  test("an id inside every timestamp still finds exactly its own lines", async () => {
    let text = "";
    // 20,000 lines whose time contains 1795; two carry it as an order id.
    for (let i = 0; i < 20_000; i++) {
      const fields = i === 100 || i === 19_000 ? { order_id: 1795 } : { order_id: 100_000 + i };
      text += line(1795463300000 + i, { event: "ORDER_ACCEPTED", ...fields });
    }
    const f = file("prefix.log", text);
    const found = await find([{ file: f, start: 0, end: f.size_bytes }], "1795");
    assert.deepEqual(
      found.map((x) => x.time),
      [1795463300100, 1795463319000],
    );
  });

  test("worker threads find what the calling thread finds", async () => {
    let text = "";
    // Above the size that is scanned without workers.
    for (let i = 0; i < 70_000; i++) {
      text += line(1700000000000 + i, {
        event: "ORDER_ACCEPTED",
        event_id: String(i),
        order_id: i,
        request_id: `r-${i % 1000}`,
        pad: "p".repeat(60),
      });
    }
    const f = file("big.log", text);
    assert.ok(f.size_bytes > 8 * 1024 * 1024);
    const ranges = [{ file: f, start: 0, end: f.size_bytes }];
    const here = await find(ranges, "r-17", 0);
    const there = await find(ranges, "r-17", 2);
    assert.equal(here.length, 70);
    assert.deepEqual(there, here);
  });
});
