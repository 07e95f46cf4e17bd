// createApp(deps) builds the Express app and never listens (main.ts does). Routes are a thin
// edge: parse with zod, call the pipeline, answer the contract's shapes.
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { Lang } from './errors.js';
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
  sameHolder(a: HealthCertificate['holder'], b: HealthCertificate['holder']): boolean;
  combine(certs: HealthCertificate[], at: Date, lang: Lang): DomesticDecision;
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
  /** Extra routers mounted before the 404 handler (console, image upload, admin …). */
  extend?: (app: express.Express) => void;
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
        },
      },
    }),
  );
  app.use((req, res, next) => {
    res.setHeader('Permissions-Policy', 'camera=(self), microphone=(), geolocation=()');
    const id = randomUUID();
    res.setHeader('X-Request-Id', id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = req.route?.path ? String(req.route.path) : 'other';
      deps.metrics.latency.observe({ route }, seconds);
      // Path only: never the query string or body, which could carry certificate data.
      deps.logger.info({ reqId: id, method: req.method, path: req.path, status: res.statusCode, ms: Math.round(seconds * 1000) }, 'request');
    });
    next();
  });

  const json = express.json({ limit: JSON_LIMIT, type: 'application/json', strict: true });
  const readyOr503 = (_req: Request, _res: Response, next: NextFunction) => {
    if (!deps.trust.ready()) throw new HttpProblem(503, 'no trust source is loaded yet', 'TRUST_NOT_READY');
    next();
  };

  const verifyOne = async (qr: string, at: Date, lang: Lang) => {
    const outcome = await verifyText(qr, { at, lang }, deps.pipeline);
    const first = outcome.report.errors[0]?.code ?? 'none';
    deps.metrics.verifications.inc({ format: outcome.report.format ?? 'unknown', outcome: outcome.report.outcome, code: first });
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
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });

  app.post('/v1/verify', json, readyOr503, async (req, res) => {
    requireJson(req);
    const body = parse(VerifyRequestSchema, req.body);
    const lang = languageOf(req);
    const at = body.at ? new Date(body.at) : deps.now();
    const { report, certificate } = await verifyOne(body.qr, at, lang);
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
      results.push((await verifyOne(item.qr, item.at ? new Date(item.at) : deps.now(), lang)).report);
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
    for (const qr of body.qrs) outcomes.push(await verifyOne(qr, at, lang));
    const valid = outcomes.flatMap((o) => (o.certificate ? [o.certificate] : []));
    const [first, ...rest] = valid;
    if (first && rest.some((c) => !deps.holder!.sameHolder(first.holder, c.holder))) {
      throw new HttpProblem(422, 'the certificates belong to different holders', 'HOLDER_MISMATCH');
    }
    const decision = valid.length > 0
      ? deps.holder.combine(valid, at, lang)
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

  deps.extend?.(app);

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
