// `bourse trace` reads what the log writer leaves (compressed days with their
// index, live files indexed up to their last closed block) and what it does
// not (a file without an index, a day compressed by another tool): the same
// lines are found either way, and the index spares most of the reading.

import assert from "node:assert/strict";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { gunzipSync, gzipSync } from "node:zlib";
import { trace } from "../../../src/trace/mod.ts";
import { order, ServiceLogs, T0 } from "./service-logs.ts";

describe("trace through the index, and without it", () => {
  let logs: ServiceLogs;
  before(async () => {
    // Two hours before midnight to two after: a compressed day and a live one.
    logs = await ServiceLogs.open(T0 - 2 * 3_600_000);
    for (let id = 1; id <= 40_000; id++) {
      const fills =
        id % 2 === 0 ? [{ trade_id: 1_099_511_627_776 + id, maker_order_id: id - 1 }] : [];
      order(logs, { order_id: id, req_id: `g-${id}`, fills });
      logs.now += 150;
    }
    await logs.close();
  });
  after(() => logs.remove());

  const outcome = async (id: string) => {
    const r = await trace(id, { log_dirs: [logs.dir], workers: 0 });
    return {
      status: r.status,
      lines: r.timeline.map((e) => `${e.service}:${e.event}:${e.time}`).sort(),
      scanned: r.stats.bytes_scanned,
    };
  };

  test("the index leaves most of the logs unread", async () => {
    const names = readdirSync(logs.dir);
    assert.ok(names.includes("ubscore.log.2029-12-31.gz"), names.join(","));
    assert.ok(names.includes("ubscore.log.idx"), names.join(","));
    // The text of every file, the compressed days inflated.
    let total = 0;
    for (const n of names.filter((x) => !x.endsWith(".idx"))) {
      const bytes = readFileSync(join(logs.dir, n));
      total += (n.endsWith(".gz") ? gunzipSync(bytes) : bytes).length;
    }
    const before_midnight = await outcome("10000");
    const after_midnight = await outcome("30000");
    for (const r of [before_midnight, after_midnight]) {
      assert.equal(r.status, "complete");
      assert.ok(r.lines.length >= 7, r.lines.join("\n"));
    }
    // A few blocks per file here; a trace reads the one or two that hold the id.
    assert.ok(after_midnight.scanned < total * 0.75, `${after_midnight.scanned} of ${total}`);
  });

  test("without indexes, and with a day gzipped by another tool, the same lines are found", async () => {
    const expected = [await outcome("10000"), await outcome("30000"), await outcome("20001")];
    for (const name of readdirSync(logs.dir)) {
      if (name.endsWith(".idx")) rmSync(join(logs.dir, name));
    }
    // A foreign gzip: one member, no index.
    const gz = join(logs.dir, "settlement.log.2029-12-31.gz");
    writeFileSync(gz, gzipSync(gunzipSync(readFileSync(gz))));
    const got = [await outcome("10000"), await outcome("30000"), await outcome("20001")];
    assert.deepEqual(
      got.map((r) => [r.status, r.lines]),
      expected.map((r) => [r.status, r.lines]),
    );
  });
});
