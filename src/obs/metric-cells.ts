// Counters, gauges and histograms whose per-label children are plain objects
// updated with one addition. prom-client's own children hash their label set
// and validate it on every update (about 180 ns per counter increment and
// 260 ns per histogram observation on Node 20), too much for the matching
// path. These families are registered in a prom-client Registry through the
// same `get()` protocol its cluster aggregator uses, so exposition, default
// labels and merging stay prom-client's.

import type { Metric, Registry } from "prom-client";

const METRIC_NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export type LabelSet<L extends string> = Readonly<Record<L, string>>;

type MetricKind = "counter" | "gauge" | "histogram";

interface ExportedValue {
  value: number;
  labels: Readonly<Record<string, string | number>>;
  metricName?: string;
}

interface ExportedMetric {
  name: string;
  help: string;
  type: MetricKind;
  aggregator: "sum";
  values: ExportedValue[];
}

export class CounterCell {
  value = 0;
  constructor(readonly labels: Readonly<Record<string, string>>) {}

  inc(n = 1): void {
    if (!(n >= 0)) throw new RangeError(`counter increment must be >= 0, got ${n}`);
    this.value += n;
  }
}

export class GaugeCell {
  value = 0;
  constructor(readonly labels: Readonly<Record<string, string>>) {}

  set(v: number): void {
    this.value = v;
  }

  inc(n = 1): void {
    this.value += n;
  }

  dec(n = 1): void {
    this.value -= n;
  }
}

export class HistogramCell {
  /** Observations per bucket, not cumulative; the last slot is above every bound. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Readonly<Record<string, string>>,
    readonly bounds: Float64Array,
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(v: number): void {
    if (Number.isNaN(v)) return;
    const bounds = this.bounds;
    const n = bounds.length;
    let i = 0;
    while (i < n && v > bounds[i]!) i++;
    this.counts[i]! += 1;
    this.sum += v;
    this.count++;
  }
}

abstract class Family<C, L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  readonly aggregator = "sum" as const;
  protected readonly cells = new Map<string, C>();
  readonly #collect: (() => void) | undefined;

  constructor(name: string, help: string, labelNames: readonly L[], collect?: () => void) {
    if (!METRIC_NAME_RE.test(name))
      throw new Error(`metric name ${JSON.stringify(name)} is invalid`);
    for (const label of labelNames) {
      if (!LABEL_NAME_RE.test(label) || label.startsWith("__") || label === "le") {
        throw new Error(`${name}: label name ${JSON.stringify(label)} is invalid`);
      }
    }
    this.name = name;
    this.help = help;
    this.labelNames = labelNames;
    this.#collect = collect;
  }

  /**
   * The child for one label set, created on first use. Resolve children once,
   * at start-up, and keep them: this lookup builds a key and is not meant for
   * every update.
   */
  labels(values: LabelSet<L>): C {
    let key = "";
    for (const label of this.labelNames) {
      const v = values[label];
      if (typeof v !== "string")
        throw new Error(`${this.name}: label ${label} needs a string value`);
      key += `${v}\u0000`;
    }
    let cell = this.cells.get(key);
    if (cell === undefined) {
      const labels: Record<string, string> = {};
      for (const label of this.labelNames) labels[label] = values[label];
      cell = this.create(Object.freeze(labels));
      this.cells.set(key, cell);
    }
    return cell;
  }

  protected abstract create(labels: Readonly<Record<string, string>>): C;
  protected abstract kind(): MetricKind;
  protected abstract export(cell: C, out: ExportedValue[]): void;
  abstract reset(): void;

  get(): Promise<ExportedMetric> {
    this.#collect?.();
    const values: ExportedValue[] = [];
    for (const cell of this.cells.values()) this.export(cell, values);
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: this.kind(),
      aggregator: this.aggregator,
      values,
    });
  }

  /** Adds the family to a prom-client registry, which only reads it through get(). */
  register(registry: Registry): this {
    registry.registerMetric(this as unknown as Metric);
    return this;
  }
}

