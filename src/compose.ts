// Composition root: loads trust lists, policy and business rules, and builds the app. main.ts
// calls it with the parsed configuration; tests call it with temporary folders.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type express from 'express';
import { createApp, type AppDeps } from './app.js';
import { createAdapters } from './formats/index.js';
import { OffThreadVerifyData } from './formats/divoc/off-thread.js';
import { VALUE_SET_IDS, VALUE_SETS } from './formats/dcc/valuesets.js';
import { createLogger, type Logger } from './logger.js';
import { createMetrics, type Metrics } from './metrics.js';
import { combine } from './policy/combine.js';
import { evaluate, policyLabel } from './policy/evaluate.js';
import { DEFAULT_POLICY_FILE, loadPolicy } from './policy/load.js';
import type { Policy } from './policy/schema.js';
import { evaluateRules, loadRules, valueSetsForRules, type Rule } from './rules/index.js';
import { openTrust, type RefresherDefaults, type TrustRefresher } from './trust/refresher.js';
import type { ImagePoolOptions } from './qr/pool.js';
import { ProcessImageDecoder } from './qr/process-decoder.js';
import { createEdge, type EdgeOptions } from './http/edge.js';
import type { TrustStore } from './trust/store.js';
import type { TrustAdmin } from './http/admin.js';
import { createPublishing, type Publishing } from './publish/index.js';

export const DEFAULT_SAMPLES_DIR = fileURLToPath(new URL('../samples', import.meta.url));

export interface ServiceOptions {
  trustListsDir: string;
  policyFile?: string;
  dataDir: string;
  /** Business rules (EU gateway format); defaults to `<trustListsDir>/rules`. */
  rulesDir?: string;
  samplesDir?: string;
  now?: () => Date;
  logger?: Logger;
  logLevel?: string;
  /** Clients, rate-limit store, audit log, concurrency cap (src/http/edge.ts). */
  edge?: EdgeOptions;
  /** Compute DIVOC JSON-LD canonicalisation in a worker thread (main.ts turns it on). */
  offThreadJsonLd?: boolean;
  /** The image decoder: the thread pool of src/qr/pool.ts in a child process (src/qr/process-decoder.ts); main.ts sizes it from the cores. */
  imagePool?: ImagePoolOptions;
  /** Start the image decoder process with the service rather than with the first image (main.ts). */
  startImageDecoder?: boolean;
  /**
   * A trust state run by another process: a cluster worker gets the primary's snapshots and asks
   * it for admin actions (src/cluster.ts PrimaryTrust), and opens no refresher of its own.
   */
  sharedTrust?: { store: TrustStore; admin: TrustAdmin };
  /** Refresh schedule and trust-list limits (src/trust/refresher.ts); `false` = no timers (tests). */
  trustRefresh?: (RefresherDefaults & { fetchTimeoutMs?: number; fetchMaxBytes?: number }) | false;
  /** Export, receipts and the verifier-app backend (src/publish): PUBLISH_KEY_FILE, PUBLIC_BASE_URL, TLS_CERT's PEM. */
  publish?: { keyFile?: string; baseUrl?: string; tlsCertPem?: string | Uint8Array };
}

export interface Service {
  app: express.Express;
  trust: TrustStore;
  /** Downloads, schedules and last-good copies of the trust sources (undefined with `sharedTrust`). */
  trustRefresher: TrustRefresher;
  policy: Policy;
  rules: readonly Rule[];
  metrics: Metrics;
  logger: Logger;
  /** Closes the audit log and the Redis connection (after the server stopped). */
  close(): Promise<void>;
  /** The publishing key, the publication of the snapshot in force, the public routes. */
  publishing: Publishing;
}

