import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { traceCommand } from "../../../src/cli/trace.ts";
import type { TraceResult } from "../../../src/trace/mod.ts";
import { ServiceLogs, transfer } from "./service-logs.ts";

async function run(args: string[]): Promise<{ text: string; code: number }> {
  let text = "";
  const saved = process.exitCode;
  try {
    await traceCommand({ out: (t) => (text += t) })
      .exitOverride()
      .parseAsync(args, { from: "user" });
    return { text, code: Number(process.exitCode ?? 0) };
  } finally {
    process.exitCode = saved;
  }
}

describe("bourse trace", () => {
  let logs: ServiceLogs;
  let complete = "";
  let lost = "";
  before(async () => {
    logs = await ServiceLogs.open();
    const base = { type: "deposit", asset_id: 1, user_id: 1001 } as const;
    complete = transfer(logs, { ...base, req_id: "g-1", request_id: "d-1", ts_ms: logs.now });
    logs.now += 10;
    lost = transfer(logs, {
      ...base,
      req_id: "g-2",
      request_id: "d-2",
      ts_ms: logs.now,
      skip: ["settlement:DEPOSIT_PERSISTED", "ubscore:DEPOSIT_EXIT"],
    });
    await logs.close();
  });
  after(() => logs.remove());

  test("a complete event: the timeline table, then complete; exit 0", async () => {
    const { text, code } = await run([complete, "--log-dir", logs.dir]);
    assert.equal(code, 0);
    const lines = text.trimEnd().split("\n");
    assert.match(lines[1] ?? "", /^time \(UTC\)\s+\+ms\s+service\s+event\s+details$/);
    assert.match(lines[2] ?? "", /^2030-01-01T00:00:00\.000Z\s+gateway\s+DEPOSIT_RECEIVED\s+id=/);
    assert.match(lines[3] ?? "", /\s\+3\s+ubscore\s+DEPOSIT_CONSUMED\s/);
    assert.equal(lines.at(-1), "complete");
  });

  test("an incomplete event names what is missing where; exit 2", async () => {
    const { text, code } = await run([lost, "--log-dir", logs.dir]);
    assert.equal(code, 2);
    assert.equal(
      text.trimEnd().split("\n").at(-1),
      "incomplete: missing DEPOSIT_EXIT in ubscore, DEPOSIT_PERSISTED in settlement",
    );
  });

  test("--json prints the whole result; an unknown id exits 1", async () => {
    const { text, code } = await run([lost, "--log-dir", logs.dir, "--json"]);
    assert.equal(code, 2);
    const r = JSON.parse(text) as TraceResult;
    assert.equal(r.status, "incomplete");
    assert.deepEqual(
      r.missing.map((m) => [m.service, m.event]),
      [
        ["ubscore", "DEPOSIT_EXIT"],
        ["settlement", "DEPOSIT_PERSISTED"],
      ],
    );
    const none = await run(["deposit_1_1_1", "--log-dir", logs.dir, "--json"]);
    assert.equal(none.code, 1);
    assert.equal((JSON.parse(none.text) as TraceResult).status, "not_found");
  });

  test("folders can be given once per host", async () => {
    const { code } = await run([complete, "--log-dir", "/nonexistent", "--log-dir", logs.dir]);
    assert.equal(code, 0);
  });
});
