// createApp(deps) builds the Express app and never listens (main.ts does). Routes are a thin
// edge: parse with zod, call the pipeline, answer the contract's shapes.
//
// Order of the guards on /v1 (cheapest refusal first, nothing read before it is allowed):
// client (401) → scope (403) → rate (429) → concurrency cap (503) → readiness (503) → body
// (413/415/400) → verification → audit record (503 if it cannot be written) → answer.
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { Counter, Gauge } from 'prom-client';
import type { Lang } from './errors.js';
import type { AuditSink } from './audit/log.js';
import { authenticate, clientOf, requireScope, type ClientRegistry } from './http/auth.js';
import { docsRouter } from './http/docs.js';
import { openApiDocument } from './http/openapi.js';
import { rateLimit, type RateLimitStore } from './http/rate-limit.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { HttpProblem, problem, sendProblem } from './http/problem.js';
import { BatchRequestSchema, HolderStatusRequestSchema, VerifyRequestSchema } from './http/schemas.js';
import { verifyText, type PipelineDeps } from './pipeline/verify.js';
import type { DomesticDecision, HealthCertificate, Report, RulesResult } from './model.js';

export interface TrustView {
  ready(): boolean;
  summary(now: Date): unknown;
}

export interface HolderCombiner {
  /** Throws an error with `code: 'HOLDER_MISMATCH'` when the certificates name different people. */
  combine(certs: HealthCertificate[], at: Date, lang: Lang): DomesticDecision;
}

function combineOr422(holder: HolderCombiner, certs: HealthCertificate[], at: Date, lang: Lang): DomesticDecision {
  try {
    return holder.combine(certs, at, lang);
  } catch (err) {
    if ((err as { code?: unknown }).code === 'HOLDER_MISMATCH') {
      throw new HttpProblem(422, 'the certificates belong to different holders', 'HOLDER_MISMATCH');
    }
    throw err;
  }
}

export interface AppDeps {
  pipeline: PipelineDeps;
  trust: TrustView;
  logger: Logger;
  metrics: Metrics;
  /** The edge's clock: the default `at` of a request. */
  now: () => Date;
  holder?: HolderCombiner;
  rules?: (certificate: HealthCertificate, arrivalCountry: string, at: Date, lang: Lang) => RulesResult;
  /**
   * Extra routers mounted before the 404 handler (console, image upload …). `edge.verify`
   * verifies with metrics and the audit record of the request's client; routes under /v1 are
   * already behind the client, rate and concurrency guards.
   */
  extend?: (app: express.Express, edge: AppEdge) => void;
  /** Partner/app clients (CLIENTS_FILE); absent = verification open, admin routes off. */
  clients?: ClientRegistry;
  /** Where per-client rate counters live (memory, cluster primary, Redis). */
  rateLimitStore?: RateLimitStore;
  /** The audit log; absent = no audit (tests of other concerns only). */
  audit?: AuditSink;
  /** Requests in progress on /v1 at once before 503 (default 256). */
  maxInFlight?: number;
  /** POST /v1/admin/trust/refresh; absent = 404. */
  refreshTrust?: () => Promise<unknown>;
  /** More admin routes under /v1/admin, behind the admin scope (trust sources, held lists). */
  adminRoutes?: express.Router;
  /** GET /v1/admin/audit: re-walks this process's audit chain. */
  checkAudit?: () => unknown;
  /** /metrics of a whole process group (cluster primary); absent or failing = this process. */
  metricsText?: () => Promise<{ text: string; contentType: string }>;
}

export interface AppEdge {
  /** Verify one QR for the request's client: counted in metrics and written to the audit log. */
  verify(req: Request, res: Response, qr: string, at: Date, lang: Lang): Promise<Report>;
}

export const DEFAULT_MAX_IN_FLIGHT = 256;

/** A metric of the app's registry, created once (several apps may share a registry in tests). */
function metric<T>(registry: Metrics['registry'], name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{8,64}$/;

/** Deeper than any body of this API ({items:[{qr}]} is 3); checked before JSON.parse. */
export const MAX_JSON_DEPTH = 16;

/**
 * body-parser's `verify` hook: one pass over the raw bytes counting brackets outside strings,
 * so a 64 KB body of nested arrays is refused in microseconds instead of being parsed
 * (research/security.md X-7; JSON.parse of 20,000 levels costs ~2 ms).
 */
function refuseDeepJson(_req: unknown, _res: unknown, buf: Buffer): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_JSON_DEPTH) throw new HttpProblem(400, `the body nests deeper than ${MAX_JSON_DEPTH} levels`, 'INVALID_REQUEST');
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
}

