// Prometheus metrics, one registry per app instance (no process-wide default registry, so
// tests can build several apps side by side).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  verifications: Counter<'format' | 'outcome' | 'code'>;
  latency: Histogram<'route'>;
  trustSigners: Gauge<'source'>;
  trustAge: Gauge<'source'>;
}

export function createMetrics(opts: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry });
  return {
    registry,
    verifications: new Counter({
      name: 'verifications_total',
      help: 'Certificate verifications by format, outcome and first error code',
      labelNames: ['format', 'outcome', 'code'],
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by route',
      labelNames: ['route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    trustSigners: new Gauge({ name: 'trust_source_signers', help: 'Signers loaded per trust source', labelNames: ['source'], registers: [registry] }),
    trustAge: new Gauge({
      name: 'trust_source_age_seconds',
      help: 'Seconds since the list in force of each trust source was loaded',
      labelNames: ['source'],
      registers: [registry],
    }),
  };
}
