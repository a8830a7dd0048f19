import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Marker } from "../../../src/core/mod.ts";
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
    logEvent(obs.log, Marker.DEPOSIT_CONSUMED, {
      event_id: "deposit_1001_1_1782907200123_req-9",
      user_id: 1001,
      asset: "BTC",
      request_id: "req-9",
      trace_id: traceIdOf(span) ?? "",
    });
    obs.metrics.deposits_total.inc();
    headers = obs.tracing.inject(span, {});
    span.end();
  }
  for (const obs of all) obs.ready();
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

  for (const obs of all) obs.stopping();
  await Promise.all(all.map((o) => o.close()));
  assert.deepEqual(
    (await readdir(dir)).sort(),
    SERVICES.flatMap((s) => [`${s}.log`, `${s}.log.idx`]).sort(),
  );
  for (const s of SERVICES) {
    const lines = (await readFile(join(dir, `${s}.log`), "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    // Each service's log opens with its start and ends with its stop.
    assert.deepEqual(
      lines.map((l) => l["event"]),
      [
        "SERVICE_STARTED",
        "DEPOSIT_CONSUMED",
        "SERVICE_READY",
        "SERVICE_STOPPING",
        "SERVICE_STOPPED",
      ],
    );
    const parsed = lines[1] as Record<string, unknown>;
    assert.equal(parsed["service"], s);
    assert.equal(parsed["trace_id"], traceIds[0]);
  }
});

test("the writer's drops and waits reach the service's metrics", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "bourse-obs-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const obs = createServiceObs(
    "ubscore",
    resolveObsOptions({ log_dir: dir, log_buffer_bytes_max: 4096, log_block_ms_max: 5 }, {}),
  );
  await obs.log.open();
  const writer = obs.log.writer!;
  await writer.hold(true);
  const big = "x".repeat(1000);
  for (let i = 0; i < 100; i++) obs.log.logger.info({ big }, "burst");
  const dropped = writer.dropped;
  assert.ok(dropped >= 30, `dropped ${dropped}`);
  const text = await obs.metrics.registry.metrics();
  assert.ok(text.includes(`bourse_log_lines_dropped_total{service="ubscore"} ${dropped}`), text);
  assert.ok(text.includes(`bourse_log_backpressure_waits_total{service="ubscore"} 1`), text);
  await writer.hold(false);
  await writer.flush();
  await obs.close();
  assert.equal(writer.dropped, dropped);
  const lines = (await readFile(join(dir, "ubscore.log"), "utf8"))
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { event?: string; count?: number });
  const reports = lines.filter((l) => l.event === "LOG_LINES_DROPPED");
  assert.equal(
    reports.reduce((n, r) => n + (r.count ?? 0), 0),
    dropped,
  );
  assert.equal(lines.filter((l) => l.event === "BACKPRESSURE_ENGAGED").length, 1);
});

test("the silent level gives a logger that writes no file", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "bourse-obs-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const obs = createServiceObs(
    "gateway",
    resolveObsOptions({ log_dir: dir, log_level: "silent" }, {}),
  );
  assert.equal(obs.log.writer, null);
  assert.equal(logEvent(obs.log, Marker.DEPOSIT_CONSUMED, { event_id: "d" }), false);
  await obs.close();
  await obs.close();
  assert.deepEqual(await readdir(dir), []);
});