export const JSON_LIMIT = '64kb';

export function languageOf(req: Request): Lang {
  return req.acceptsLanguages('en', 'id') === 'id' ? 'id' : 'en';
}

function parse<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const result = schema.safeParse(body);
  if (!result.success) {
    const first = result.error.issues[0];
    const where = first?.path.length ? first.path.join('.') : 'body';
    throw new HttpProblem(400, `${where}: ${first?.message ?? 'invalid request'}`, 'INVALID_REQUEST');
  }
  return result.data;
}

function requireJson(req: Request): void {
  if (!req.is('application/json')) throw new HttpProblem(415, 'the body must be application/json', 'UNSUPPORTED_MEDIA_TYPE');
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:', 'blob:'],
          connectSrc: ["'self'"],
          mediaSrc: ["'self'", 'blob:'],
          objectSrc: ["'none'"],
          frameAncestors: ["'none'"],
          baseUri: ["'none'"],
          formAction: ["'self'"],
          // No external fonts (the page ships none), and no forced HTTPS upgrade: a border post
          // may serve the console over plain HTTP on its own network, where an upgrade breaks it.
          fontSrc: ["'self'"],
          upgradeInsecureRequests: null,
        },
      },
    }),
  );
  const registry = deps.metrics.registry;
  const rejections = metric(registry, 'http_rejections_total', () =>
    new Counter({ name: 'http_rejections_total', help: 'Requests refused before verification, by reason', labelNames: ['reason'], registers: [registry] }),
  );
  const auditFailures = metric(registry, 'audit_write_failures_total', () =>
    new Counter({ name: 'audit_write_failures_total', help: 'Audit records that could not be written (the request got 503)', registers: [registry] }),
  );
  const rateStoreErrors = metric(registry, 'rate_limit_store_errors_total', () =>
    new Counter({ name: 'rate_limit_store_errors_total', help: 'Rate-limit store failures (requests let through)', registers: [registry] }),
  );
  let inFlight = 0;
  metric(registry, 'http_in_flight_requests', () =>
    new Gauge({ name: 'http_in_flight_requests', help: 'Requests in progress on /v1', registers: [registry], aggregator: 'sum', collect() { this.set(inFlight); } }),
  );
  const trustStale = metric(registry, 'trust_source_stale', () =>
    new Gauge({ name: 'trust_source_stale', help: '1 when a trust source runs on an outdated or over-age list', labelNames: ['source'], registers: [registry], aggregator: 'max' }),
  );
  // Every worker of a cluster reports the same trust lists: aggregate them as one, not a sum.
  for (const g of [deps.metrics.trustSigners, deps.metrics.trustAge]) (g as unknown as { aggregator: string }).aggregator = 'max';

  app.use((req, res, next) => {
    res.setHeader('Permissions-Policy', 'camera=(self), microphone=(), geolocation=()');
    // A caller's own request id is kept when it is plain (correlation across gateways); any
    // other value is replaced, so nothing a client sends is copied into logs unchecked.
    const offered = req.headers['x-request-id'];
    const id = typeof offered === 'string' && REQUEST_ID.test(offered) ? offered : randomUUID();
    res.locals['reqId'] = id;
    res.setHeader('X-Request-Id', id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = req.route?.path ? String(req.route.path) : 'other';
      deps.metrics.latency.observe({ route }, seconds);
      // Path only: never the query string or body, which could carry certificate data.
      const client = clientOf(res)?.id;
      deps.logger.info(
        { reqId: id, method: req.method, path: req.path, status: res.statusCode, ms: Math.round(seconds * 1000), ...(client ? { client } : {}) },
        'request',
      );
    });
    next();
  });

  const parseJson = express.json({ limit: JSON_LIMIT, type: 'application/json', strict: true, verify: refuseDeepJson });
  // RFC 8259 §8.1: JSON between systems is UTF-8. Another declared charset is another media
  // type for this API (415), not a body to decode and then fail on (research/security.md X-2).
  const json = (req: Request, res: Response, next: NextFunction) => {
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1]?.toLowerCase();
    if (charset && charset !== 'utf-8' && charset !== 'utf8') {
      throw new HttpProblem(415, 'JSON bodies must be UTF-8', 'UNSUPPORTED_MEDIA_TYPE');
    }
    parseJson(req, res, next);
  };
  const readyOr503 = (_req: Request, _res: Response, next: NextFunction) => {
    if (!deps.trust.ready()) throw new HttpProblem(503, 'no trust source is loaded yet', 'TRUST_NOT_READY');
    next();
  };

  const verifyOne = async (res: Response, route: string, qr: string, at: Date, lang: Lang) => {
    const outcome = await verifyText(qr, { at, lang }, deps.pipeline);
    const { report } = outcome;
    const first = report.errors[0]?.code ?? 'none';
    deps.metrics.verifications.inc({ format: report.format ?? 'unknown', outcome: report.outcome, code: first });
    if (deps.audit) {
      const certId = outcome.certificate?.evidence.certificateId ?? report.certificate?.['certificateId'];
      try {
        deps.audit.append(
          {
            reqId: String(res.locals['reqId']),
            client: clientOf(res)?.id ?? 'anonymous',
            route,
            format: report.format,
            outcome: report.outcome,
            codes: report.errors.map((e) => e.code),
            status: report.domestic.status,
            ...(report.signer ? { signerCountry: report.signer.country, signerKid: report.signer.kid } : {}),
            ...(typeof certId === 'string' && certId ? { certHash: deps.audit.certificateHash(certId) } : {}),
          },
          deps.now(),
        );
      } catch (err) {
        auditFailures.inc();
        deps.logger.error({ err: err instanceof Error ? err.message : String(err), reqId: res.locals['reqId'] }, 'audit write failed');
        res.setHeader('Retry-After', '5');
        throw new HttpProblem(503, 'the audit log cannot be written; verification is refused rather than left unrecorded', 'AUDIT_UNAVAILABLE');
      }
    }
    return outcome;
  };

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res) => {
    const ready = deps.trust.ready();
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready' });
  });
  app.get('/metrics', async (_req, res) => {
    // Trust staleness is read at scrape time, from the snapshot in force.
    const summary = deps.trust.summary(deps.now()) as { sources?: { id: string; signerCount: number; ageSeconds: number | null; stale: boolean }[] };
    for (const s of summary.sources ?? []) {
      deps.metrics.trustSigners.set({ source: s.id }, s.signerCount);
      if (s.ageSeconds !== null) deps.metrics.trustAge.set({ source: s.id }, s.ageSeconds);
      trustStale.set({ source: s.id }, s.stale ? 1 : 0);
    }
    if (deps.metricsText) {
      try {
        const all = await deps.metricsText();
        return void res.type(all.contentType).send(all.text);
      } catch (err) {
        deps.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'cluster metrics unavailable; answering this worker only');
      }
    }
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  app.use(docsRouter(openApiDocument()));

  const clients = deps.clients;
  const limiter = deps.rateLimitStore
    ? rateLimit({
        store: deps.rateLimitStore,
        nowMs: () => deps.now().getTime(),
        onStoreError: (err) => {
          rateStoreErrors.inc();
          deps.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'rate-limit store failed; request let through');
        },
        onLimited: () => rejections.inc({ reason: 'rate_limited' }),
      })
    : (_req: Request, _res: Response, next: NextFunction) => next();
  // 429 and 503 are counted where they are decided; this counts the auth refusals.
  const countRefusal = (err: unknown, _req: Request, _res: Response, next: NextFunction) => {
    if (err instanceof HttpProblem && (err.status === 401 || err.status === 403)) {
      rejections.inc({ reason: err.status === 401 ? 'unauthenticated' : 'forbidden' });
    }
    next(err);
  };
  const maxInFlight = deps.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
  // A bounded number of requests in progress; the rest are told to come back (503) at once
  // instead of queueing without bound (research/security.md API4, L3).
  const concurrencyCap = (_req: Request, res: Response, next: NextFunction) => {
    if (inFlight >= maxInFlight) {
      rejections.inc({ reason: 'overloaded' });
      res.setHeader('Retry-After', '1');
      throw new HttpProblem(503, 'too many requests in progress; retry shortly', 'OVERLOADED');
    }
    inFlight++;
    let done = false;
    res.on('close', () => {
      if (!done) {
        done = true;
        inFlight--;
      }
    });
    next();
  };

  // Admin routes: only with a clients file, only for the admin scope (deny by default).
  const admin = express.Router();
  admin.use(authenticate(clients), requireScope(clients, 'admin'), limiter, countRefusal);
  admin.get('/clients', (_req, res) => {
    res.json({ clients: clients?.list() ?? [] });
  });
  admin.get('/audit', (_req, res) => {
    if (!deps.audit) throw new HttpProblem(404, 'no audit log in this deployment');
    res.json({ head: deps.audit.head(), check: deps.checkAudit?.() ?? null });
  });
  admin.post('/trust/refresh', async (_req, res) => {
    if (!deps.refreshTrust) throw new HttpProblem(404, 'this deployment has no trust refresher');
    await deps.refreshTrust();
    res.json(deps.trust.summary(deps.now()));
  });
  if (deps.adminRoutes) admin.use(deps.adminRoutes);
  admin.use((_req, _res) => {
    throw new HttpProblem(404, 'no such resource');
  });
  app.use('/v1/admin', admin);
  app.use('/v1', authenticate(clients), requireScope(clients, 'verify'), limiter, concurrencyCap, countRefusal);

  app.post('/v1/verify', json, readyOr503, async (req, res) => {
    requireJson(req);
    const body = parse(VerifyRequestSchema, req.body);
    const lang = languageOf(req);
    const at = body.at ? new Date(body.at) : deps.now();
    const { report, certificate } = await verifyOne(res, '/v1/verify', body.qr, at, lang);
    const answer: Report = { ...report };
    if (body.arrivalCountry && deps.rules) {
      answer.rules = certificate
        ? deps.rules(certificate, body.arrivalCountry, at, lang)
        : { result: 'FAILED', failed: [], arrivalCountry: body.arrivalCountry };
    }
    res.json(answer);
  });

  app.post('/v1/verify/batch', json, readyOr503, async (req, res) => {
    requireJson(req);
    const body = parse(BatchRequestSchema, req.body);
    const lang = languageOf(req);
    const results: Report[] = [];
    for (const item of body.items) {
      results.push((await verifyOne(res, '/v1/verify/batch', item.qr, item.at ? new Date(item.at) : deps.now(), lang)).report);
    }
    res.json({ results });
  });

  app.post('/v1/holder-status', json, readyOr503, async (req, res) => {
    requireJson(req);
    if (!deps.holder) throw new HttpProblem(404, 'holder status is not enabled');
    const body = parse(HolderStatusRequestSchema, req.body);
    const lang = languageOf(req);
    const at = body.at ? new Date(body.at) : deps.now();
    const outcomes = [];
    for (const qr of body.qrs) outcomes.push(await verifyOne(res, '/v1/holder-status', qr, at, lang));
    const valid = outcomes.flatMap((o) => (o.certificate ? [o.certificate] : []));
    const decision = valid.length > 0
      ? combineOr422(deps.holder, valid, at, lang)
      : {
          status: 'INVALID' as const,
          reasons: [...new Set(outcomes.flatMap((o) => o.report.errors.map((e) => e.code)))],
          validUntil: null,
          policy: deps.pipeline.policyRef(),
        };
    res.json({ ...decision, results: outcomes.map((o) => o.report) });
  });

  app.get('/v1/trust', (_req, res) => {
    res.json(deps.trust.summary(deps.now()));
  });

  deps.extend?.(app, {
    verify: async (req, res, qr, at, lang) => (await verifyOne(res, req.baseUrl + req.path, qr, at, lang)).report,
  });

  app.use((_req, _res) => {
    throw new HttpProblem(404, 'no such resource');
  });

  // One error handler: body-parser errors, HttpProblem, and bugs (500 with no details).
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    void _next;
    if (err instanceof HttpProblem) return sendProblem(res, problem(err.status, err.detail, err.code, err.extra));
    const type = (err as { type?: string }).type;
    if (type === 'entity.too.large') return sendProblem(res, problem(413, `the body exceeds ${JSON_LIMIT}`, 'BODY_TOO_LARGE'));
    if (type === 'entity.parse.failed') return sendProblem(res, problem(400, 'the body is not valid JSON', 'INVALID_JSON'));
    if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
      return sendProblem(res, problem(415, 'unsupported body encoding', 'UNSUPPORTED_MEDIA_TYPE'));
    }
    const status = (err as { status?: number }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return sendProblem(res, problem(status, 'the request could not be read', 'BAD_REQUEST'));
    }
    deps.logger.error({ err: err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : String(err), path: req.path }, 'unhandled error');
    return sendProblem(res, problem(500, 'internal error', 'INTERNAL'));
  });
  return app;
}
