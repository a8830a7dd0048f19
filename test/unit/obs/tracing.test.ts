import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import type { MessageHeaders, Tracing } from "../../../src/obs/mod.ts";
import { initTracing, traceIdOf } from "../../../src/obs/mod.ts";

const HOPS = ["gateway", "ubscore", "matching_engine", "settlement"] as const;

/** Runs one order through the hops: each consumes the previous message's headers and publishes its own. */
function runHops(tracers: readonly Tracing[]): MessageHeaders[] {
  const published: MessageHeaders[] = [];
  let incoming: MessageHeaders | undefined;
  for (const tracing of tracers) {
    const span = tracing.startSpan(`${tracing.service}.handle`, incoming);
    const outgoing = tracing.inject(span, { "bourse-event-id": "order_77" });
    span.end();
    published.push(outgoing);
    incoming = outgoing;
  }
  return published;
}

test("one trace spans gateway -> UBSCore -> matching -> settlement through message headers", async () => {
  const tracers = HOPS.map((service) => initTracing({ service, exporter: "memory" }));
  const headers = runHops(tracers);

  const spans = tracers.map((t) => {
    const finished = t.finishedSpans();
    assert.equal(finished.length, 1, t.service);
    return finished[0]!;
  });
  const traceId = spans[0]!.spanContext().traceId;
  assert.match(traceId, /^[0-9a-f]{32}$/);
  spans.forEach((span, i) => {
    assert.equal(span.spanContext().traceId, traceId, `hop ${HOPS[i]}`);
    assert.equal(span.name, `${HOPS[i]}.handle`);
    assert.equal(span.resource.attributes["service.name"], HOPS[i]);
    const parent = span.parentSpanContext?.spanId;
    if (i === 0) assert.equal(parent, undefined);
    else assert.equal(parent, spans[i - 1]!.spanContext().spanId);
  });
  headers.forEach((h, i) => {
    assert.equal(h["traceparent"], `00-${traceId}-${spans[i]!.spanContext().spanId}-01`);
    assert.equal(h["bourse-event-id"], "order_77");
  });
  await Promise.all(tracers.map((t) => t.shutdown()));
});

test('"none" records nothing yet passes an upstream trace through to the next hop', async () => {
  const gateway = initTracing({ service: "gateway", exporter: "memory" });
  const ubscore = initTracing({ service: "ubscore", exporter: "none" });
  const matching = initTracing({ service: "matching_engine", exporter: "memory" });
  runHops([gateway, ubscore, matching]);

  assert.equal(ubscore.enabled, false);
  assert.deepEqual(ubscore.finishedSpans(), []);
  const [root] = gateway.finishedSpans();
  const [child] = matching.finishedSpans();
  assert.equal(child!.spanContext().traceId, root!.spanContext().traceId);
  assert.equal(child!.parentSpanContext?.spanId, root!.spanContext().spanId);
  await Promise.all([gateway, ubscore, matching].map((t) => t.shutdown()));
});

test('"none" everywhere produces no spans and no trace headers', async () => {
  const tracers = HOPS.map((service) => initTracing({ service, exporter: "none" }));
  const headers = runHops(tracers);
  for (const t of tracers) assert.deepEqual(t.finishedSpans(), []);
  for (const h of headers) assert.deepEqual(Object.keys(h), ["bourse-event-id"]);
  const span = tracers[0]!.startSpan("x");
  assert.equal(span.isRecording(), false);
  assert.equal(traceIdOf(span), undefined);
});

test("extract ignores malformed trace headers and starts a new trace", async () => {
  const t = initTracing({ service: "ubscore", exporter: "memory" });
  const span = t.startSpan("consume", { traceparent: "garbage" });
  span.end();
  const [finished] = t.finishedSpans();
  assert.equal(finished!.parentSpanContext, undefined);
  assert.equal(traceIdOf(span), finished!.spanContext().traceId);
  await t.shutdown();
});

test("a context can be the parent as well as headers", async () => {
  const t = initTracing({ service: "settlement", exporter: "memory" });
  const parent = t.startSpan("batch");
  const ctx = t.extract(t.inject(parent, {}));
  const child = t.startSpan("write", ctx);
  child.end();
  parent.end();
  const [c, p] = t.finishedSpans();
  assert.equal(c!.parentSpanContext?.spanId, p!.spanContext().spanId);
  await t.shutdown();
});

test('"otlp" exports the spans over HTTP to the configured URL', async (t) => {
  const bodies: { url: string; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      body += chunk;
    });
    req.on("end", () => {
      bodies.push({ url: req.url ?? "", body });
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  t.after(() => {
    server.close();
  });
  const { port } = server.address() as AddressInfo;

  const tracing = initTracing({
    service: "gateway",
    exporter: "otlp",
    otlp_url: `http://127.0.0.1:${port}/v1/traces`,
  });
  tracing.startSpan("http.order").end();
  await tracing.shutdown();
  assert.equal(bodies.length, 1);
  assert.equal(bodies[0]!.url, "/v1/traces");
  assert.ok(bodies[0]!.body.includes("http.order"));
  assert.ok(bodies[0]!.body.includes("gateway"));
});

test("an unknown exporter is refused", () => {
  assert.throws(() => initTracing({ service: "x", exporter: "zipkin" as "none" }), /exporter/);
});

test("sample_ratio 0 records no new trace, and downstream follows the upstream decision", async () => {
  const gateway = initTracing({ service: "gateway", exporter: "memory", sample_ratio: 0 });
  const ubscore = initTracing({ service: "ubscore", exporter: "memory" });
  const headers = runHops([gateway, ubscore]);
  assert.deepEqual(gateway.finishedSpans(), []);
  assert.deepEqual(ubscore.finishedSpans(), []);
  // The context still travels, flagged as not sampled.
  assert.match(headers[0]!["traceparent"] ?? "", /^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
  assert.throws(() => initTracing({ service: "x", exporter: "memory", sample_ratio: 2 }), /ratio/);
  await Promise.all([gateway.shutdown(), ubscore.shutdown()]);
});
