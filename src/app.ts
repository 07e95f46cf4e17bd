// createApp(deps) builds the Express app and never listens (main.ts does). It only composes
// routers; each lives in its own module under src/http/ (review §2: the split seams).
//
// Order on a verification route (cheapest refusal first, nothing read before it is allowed):
// client (401; a wrong key from an address with too many failures: 429) → scope (403) →
// readiness (503) → one use of the client's allowance and the address check, in one trip to
// the store (429) → body under a deadline (415/413/408/400) → a verification slot (503) → the
// rest of the uses its certificates need (429, all or none) → verification (503 on a fault) →
// audit record (503 if it cannot be written) → answer. Any problem answered after the client
// is known first makes the address check (429 wins) and gives back uses not spent.
import express, { type Request, type Response } from 'express';
import type { Lang } from './errors.js';
import type { Report } from './model.js';
import type { AuditSink } from './audit/log.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import type { HolderCombiner } from './pipeline/holder.js';
import type { RulesEvaluator } from './pipeline/rules.js';
import type { PipelineDeps } from './pipeline/verify.js';
import { adminRouter, type TrustAdmin } from './http/admin.js';
import { authenticate, requireScope, type ClientRegistry } from './http/auth.js';
import { consoleRouter, type ConsoleRouterOptions } from './http/console.js';
import { docsRouter } from './http/docs.js';
import { imageRouter } from './http/image.js';
import type { ImageDecoder } from './qr/pool.js';
import { errorHandler, notFound } from './http/errors.js';
import { ConcurrencyCap, DEFAULT_MAX_IN_FLIGHT, readsOnly, requireReady, sequence, type Middleware } from './http/guards.js';
import { apiHeaders } from './http/headers.js';
import { openApiDocument } from './http/openapi.js';
import { opsRouter } from './http/ops.js';
import { clientLimiter, failureLimiter, MemoryRateLimitStore, type RateLimitStore } from './http/rate-limit.js';
import { markFamily, requestLog } from './http/request-log.js';
import { createVerifier, verificationRunner, verifyRoutes, type ReceiptSigner, type TrustView } from './http/verify-routes.js';

export type { TrustView } from './http/verify-routes.js';
export type { HolderCombiner } from './pipeline/holder.js';

/** Failed authentications per client address and minute before 429 (issue #12 item 7). */
export const DEFAULT_AUTH_FAILURES_PER_MINUTE = 30;

export interface AppDeps {
  pipeline: PipelineDeps;
  trust: TrustView;
  logger: Logger;
  metrics: Metrics;
  /** The edge's clock: the default `at` of a request, and the rate limiter's time. */
  now: () => Date;
  holder?: HolderCombiner;
  rules?: RulesEvaluator;
  /** Partner/app clients (CLIENTS_FILE); absent = verification open, admin routes off. */
  clients?: ClientRegistry;
  /** Where per-client rate counters live (memory, cluster primary, Redis). */
  rateLimitStore?: RateLimitStore;
  /** Failed authentications per address and minute before 429. */
  authFailuresPerMinute?: number;
  /** The audit log; absent = no audit (tests of other concerns only). */
  audit?: AuditSink;
  /** Verifications in progress at once before 503 (default 256). */
  maxInFlight?: number;
  /** Trust refresh and held lists for /v1/admin/trust/*; absent = 404. */
  trustAdmin?: TrustAdmin;
  /** GET /v1/admin/audit: re-walks this process's audit chain. */
  checkAudit?: () => unknown;
  /** /metrics of a whole process group (cluster primary); absent or failing = this process. */
  metricsText?: () => Promise<{ text: string; contentType: string }>;
  /** METRICS_PORT is set: /metrics is served there (ops.ts metricsApp), not here. */
  metricsElsewhere?: boolean;
  /** Decodes uploaded images (src/qr/process-decoder.ts in the service); absent = no image route. */
  images?: ImageDecoder;
  /** The officer console's files and samples; absent = no console. */
  console?: ConsoleRouterOptions;
  /** Public routes of src/publish (trust export, JWKS, /dgca/*), mounted before the client guards. */
  publish?: express.Router;
  /** Signs a verification receipt when a request asks for one (contract `receipt`). */
  receipt?: ReceiptSigner;
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  deps.metrics.readTrustFrom(() => deps.trust.summary(deps.now()));
  const store = deps.rateLimitStore ?? new MemoryRateLimitStore();
  const nowMs = () => deps.now().getTime();
  const onStoreError = (err: unknown) => {
    deps.metrics.rateStoreErrors.inc();
    deps.logger.warn({ error: err instanceof Error ? err.message : typeof err }, 'rate-limit store failed; request let through');
  };
  const limiter = clientLimiter({ store, nowMs, onStoreError });
  const failures = deps.clients ? failureLimiter({ store, nowMs, limit: deps.authFailuresPerMinute ?? DEFAULT_AUTH_FAILURES_PER_MINUTE, onStoreError }) : undefined;
  const cap = new ConcurrencyCap(deps.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT, deps.metrics);
  const verify = createVerifier(deps);
  const summary = () => deps.trust.summary(deps.now());

  // One layer each for the app-wide start and the /v1 guards (issue #12 item 2: a layer costs a
  // path match per request); the order inside is the order described at the top.
  app.use(sequence(apiHeaders, requestLog(deps.logger, deps.metrics)));
  // Health, metrics, docs and the published trust answer GET (and HEAD) only: a POST passes the
  // three routers with one comparison instead of entering each (issue #12 item 2).
  const reads: Middleware[] = [opsRouter({ ready: () => deps.trust.ready(), ...deps }), docsRouter(openApiDocument()), ...(deps.publish ? [deps.publish] : [])];
  app.use(readsOnly(sequence(...reads)));
  app.use('/v1/admin', adminRouter({ ...deps, limiter, summary, ...(failures ? { failures } : {}) }));
  // Deny by default: every other /v1 route needs a client with the verify scope.
  app.use('/v1', sequence(markFamily('/v1/*'), authenticate(deps.clients, failures), requireScope(deps.clients, 'verify')));
  app.use(verifyRoutes({ ...deps, verify, cap, limiter, policyRef: deps.pipeline.policyRef }));
  if (deps.images) {
    // Readiness and the allowance are checked before the image body is read; the decoded text
    // is verified in a slot like the JSON routes, with the client's allowance, metrics and audit.
    const run = verificationRunner(cap, limiter);
    const verifyImageText = (qr: string, at: Date, lang: Lang, _req: Request, res: Response): Promise<Report> =>
      run(res, 1, async () => (await verify(res, '/v1/verify/image', qr, at, lang)).report);
    app.post('/v1/verify/image', requireReady(() => deps.trust.ready()), limiter.admit);
    app.use(imageRouter(verifyImageText, { ready: () => deps.trust.ready(), now: deps.now, decoder: deps.images }));
  }
  if (deps.console) app.use(consoleRouter(deps.console));
  app.use(notFound);
  app.use(errorHandler(deps.logger, deps.metrics, limiter.settle));
  return app;
}