export class CounterVec<L extends string> extends Family<CounterCell, L> {
  protected create(labels: Readonly<Record<string, string>>): CounterCell {
    return new CounterCell(labels);
  }
  protected kind(): MetricKind {
    return "counter";
  }
  protected export(cell: CounterCell, out: ExportedValue[]): void {
    out.push({ value: cell.value, labels: cell.labels });
  }
  reset(): void {
    for (const cell of this.cells.values()) cell.value = 0;
  }
}

export class GaugeVec<L extends string> extends Family<GaugeCell, L> {
  protected create(labels: Readonly<Record<string, string>>): GaugeCell {
    return new GaugeCell(labels);
  }
  protected kind(): MetricKind {
    return "gauge";
  }
  protected export(cell: GaugeCell, out: ExportedValue[]): void {
    out.push({ value: cell.value, labels: cell.labels });
  }
  reset(): void {
    for (const cell of this.cells.values()) cell.value = 0;
  }
}

export class HistogramVec<L extends string> extends Family<HistogramCell, L> {
  readonly buckets: readonly number[];
  readonly #bounds: Float64Array;

  constructor(
    name: string,
    help: string,
    labelNames: readonly L[],
    buckets: readonly number[],
    collect?: () => void,
  ) {
    super(name, help, labelNames, collect);
    if (buckets.length === 0) throw new Error(`${name}: at least one bucket is needed`);
    for (let i = 0; i < buckets.length; i++) {
      const b = buckets[i]!;
      if (!Number.isFinite(b) || (i > 0 && b <= buckets[i - 1]!)) {
        throw new Error(`${name}: buckets must be finite and strictly increasing`);
      }
    }
    this.buckets = Object.freeze([...buckets]);
    this.#bounds = Float64Array.from(buckets);
  }

  protected create(labels: Readonly<Record<string, string>>): HistogramCell {
    return new HistogramCell(labels, this.#bounds);
  }
  protected kind(): MetricKind {
    return "histogram";
  }
  protected export(cell: HistogramCell, out: ExportedValue[]): void {
    let cumulative = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      cumulative += cell.counts[i]!;
      out.push({
        value: cumulative,
        labels: { ...cell.labels, le: this.buckets[i]! },
        metricName: `${this.name}_bucket`,
      });
    }
    out.push({
      value: cell.count,
      labels: { ...cell.labels, le: "+Inf" },
      metricName: `${this.name}_bucket`,
    });
    out.push({ value: cell.sum, labels: { ...cell.labels }, metricName: `${this.name}_sum` });
    out.push({ value: cell.count, labels: { ...cell.labels }, metricName: `${this.name}_count` });
  }
  reset(): void {
    for (const cell of this.cells.values()) {
      cell.counts.fill(0);
      cell.sum = 0;
      cell.count = 0;
    }
  }
}

/**
 * The one series of a family without labels, created when first written. A
 * process serves one registry per service, each with every family; a series
 * created up front would show 0 forever in the services that never write it
 * (the gateway's "deposits"), which reads like data. So a series appears
 * once its service first counts something, like a labelled one does.
 */
export class LazyCounter {
  #cell: CounterCell | null = null;
  constructor(private readonly family: CounterVec<never>) {}

  inc(n = 1): void {
    this.#cell ??= this.family.labels({});
    this.#cell.inc(n);
  }

  get value(): number {
    return this.#cell?.value ?? 0;
  }
}

/** A gauge without labels that appears once first set (see LazyCounter). */
export class LazyGauge {
  #cell: GaugeCell | null = null;
  constructor(private readonly family: GaugeVec<never>) {}

  set(v: number): void {
    this.#cell ??= this.family.labels({});
    this.#cell.set(v);
  }

  get value(): number {
    return this.#cell?.value ?? 0;
  }
}
