/**
 * Writes metric data as CloudWatch Embedded Metric Format through Powertools Metrics: one EMF
 * document per distinct dimension set, because EMF applies a document's dimensions to all of
 * its metrics.
 */
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { MetricDatum } from "../report/metrics";

const UNITS = { Count: MetricUnit.Count, Milliseconds: MetricUnit.Milliseconds } as const;

export interface MetricsOptions {
  namespace: string;
  serviceName: string;
}

export function emitMetrics(data: MetricDatum[], options: MetricsOptions): number {
  const groups = new Map<string, MetricDatum[]>();
  for (const d of data) {
    const key = JSON.stringify(Object.entries(d.dimensions).sort(([a], [b]) => a.localeCompare(b)));
    groups.set(key, [...(groups.get(key) ?? []), d]);
  }
  const metrics = new Metrics({ namespace: options.namespace, serviceName: options.serviceName });
  // Powertools adds a `service` dimension by default; the documented sets are exactly ours,
  // which is what an alarm or a dashboard query has to name.
  metrics.clearDefaultDimensions();
  for (const group of groups.values()) {
    for (const [name, value] of Object.entries(group[0]!.dimensions))
      metrics.addDimension(name, value);
    for (const d of group) metrics.addMetric(d.name, UNITS[d.unit], d.value);
    metrics.publishStoredMetrics();
  }
  return groups.size;
}
