import assert from "node:assert/strict";
import { test } from "node:test";
import {
  CounterVec,
  createMetrics,
  createProcessMetrics,
  HistogramVec,
  mergeRegistries,
  STAGE_BUCKETS_SECONDS,
  startAdminServer,
} from "../../../src/obs/mod.ts";

/** Samples of the exposition text: "name{labels}" -> value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const cut = line.lastIndexOf(" ");
    out.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return out;
}

test("the exposition names every series with its labels and the service label", async () => {
  const m = createMetrics("ubscore");
  m.deposits_total.inc();
  m.deposits_total.inc(2);
  m.withdrawals_total.inc();
  const accepted = m.orders_total.labels({ outcome: "accepted", reason: "none" });
  accepted.inc();
  accepted.inc();
  m.orders_total.labels({ outcome: "rejected", reason: "INSUFFICIENT_BALANCE" }).inc();
  m.trades_total.inc(3);
  m.rejections_total.labels({ reason: "INSUFFICIENT_BALANCE" }).inc();
  m.errors_total.labels({ kind: "journal_write" }).inc();
  m.settlement_lag_seconds.set(0.25);

  const text = await m.registry.metrics();
  const s = samples(text);
  assert.equal(s.get('bourse_deposits_total{service="ubscore"}'), 3);
  assert.equal(s.get('bourse_withdrawals_total{service="ubscore"}'), 1);
  assert.equal(s.get('bourse_orders_total{outcome="accepted",reason="none",service="ubscore"}'), 2);
  assert.equal(
    s.get(
      'bourse_orders_total{outcome="rejected",reason="INSUFFICIENT_BALANCE",service="ubscore"}',
    ),
    1,
  );
  assert.equal(s.get('bourse_trades_total{service="ubscore"}'), 3);
  assert.equal(
    s.get('bourse_rejections_total{reason="INSUFFICIENT_BALANCE",service="ubscore"}'),
    1,
  );
  assert.equal(s.get('bourse_errors_total{kind="journal_write",service="ubscore"}'), 1);
  assert.equal(s.get('bourse_settlement_lag_seconds{service="ubscore"}'), 0.25);
  assert.equal(s.get('bourse_log_lines_dropped_total{service="ubscore"}'), 0);
  assert.match(text, /^# TYPE bourse_orders_total counter$/m);
  assert.match(text, /^# TYPE bourse_stage_latency_seconds histogram$/m);
  assert.match(text, /^# TYPE bourse_settlement_lag_seconds gauge$/m);
});

test("a series appears once its service writes it: none is stuck at 0 in a service that never does", async () => {
  const gateway = createMetrics("gateway");
  const before = samples(await gateway.registry.metrics());
  // Only the drop counter, which every service that logs feeds, is there from the start.
  assert.deepEqual([...before.keys()], ['bourse_log_lines_dropped_total{service="gateway"}']);
  gateway.trades_total.inc(0);
  gateway.settlement_lag_seconds.set(0);
  const after = samples(await gateway.registry.metrics());
  assert.equal(after.get('bourse_trades_total{service="gateway"}'), 0);
  assert.equal(after.get('bourse_settlement_lag_seconds{service="gateway"}'), 0);
  assert.equal(gateway.trades_total.value, 0);
});

test("stage latency is a histogram in seconds with buckets from 5 µs to 1 s", async () => {
  const m = createMetrics("matching_engine");
  const match = m.stage_latency_seconds.labels({ stage: "match" });
  match.observe(0.000003); // below the first bound
  match.observe(0.000005); // on a bound: counted in it (le is inclusive)
  match.observe(0.00004);
  match.observe(0.3);
  match.observe(2); // above every bound: only in +Inf
  assert.equal(STAGE_BUCKETS_SECONDS[0], 0.000005);
  assert.equal(STAGE_BUCKETS_SECONDS.at(-1), 1);

  const s = samples(await m.registry.metrics());
  const bucket = (le: string) =>
    s.get(
      `bourse_stage_latency_seconds_bucket{stage="match",le="${le}",service="matching_engine"}`,
    );
  assert.equal(bucket("0.000005"), 2);
  assert.equal(bucket("0.00001"), 2);
  assert.equal(bucket("0.00005"), 3);
  assert.equal(bucket("0.25"), 3);
  assert.equal(bucket("0.5"), 4);
  assert.equal(bucket("1"), 4);
  assert.equal(bucket("+Inf"), 5);
  assert.equal(
    s.get('bourse_stage_latency_seconds_count{stage="match",service="matching_engine"}'),
    5,
  );
  const sum = s.get('bourse_stage_latency_seconds_sum{stage="match",service="matching_engine"}')!;
  assert.ok(Math.abs(sum - 2.300048) < 1e-9, String(sum));
});

test("label children are resolved once and shared", () => {
  const m = createMetrics("gateway");
  const a = m.orders_total.labels({ outcome: "accepted", reason: "none" });
  assert.equal(m.orders_total.labels({ outcome: "accepted", reason: "none" }), a);
  assert.notEqual(m.orders_total.labels({ outcome: "accepted", reason: "other" }), a);
  assert.throws(() => a.inc(-1), RangeError);
  assert.throws(
    () => m.orders_total.labels({ outcome: "accepted" } as { outcome: string; reason: string }),
    /reason/,
  );
});

test("the dropped-lines counter follows the log writers it watches, read at scrape", async () => {
  const m = createMetrics("settlement");
  const writer = { dropped: 0 };
  const other = { dropped: 5 };
  m.watchDrops(writer);
  m.watchDrops(other);
  const read = async () =>
    samples(await m.registry.metrics()).get('bourse_log_lines_dropped_total{service="settlement"}');
  assert.equal(await read(), 5);
  writer.dropped = 7;
  assert.equal(await read(), 12);
  assert.equal(await read(), 12);
  other.dropped = 6;
  assert.equal(await read(), 13);
});

test("registries are isolated: two services in one process do not share series", async () => {
  const a = createMetrics("gateway");
  const b = createMetrics("ubscore");
  a.deposits_total.inc();
  const sb = samples(await b.registry.metrics());
  assert.equal(sb.get('bourse_deposits_total{service="ubscore"}'), undefined);
  assert.equal(sb.get('bourse_deposits_total{service="gateway"}'), undefined);
  b.deposits_total.inc();
  const again = samples(await b.registry.metrics());
  assert.equal(again.get('bourse_deposits_total{service="ubscore"}'), 1);
  assert.equal(
    samples(await a.registry.metrics()).get('bourse_deposits_total{service="gateway"}'),
    1,
  );
});

test("merged registries serve one valid exposition with one HELP and TYPE per family", async () => {
  const services = ["gateway", "ubscore", "matching_engine", "settlement"].map((s) =>
    createMetrics(s),
  );
  services.forEach((m, i) => {
    m.deposits_total.inc(i + 1);
    m.stage_latency_seconds.labels({ stage: "handle" }).observe(0.0001);
  });
  const source = mergeRegistries([...services.map((m) => m.registry), createProcessMetrics()]);
  const text = await source.metrics();
  assert.match(source.contentType, /^text\/plain; version=0\.0\.4/);
  const s = samples(text);
  services.forEach((m, i) => {
    assert.equal(s.get(`bourse_deposits_total{service="${m.service}"}`), i + 1);
    assert.equal(
      s.get(`bourse_stage_latency_seconds_count{stage="handle",service="${m.service}"}`),
      1,
    );
  });
  const typeLines = text.split("\n").filter((l) => l.startsWith("# TYPE "));
  assert.equal(new Set(typeLines).size, typeLines.length);
  assert.equal(typeLines.filter((l) => l.includes(" bourse_deposits_total ")).length, 1);
  assert.ok(s.has("process_cpu_user_seconds_total"), "process metrics present, unlabelled");
  // Samples of one family stay together after their TYPE line.
  const lines = text.split("\n");
  const start = lines.indexOf("# TYPE bourse_deposits_total counter");
  assert.deepEqual(
    lines.slice(start + 1, start + 5).map((l) => l.split(" ")[0]),
    services.map((m) => `bourse_deposits_total{service="${m.service}"}`),
  );
});

test("label values are escaped in the merged exposition", async () => {
  const m = createMetrics("gateway");
  m.errors_total.labels({ kind: 'quote"back\\slash\nnewline' }).inc();
  const text = await mergeRegistries([m.registry]).metrics();
  assert.ok(
    text.includes(
      'bourse_errors_total{kind="quote\\"back\\\\slash\\nnewline",service="gateway"} 1',
    ),
  );
});

test("families reject bad names and buckets", () => {
  assert.throws(() => new CounterVec("bad name", "h", []), /name/);
  assert.throws(() => new CounterVec("ok_total", "h", ["le"]), /label/);
  assert.throws(() => new HistogramVec("h_seconds", "h", [], [0.1, 0.1]), /increasing/);
  assert.throws(() => new HistogramVec("h_seconds", "h", [], []), /bucket/);
});

test("the admin server answers /metrics, /livez and /readyz", async (t) => {
  const m = createMetrics("ubscore");
  m.trades_total.inc();
  let ready = false;
  // A service's own registry is a metrics source as it is.
  const server = await startAdminServer({ port: 0, source: m.registry, ready: () => ready });
  t.after(() => server.close());
  const base = `http://127.0.0.1:${server.port}`;

  const metrics = await fetch(`${base}/metrics`);
  assert.equal(metrics.status, 200);
  assert.match(metrics.headers.get("content-type") ?? "", /^text\/plain/);
  assert.equal(samples(await metrics.text()).get('bourse_trades_total{service="ubscore"}'), 1);

  const live = await fetch(`${base}/livez`);
  assert.equal(live.status, 200);
  assert.deepEqual(await live.json(), { status: "live" });

  const notReady = await fetch(`${base}/readyz`);
  assert.equal(notReady.status, 503);
  assert.deepEqual(await notReady.json(), { status: "not_ready" });
  ready = true;
  const isReady = await fetch(`${base}/readyz`);
  assert.equal(isReady.status, 200);
  await isReady.body?.cancel();

  const missing = await fetch(`${base}/nope`);
  assert.equal(missing.status, 404);
  assert.equal(((await missing.json()) as { code: string }).code, "NOT_FOUND");
  const post = await fetch(`${base}/metrics`, { method: "POST" });
  assert.equal(post.status, 405);
  await post.body?.cancel();
});
