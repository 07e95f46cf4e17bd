// Prometheus metrics, one registry per app instance (no process-wide default registry, so
// tests can build several apps side by side). Every metric of the service is defined here,
// once, with its cluster aggregation set at construction (prom-client AggregatorRegistry: the
// primary sums counters; gauges say how).
import cluster from 'node:cluster';
import { performance } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Tick of the event-loop delay gauge (prom-client's default metrics sample at the same). */
export const EVENT_LOOP_RESOLUTION_MS = 10;

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
  if (opts.defaultMetrics) {
    collectDefaultMetrics({ register: registry });
    eventLoopDelayGauge(registry);
  }
  let readTrust: (() => TrustGaugeSource) | undefined;
  // Every worker of a cluster reports the same trust lists: aggregate them as one ('max'), not a sum.
  const gauge = (name: string, help: string, collect?: () => void) =>
    new Gauge({ name, help, labelNames: ['source'], registers: [registry], aggregator: 'max', ...(collect ? { collect } : {}) });
  // The first of the three to be collected reads the summary once (it copies every source's
  // status) and sets all three: it is registered first, and the registry collects in that order.
  gauge('trust_source_signers', 'Signers in force per trust source (0 past its maximum age)', function (this: Gauge<'source'>) {
    if (!readTrust) return;
    for (const g of [this, age, stale]) g.reset();
    for (const s of readTrust().sources) {
      this.set({ source: s.id }, s.expired ? 0 : s.signerCount);
      if (s.ageSeconds !== null) age.set({ source: s.id }, s.ageSeconds);
      stale.set({ source: s.id }, s.stale ? 1 : 0);
    }
  });
  const age = gauge('trust_source_age_seconds', 'Seconds since the list in force of each trust source was loaded');
  const stale = gauge('trust_source_stale', '1 when a trust source runs on an outdated or over-age list');
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

/** One tick per process, however many registries (tests build many apps): each keeps its own maximum. */
const delayListeners: ((delayMs: number) => void)[] = [];
let lastTick = 0;
function onEventLoopDelay(listener: (delayMs: number) => void): void {
  delayListeners.push(listener);
  if (delayListeners.length > 1) return;
  lastTick = performance.now();
  setInterval(() => {
    const now = performance.now();
    const delay = now - lastTick - EVENT_LOOP_RESOLUTION_MS;
    lastTick = now;
    for (const l of delayListeners) l(delay);
  }, EVENT_LOOP_RESOLUTION_MS).unref();
}

/**
 * `eventloop_delay_max_seconds{process}`: the longest event-loop stall of this process since the
 * previous scrape (issue #12 item 6: a 1.4 s stall under load was seen and never explained).
 * - prom-client's `nodejs_eventloop_lag_max_seconds` comes from a `monitorEventLoopDelay`
 *   histogram that it resets on each scrape, and Node's reset also forgets the previous tick, so
 *   the first interval after a scrape is never recorded: a stall that starts right after one (the
 *   scrape's own work included) is invisible. And a cluster primary aggregates it into one series
 *   (the max of the workers), which cannot say WHICH process stalled.
 * - So this gauge keeps its own tick (one 10 ms unref'd interval timer per process,
 *   `performance.now()` of perf_hooks): the delay is the time between two ticks minus the
 *   interval; the maximum resets on each scrape without forgetting the last tick. It is labelled per process
 *   (`worker-<cluster id>`, or `main`), so the primary keeps one series per worker.
 * A scraper (or `npm run bench:load`) taking the maximum over its scrapes sees every stall.
 */
function eventLoopDelayGauge(registry: Registry): void {
  let maxMs = 0;
  onEventLoopDelay((delay) => {
    if (delay > maxMs) maxMs = delay;
  });
  const label = cluster.isWorker && cluster.worker ? `worker-${cluster.worker.id}` : 'main';
  new Gauge({
    name: 'eventloop_delay_max_seconds',
    help: 'Longest event-loop delay of each process since the last scrape (beyond a 10 ms timer interval)',
    labelNames: ['process'],
    registers: [registry],
    aggregator: 'max',
    collect() {
      // A stall still in progress shows too: the time since the last tick counts.
      const pending = performance.now() - lastTick - EVENT_LOOP_RESOLUTION_MS;
      this.set({ process: label }, Math.max(0, maxMs, pending) / 1000);
      maxMs = 0;
    },
  });
}
