import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { MessageHeaders } from "../../../src/obs/mod.ts";
import {
  createProcessMetrics,
  createServiceObs,
  logEvent,
  mergeRegistries,
  resolveObsOptions,
  traceIdOf,
} from "../../../src/obs/mod.ts";

const SERVICES = ["gateway", "ubscore", "matching_engine", "settlement"] as const;

test("embedded mode: four services in one process write four files, one /metrics, one trace", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "bourse-obs-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const options = resolveObsOptions({ log_dir: dir }, {});
  const all = SERVICES.map((s) => createServiceObs(s, options, { trace_exporter: "memory" }));

  let headers: MessageHeaders = {};
  for (const obs of all) {
    const span = obs.tracing.startSpan(`${obs.service}.deposit`, headers);
    logEvent(obs.log, "DEPOSIT_CONSUMED", {
      event_id: "deposit_1001_BTC_1782907200123",
      user_id: 1001,
      asset: "BTC",
      request_id: "req-9",
      trace_id: traceIdOf(span) ?? "",
    });
    obs.metrics.deposits_total.inc();
    headers = obs.tracing.inject(span, {});
    span.end();
  }
  const traceIds = all.map((o) => o.tracing.finishedSpans()[0]!.spanContext().traceId);
  assert.equal(new Set(traceIds).size, 1);

  const exposition = await mergeRegistries([
    ...all.map((o) => o.metrics.registry),
    createProcessMetrics(),
  ]).metrics();
  for (const s of SERVICES) {
    assert.ok(exposition.includes(`bourse_deposits_total{service="${s}"} 1`), s);
    assert.ok(exposition.includes(`bourse_log_lines_dropped_total{service="${s}"} 0`), s);
  }

  await Promise.all(all.map((o) => o.close()));
  assert.deepEqual((await readdir(dir)).sort(), SERVICES.map((s) => `${s}.log`).sort());
  for (const s of SERVICES) {
    const [line] = (await readFile(join(dir, `${s}.log`), "utf8")).trim().split("\n");
    const parsed = JSON.parse(line!) as Record<string, unknown>;
    assert.equal(parsed["event"], "DEPOSIT_CONSUMED");
    assert.equal(parsed["service"], s);
    assert.equal(parsed["trace_id"], traceIds[0]);
  }
});

test("the writer's drops reach the service's metric", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "bourse-obs-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const obs = createServiceObs(
    "ubscore",
    resolveObsOptions({ log_dir: dir, log_buffer_bytes_max: 4096 }, {}),
  );
  const big = "x".repeat(1000);
  for (let i = 0; i < 10; i++) obs.log.logger.info({ big }, "burst");
  const dropped = obs.log.writer!.dropped;
  assert.ok(dropped >= 6, `dropped ${dropped}`);
  const text = await obs.metrics.registry.metrics();
  assert.ok(text.includes(`bourse_log_lines_dropped_total{service="ubscore"} ${dropped}`), text);
  await obs.close();
  const lines = (await readFile(join(dir, "ubscore.log"), "utf8")).trim().split("\n");
  const report = JSON.parse(lines.at(-1)!) as { event: string; count: number };
  assert.equal(report.event, "LOG_LINES_DROPPED");
  assert.equal(report.count, dropped);
});

test("the silent level gives a logger that writes no file", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "bourse-obs-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const obs = createServiceObs(
    "gateway",
    resolveObsOptions({ log_dir: dir, log_level: "silent" }, {}),
  );
  assert.equal(obs.log.writer, null);
  assert.equal(logEvent(obs.log, "DEPOSIT_CONSUMED", { event_id: "d" }), false);
  await obs.close();
  await obs.close();
  assert.deepEqual(await readdir(dir), []);
});
