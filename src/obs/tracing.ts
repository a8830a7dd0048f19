// Traces across the event log. Each service owns a tracer provider of its own,
// never registered globally, so the four services of an embedded process keep
// their service names and tests do not leak into each other. Context moves
// between hops as W3C `traceparent` / `tracestate` entries in the event-log
// message headers, a plain Record<string, string>.
//
// With the exporter "none" no provider exists: spans are the API's
// non-recording spans, which only carry an upstream context through, so a
// service with tracing off neither records nor breaks a trace that passes by.

import type { Context, Span, SpanOptions, Tracer } from "@opentelemetry/api";
import {
  defaultTextMapGetter,
  defaultTextMapSetter,
  INVALID_SPAN_CONTEXT,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  trace,
} from "@opentelemetry/api";
import { TRACE_PARENT_HEADER, W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import type { ReadableSpan, SpanProcessor } from "@opentelemetry/sdk-trace-base";
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
} from "@opentelemetry/sdk-trace-base";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";

export type TraceExporterKind = "none" | "otlp" | "memory";

export const TRACE_EXPORTERS: readonly TraceExporterKind[] = ["none", "otlp", "memory"];

export const DEFAULT_OTLP_URL = "http://127.0.0.1:4318/v1/traces";

/** Event-log message headers. */
export type MessageHeaders = Record<string, string>;

export interface TracingOptions {
  readonly service: string;
  readonly exporter: TraceExporterKind;
  /** OTLP/HTTP traces endpoint; only read when exporter is "otlp". */
  readonly otlp_url?: string;
  /**
   * Share of new traces recorded, 0..1 (default 1). Decided where a trace
   * starts (the gateway) and followed downstream through the sampled flag of
   * `traceparent`, so a trace is recorded whole or not at all.
   */
  readonly sample_ratio?: number;
}

export interface Tracing {
  readonly service: string;
  /** False for "none": spans are not recorded. */
  readonly enabled: boolean;
  readonly tracer: Tracer;
  /**
   * Starts a span whose parent is taken from message headers or a context;
   * without one the span starts a new trace.
   */
  startSpan(name: string, parent?: Readonly<MessageHeaders> | Context, options?: SpanOptions): Span;
  /** Writes the trace context of `from` into `headers` and returns them. */
  inject(from: Context | Span, headers: MessageHeaders): MessageHeaders;
  extract(headers: Readonly<MessageHeaders>): Context;
  /** Finished spans, oldest first; only the "memory" exporter keeps any. */
  finishedSpans(): readonly ReadableSpan[];
  /** Sends spans still queued for export. */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

const propagator = new W3CTraceContextPropagator();

function isContext(x: Readonly<MessageHeaders> | Context): x is Context {
  return typeof (x as Context).getValue === "function";
}

function contextOf(from: Context | Span): Context {
  return "spanContext" in from ? trace.setSpan(ROOT_CONTEXT, from) : from;
}

function extract(headers: Readonly<MessageHeaders>): Context {
  // Most messages carry no trace when tracing is off everywhere; skip the parser then.
  if (headers[TRACE_PARENT_HEADER] === undefined) return ROOT_CONTEXT;
  return propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
}

function inject(from: Context | Span, headers: MessageHeaders): MessageHeaders {
  propagator.inject(contextOf(from), headers, defaultTextMapSetter);
  return headers;
}

function recordingHandle(
  service: string,
  provider: BasicTracerProvider,
  memory: InMemorySpanExporter | null,
): Tracing {
  const tracer = provider.getTracer(service);
  return {
    service,
    enabled: true,
    tracer,
    startSpan(name, parent, options) {
      const ctx =
        parent === undefined ? ROOT_CONTEXT : isContext(parent) ? parent : extract(parent);
      return tracer.startSpan(name, options, ctx);
    },
    inject,
    extract,
    finishedSpans: () => (memory === null ? [] : memory.getFinishedSpans()),
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

// The one span handed out when tracing is off and no upstream trace arrived;
// a non-recording span has no state, so sharing it is safe and allocation-free.
const NO_SPAN = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

function disabledHandle(service: string): Tracing {
  // A provider with no delegate hands out the API's no-op tracer, whatever the global state.
  const tracer = new ProxyTracerProvider().getTracer(service);
  return {
    service,
    enabled: false,
    tracer,
    startSpan(_name, parent) {
      if (parent === undefined) return NO_SPAN;
      const ctx = isContext(parent) ? parent : extract(parent);
      if (ctx === ROOT_CONTEXT) return NO_SPAN;
      const sc = trace.getSpanContext(ctx);
      return sc === undefined ? NO_SPAN : trace.wrapSpanContext(sc);
    },
    inject(from, headers) {
      if (from === NO_SPAN || from === ROOT_CONTEXT) return headers;
      const sc = "spanContext" in from ? from.spanContext() : trace.getSpanContext(from);
      if (sc !== undefined && trace.isSpanContextValid(sc)) inject(from, headers);
      return headers;
    },
    extract,
    finishedSpans: () => [],
    flush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
}

export function initTracing(opts: TracingOptions): Tracing {
  if (!TRACE_EXPORTERS.includes(opts.exporter)) {
    throw new Error(`tracing: exporter must be one of ${TRACE_EXPORTERS.join(", ")}`);
  }
  const ratio = opts.sample_ratio ?? 1;
  if (!(ratio >= 0 && ratio <= 1)) throw new Error("tracing: sample_ratio must be in 0..1");
  if (opts.exporter === "none") return disabledHandle(opts.service);
  let memory: InMemorySpanExporter | null = null;
  let processor: SpanProcessor;
  if (opts.exporter === "memory") {
    memory = new InMemorySpanExporter();
    processor = new SimpleSpanProcessor(memory);
  } else {
    const url = opts.otlp_url ?? DEFAULT_OTLP_URL;
    processor = new BatchSpanProcessor(new OTLPTraceExporter({ url }));
  }
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: opts.service }),
    spanProcessors: [processor],
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) }),
  });
  return recordingHandle(opts.service, provider, memory);
}

/** The trace id to put in a log line, or undefined when the span is not part of a trace. */
export function traceIdOf(span: Span): string | undefined {
  const sc = span.spanContext();
  return trace.isSpanContextValid(sc) ? sc.traceId : undefined;
}
