import { collectDefaultMetrics, Histogram, Registry, type Metric } from "prom-client";

/**
 * One prom-client registry per app instance (not the global one), so tests can build many apps.
 * Later work (the webhook) registers its own metrics on the same registry through `getOrCreateMetric`.
 */
export function createMetricsRegistry(options: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) {
    collectDefaultMetrics({ register: registry });
  }
  httpRequestDuration(registry);
  return registry;
}

/** Returns the metric registered under `name`, or registers the one `create` builds. */
export function getOrCreateMetric<M extends Metric>(registry: Registry, name: string, create: () => M): M {
  const existing = registry.getSingleMetric(name);
  if (existing) {
    return existing as M;
  }
  const metric = create();
  registry.registerMetric(metric);
  return metric;
}

export const HTTP_REQUEST_DURATION = "http_request_duration_seconds";

export type HttpLabels = "route" | "method" | "status";

/** HTTP request duration by route pattern (never the raw path: bounded cardinality), method and status. */
export function httpRequestDuration(registry: Registry): Histogram<HttpLabels> {
  return getOrCreateMetric(
    registry,
    HTTP_REQUEST_DURATION,
    () =>
      new Histogram<HttpLabels>({
        name: HTTP_REQUEST_DURATION,
        help: "HTTP request duration in seconds, by route pattern, method and status",
        labelNames: ["route", "method", "status"],
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        registers: [],
      }),
  );
}
