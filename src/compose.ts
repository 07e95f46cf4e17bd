// Composition root: loads trust lists, policy and business rules, and builds the app. main.ts
// calls it with the parsed configuration; tests call it with temporary folders.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type express from 'express';
import { createApp, type AppDeps } from './app.js';
import { ADAPTERS } from './formats/index.js';
import { VALUE_SETS } from './formats/dcc/valuesets.js';
import { createLogger, type Logger } from './logger.js';
import { createMetrics, type Metrics } from './metrics.js';
import { combine, sameHolder } from './policy/combine.js';
import { evaluate, policyLabel } from './policy/evaluate.js';
import { DEFAULT_POLICY_FILE, loadPolicy } from './policy/load.js';
import type { Policy } from './policy/schema.js';
import { evaluateRules, loadRules, valueSetsForRules, type Rule } from './rules/index.js';
import { loadTrustDir } from './trust/load.js';
import { consoleRouter } from './http/console.js';
import { imageRouter } from './http/image.js';
import { verifyText } from './pipeline/verify.js';
import type { TrustStore } from './trust/store.js';

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
}

export interface Service {
  app: express.Express;
  trust: TrustStore;
  policy: Policy;
  rules: readonly Rule[];
  metrics: Metrics;
  logger: Logger;
}

export async function createService(opts: ServiceOptions): Promise<Service> {
  const now = opts.now ?? (() => new Date());
  const logger = opts.logger ?? createLogger({ level: opts.logLevel ?? 'info' });
  const policy = loadPolicy(opts.policyFile ?? DEFAULT_POLICY_FILE);
  const trust = await loadTrustDir(opts.trustListsDir, now());
  for (const s of trust.current().sources) {
    if (s.lastError) logger.warn({ source: s.id, error: s.lastError }, 'trust source failed to load');
    else logger.info({ source: s.id, signers: s.signerCount, dropped: s.dropped.length }, 'trust source loaded');
  }

  const rulesDir = opts.rulesDir ?? join(opts.trustListsDir, 'rules');
  const loadedRules = existsSync(rulesDir) ? loadRules(rulesDir) : { rules: [], dropped: [] };
  for (const d of loadedRules.dropped) logger.warn({ file: d.file, reason: d.reason }, 'business rule dropped');
  const ruleValueSets = valueSetsForRules(VALUE_SETS);

  const metrics = createMetrics({ defaultMetrics: true });
  const deps: AppDeps = {
    pipeline: {
      adapters: ADAPTERS,
      trust: () => trust.current().resolver,
      domestic: (certificate, at, lang) => evaluate(certificate, policy, at, lang),
      policyRef: () => policyLabel(policy),
    },
    trust: { ready: () => trust.ready(), summary: (at) => trust.summary(at) },
    logger,
    metrics,
    now,
    holder: {
      sameHolder,
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
  // The officer console and image upload share the pipeline and metrics of the JSON routes.
  const verifyReport = async (qr: string, at: Date, lang: 'en' | 'id') => {
    const { report } = await verifyText(qr, { at, lang }, deps.pipeline);
    metrics.verifications.inc({ format: report.format ?? 'unknown', outcome: report.outcome, code: report.errors[0]?.code ?? 'none' });
    return report;
  };
  deps.extend = (app) => {
    app.use(imageRouter(verifyReport, { ready: () => trust.ready(), now }));
    app.use(consoleRouter({ samplesDir: opts.samplesDir ?? DEFAULT_SAMPLES_DIR }));
  };
  const app = createApp(deps);
  return { app, trust, policy, rules: loadedRules.rules, metrics, logger };
}