export async function createService(opts: ServiceOptions): Promise<Service> {
  const now = opts.now ?? (() => new Date());
  const logger = opts.logger ?? createLogger({ level: opts.logLevel ?? 'info' });
  const policy = loadPolicy(opts.policyFile ?? DEFAULT_POLICY_FILE);
  const metrics = createMetrics({ defaultMetrics: true });
  const refresh = opts.trustRefresh === false ? undefined : opts.trustRefresh;
  // One trust state per instance: a cluster worker opens none (contract "One instance, one trust state").
  const trustRefresher = opts.sharedTrust ? undefined : await openTrust({
    dir: opts.trustListsDir,
    dataDir: opts.dataDir,
    now,
    logger,
    ...(refresh ? { defaults: refresh } : {}),
    fetch: { ...(refresh?.fetchTimeoutMs ? { timeoutMs: refresh.fetchTimeoutMs } : {}), ...(refresh?.fetchMaxBytes ? { maxBytes: refresh.fetchMaxBytes } : {}) },
    // The trust gauges are read at scrape time from the snapshot in force (metrics.ts readTrustFrom).
  });
  const trust = opts.sharedTrust?.store ?? trustRefresher!.store;
  for (const s of trust.current().sources) {
    if (s.lastError) logger.warn({ source: s.id, error: s.lastError }, 'trust source failed to load');
    else logger.info({ source: s.id, signers: s.signerCount, dropped: s.dropped.length }, 'trust source loaded');
  }
  if (opts.trustRefresh !== false) trustRefresher?.start();

  const rulesDir = opts.rulesDir ?? join(opts.trustListsDir, 'rules');
  const loadedRules = existsSync(rulesDir) ? loadRules(rulesDir) : { rules: [], dropped: [] };
  for (const d of loadedRules.dropped) logger.warn({ file: d.file, reason: d.reason }, 'business rule dropped');
  const ruleValueSets = valueSetsForRules(VALUE_SETS);

  // JSON-LD canonicalisation costs milliseconds; off the event loop, other requests do not queue behind it.
  const divocOffThread = opts.offThreadJsonLd ? new OffThreadVerifyData() : undefined;
  // Image decoding and the QR search run in a child process at the lowest priority, within 2 s per
  // image (contract "Verification"); the process starts below with startImageDecoder, else with
  // the first image.
  const images = new ProcessImageDecoder(opts.imagePool);
  const edge = await createEdge({ ...opts.edge, dataDir: opts.dataDir }, logger, now);
  const deps: AppDeps = {
    ...edge.deps,
    pipeline: {
      adapters: createAdapters(divocOffThread ? { divoc: { verifyData: divocOffThread.run } } : {}),
      trust: () => trust.current().resolver,
      domestic: (certificate, at, lang) => evaluate(certificate, policy, at, lang),
      policyRef: () => policyLabel(policy),
    },
    trust: { ready: () => trust.ready(), summary: (at) => trust.summary(at) },
    // POST /v1/admin/trust/refresh, GET …/trust/sources/:id, POST …/accept-held (src/http/admin.ts).
    trustAdmin: opts.sharedTrust?.admin ?? {
      refresh: () => trustRefresher!.refresh(),
      knows: (id) => trustRefresher!.definitions().some((d) => d.id === id),
      held: (id) => Boolean(trustRefresher!.store.held(id)),
      acceptHeld: (id) => trustRefresher!.acceptHeld(id),
    },
    logger,
    metrics,
    now,
    holder: {
      combine: (certs, at, lang) => combine(certs, policy, at, lang),
    },
    rules: (certificate, arrivalCountry, at, lang) =>
      evaluateRules(
        {
          payload: certificate.raw,
          ...(certificate.issuedAt ? { issuedAt: certificate.issuedAt } : {}),
          ...(certificate.expiresAt ? { expiresAt: certificate.expiresAt } : {}),
          ...(certificate.issuerCountry ? { issuerCountry: certificate.issuerCountry } : {}),
        },
        loadedRules.rules,
        { arrivalCountry, at, valueSets: ruleValueSets, lang },
      ),
  };
  // The officer console and image upload share the pipeline, metrics and audit of the JSON routes.
  deps.images = images;
  deps.console = { samplesDir: opts.samplesDir ?? DEFAULT_SAMPLES_DIR };
  // Serving verifier apps and partners: public routes mounted before the client guards, receipts on the verify routes.
  const publishing = await createPublishing({
    snapshot: () => trust.current(),
    dataDir: opts.dataDir,
    ...(opts.publish?.keyFile !== undefined ? { keyFile: opts.publish.keyFile } : {}),
    baseUrl: opts.publish?.baseUrl ?? 'http://localhost:8080',
    rules: loadedRules.rules,
    valueSets: VALUE_SETS,
    valueSetIds: VALUE_SET_IDS,
    ...(opts.publish?.tlsCertPem !== undefined ? { tlsCertPem: opts.publish.tlsCertPem } : {}),
    logger,
    now,
  });
  deps.publish = publishing.router;
  deps.receipt = publishing.receipt;
  const app = createApp(deps);
  // Once everything else is in place: a service that fails to start leaves no decoder behind.
  if (opts.startImageDecoder) images.start();
  const close = async (): Promise<void> => {
    trustRefresher?.stop();
    await divocOffThread?.close();
    await images.close();
    await edge.close();
  };
  return { app, trust, trustRefresher: trustRefresher!, policy, rules: loadedRules.rules, metrics, logger, close, publishing };
}
