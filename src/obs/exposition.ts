// One /metrics body for several registries. An embedded process runs four
// services whose registries hold the same metric names; prom-client's
// Registry.merge refuses duplicate names and concatenating the texts would
// repeat HELP and TYPE lines, which Prometheus rejects. So the families are
// grouped by name and rendered once, each sample keeping its `service` label.

import { Registry } from "prom-client";

export interface MetricsSource {
  readonly contentType: string;
  metrics(): Promise<string>;
}

interface Family {
  readonly help: string;
  readonly type: string;
  readonly samples: string[];
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function escapeLabel(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Number.POSITIVE_INFINITY) return "+Inf";
  if (v === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(v);
}

function formatLabels(labels: Readonly<Record<string, string | number | undefined>>): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(labels)) {
    if (value !== undefined) parts.push(`${name}="${escapeLabel(String(value))}"`);
  }
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

export async function renderRegistries(registries: readonly Registry[]): Promise<string> {
  const families = new Map<string, Family>();
  const all = await Promise.all(registries.map((r) => r.getMetricsAsJSON()));
  for (const metrics of all) {
    for (const metric of metrics) {
      const type = String(metric.type);
      let family = families.get(metric.name);
      if (family === undefined) {
        family = { help: metric.help, type, samples: [] };
        families.set(metric.name, family);
      } else if (family.type !== type) {
        // Two meanings under one name cannot share a family; the first one wins.
        continue;
      }
      for (const v of metric.values as {
        value: number;
        labels: Record<string, string | number | undefined>;
        metricName?: string;
      }[]) {
        family.samples.push(
          `${v.metricName ?? metric.name}${formatLabels(v.labels)} ${formatValue(v.value)}`,
        );
      }
    }
  }
  const out: string[] = [];
  for (const [name, family] of families) {
    out.push(`# HELP ${name} ${escapeHelp(family.help)}`, `# TYPE ${name} ${family.type}`);
    out.push(...family.samples);
  }
  return out.length === 0 ? "" : `${out.join("\n")}\n`;
}

/** A metrics source serving several registries as one exposition. */
export function mergeRegistries(registries: readonly Registry[]): MetricsSource {
  const list = [...registries];
  return {
    contentType: Registry.PROMETHEUS_CONTENT_TYPE,
    metrics: () => renderRegistries(list),
  };
}
