// Prometheus metrics, one registry per app instance (no process-wide default registry, so
// tests can build several apps side by side). Every metric of the service is defined here,
// once, with its cluster aggregation set at construction (prom-client AggregatorRegistry: the
// primary sums counters; gauges say how).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What the trust gauges are read from at scrape time (TrustStore.summary). */
export interface TrustGaugeSource {
  sources: readonly { id: string; signerCount: number; ageSeconds: number | null; stale: boolean; expired?: boolean }[];
}

export interface Metrics {
  registry: Registry;
  verifications: Counter<'format' | 'outcome' | 'code'>;
  latency: Histogram<'route'>;
  /** Requests refused before verification, by reason (unauthenticated, rate_limited, overloaded, …). */
  rejections: Counter<'reason'>;
  /** Verifications the service could not finish (contract "Faults are not verdicts"), by reason. */
  faults: Counter<'reason'>;
  auditFailures: Counter;
  rateStoreErrors: Counter;
  /** Requests being verified now (after their body was read). */
  inFlight: Gauge;
  /**
   * Installs the one reader of the trust gauges (signers in force, age, staleness per source):
   * they are computed at scrape time from the snapshot in force, so there is one writer and one
   * meaning (a source past its maximum age counts 0 signers, as it verifies nothing).
   */
  readTrustFrom(read: () => TrustGaugeSource): void;
}

export function createMetrics(opts: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry });
  let readTrust: (() => TrustGaugeSource) | undefined;
  // Every worker of a cluster reports the same trust lists: aggregate them as one ('max'), not a sum.
  const trustGauge = (name: string, help: string, value: (s: TrustGaugeSource['sources'][number]) => number | null) =>
    new Gauge({
      name,
      help,
      labelNames: ['source'],
      registers: [registry],
      aggregator: 'max',
      collect() {
        if (!readTrust) return;
        this.reset();
        for (const s of readTrust().sources) {
          const v = value(s);
          if (v !== null) this.set({ source: s.id }, v);
        }
      },
    });
  trustGauge('trust_source_signers', 'Signers in force per trust source (0 past its maximum age)', (s) => (s.expired ? 0 : s.signerCount));
  trustGauge('trust_source_age_seconds', 'Seconds since the list in force of each trust source was loaded', (s) => s.ageSeconds);
  trustGauge('trust_source_stale', '1 when a trust source runs on an outdated or over-age list', (s) => (s.stale ? 1 : 0));
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
      help: 'HTTP request latency by route template',
      labelNames: ['route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    rejections: new Counter({ name: 'http_rejections_total', help: 'Requests refused before verification, by reason', labelNames: ['reason'], registers: [registry] }),
    faults: new Counter({
      name: 'verification_faults_total',
      help: 'Verifications answered 503 VERIFICATION_UNAVAILABLE (not the certificate’s fault), by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
    auditFailures: new Counter({ name: 'audit_write_failures_total', help: 'Audit records that could not be written (the request got 503)', registers: [registry] }),
    rateStoreErrors: new Counter({ name: 'rate_limit_store_errors_total', help: 'Rate-limit store failures (requests let through)', registers: [registry] }),
    inFlight: new Gauge({ name: 'http_in_flight_requests', help: 'Requests being verified now', registers: [registry], aggregator: 'sum' }),
    readTrustFrom(read) {
      readTrust = read;
    },
  };
}
