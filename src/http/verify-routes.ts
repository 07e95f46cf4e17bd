// The verification routes (contract "Endpoints"): POST /v1/verify, /v1/verify/batch,
// /v1/holder-status, GET /v1/trust, and the edge verifier the image route shares. A route
// parses with zod, asks the limiter for as many certificates as it carries, takes a
// verification slot, and calls the pipeline; combination and business rules live in
// src/pipeline/ (holder.ts, rules.ts).
//
// Faults are not verdicts (contract "Faults are not verdicts"): a VerificationFault or any
// other exception while verifying answers 503 VERIFICATION_UNAVAILABLE with Retry-After for
// the whole request (a batch is never half answered), is counted in /metrics by reason and
// logged with the request id — never with the QR text or the error's message, which may quote
// the payload.
import express, { type Request, type Response } from 'express';
import type { AuditSink } from '../audit/log.js';
import { VerificationFault, type Lang } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { verifyForHolder, type HolderCombiner } from '../pipeline/holder.js';
import { withRules, type RulesEvaluator } from '../pipeline/rules.js';
import { verifyText, type PipelineDeps, type VerificationOutcome } from '../pipeline/verify.js';
import type { Report } from '../model.js';
import { HolderMismatchError } from '../policy/combine.js';
import type { TrustSummary } from '../trust/store.js';
import { clientOf } from './auth.js';
import { jsonBody, languageOf, parse } from './body.js';
import { requireReady, sequence, type ConcurrencyCap } from './guards.js';
import { noStore, sendJson } from './headers.js';
import { FAULT_RETRY_AFTER_SECONDS, HttpProblem, isServiceFault } from './problems.js';
import type { ClientLimiter } from './rate-limit.js';
import { requestIdsOf } from './request-log.js';
import { BatchRequestSchema, HolderStatusRequestSchema, parseInstant, VerifyRequestSchema } from './schemas.js';
import { isoInstant } from '../time.js';

/** Signs a receipt of a verdict (src/publish/receipt.ts), compact JWS without personal data. */
export type ReceiptSigner = (report: Report, qr: string, at: Date) => Promise<string>;

export interface TrustView {
  ready(): boolean;
  summary(at: Date): TrustSummary;
}

export interface VerifierDeps {
  pipeline: PipelineDeps;
  metrics: Metrics;
  logger: Logger;
  now: () => Date;
  audit?: AuditSink;
}

/** Verifies one QR for the request's client: counted in metrics and written to the audit log. */
export type EdgeVerify = (res: Response, route: string, qr: string, at: Date, lang: Lang) => Promise<VerificationOutcome>;

/** What is safe to log of an unexpected error: its class and where it was thrown, not its message. */
function faultTrace(err: unknown): { name: string; stack?: string } {
  if (!(err instanceof Error)) return { name: typeof err };
  const frames = err.stack?.split('\n').slice(1, 8).join('\n');
  return { name: err.name, ...(frames ? { stack: frames } : {}) };
}

export function createVerifier(deps: VerifierDeps): EdgeVerify {
  const { metrics, logger, audit } = deps;
  return async (res, route, qr, at, lang) => {
    let outcome: VerificationOutcome;
    try {
      outcome = await verifyText(qr, { at, lang }, deps.pipeline);
    } catch (err) {
      const reason = err instanceof VerificationFault ? err.reason : 'UNEXPECTED_ERROR';
      metrics.faults.inc({ reason });
      logger.error({ reqId: requestIdsOf(res).reqId, route, reason, ...(err instanceof VerificationFault ? {} : { error: faultTrace(err) }) }, 'verification fault');
      throw new HttpProblem('VERIFICATION_UNAVAILABLE', 'the verification could not be finished; this is not a verdict on the certificate', {
        retryAfter: FAULT_RETRY_AFTER_SECONDS,
      });
    }
    const { report } = outcome;
    metrics.verifications.inc({ format: report.format ?? 'unknown', outcome: report.outcome, code: report.errors[0]?.code ?? 'none' });
    if (audit) {
      const certId = outcome.certificate?.evidence.certificateId ?? report.certificate?.['certificateId'];
      const ids = requestIdsOf(res);
      const signer = report.signer;
      try {
        // One literal in the record's field order; an absent field is undefined, which the
        // record's JSON leaves out (conditional spreads here cost V8's slow copy path).
        audit.append(
          {
            reqId: ids.reqId,
            callerReqId: ids.callerReqId || undefined,
            client: clientOf(res)?.id ?? 'anonymous',
            route,
            format: report.format,
            outcome: report.outcome,
            codes: report.errors.map((e) => e.code),
            status: report.domestic.status,
            at: isoInstant(at),
            signerCountry: signer?.country,
            signerKid: signer?.kid,
            certHash: typeof certId === 'string' && certId ? audit.certificateHash(certId) : undefined,
          },
          deps.now(),
        );
      } catch (err) {
        metrics.auditFailures.inc();
        logger.error({ reqId: ids.reqId, error: faultTrace(err) }, 'audit write failed');
        throw new HttpProblem('AUDIT_UNAVAILABLE', 'the audit log cannot be written; verification is refused rather than left unrecorded', { retryAfter: 5 });
      }
    }
    return outcome;
  };
}

export interface VerifyRoutesDeps {
  verify: EdgeVerify;
  cap: ConcurrencyCap;
  limiter: ClientLimiter;
  trust: TrustView;
  now: () => Date;
  policyRef: () => string;
  holder?: HolderCombiner;
  rules?: RulesEvaluator;
  receipt?: ReceiptSigner;
}

/**
 * /v1/trust without what only an operator should read: a failure is shown by its code and the
 * source by its id; the failure's text (paths, internal addresses) goes to the log instead.
 */
export function publicTrustSummary(summary: TrustSummary): TrustSummary {
  return {
    ...summary,
    sources: summary.sources.map((s) => ({ ...s, lastError: s.lastError === null ? null : (s.errorCode ?? 'LOAD_FAILED') })),
  };
}

/** Runs `work` in a verification slot, with `cost` uses of the client's allowance taken first. */
export type VerificationRunner = <T>(res: Response, cost: number, work: () => Promise<T>) => Promise<T>;

export function verificationRunner(cap: ConcurrencyCap, limiter: ClientLimiter): VerificationRunner {
  return async (res, cost, work) => {
    const release = cap.acquire();
    try {
      const charge = await limiter.charge(res, cost);
      try {
        return await work();
      } catch (err) {
        // A fault or an unwritable audit log is the service's failure: the client keeps its allowance.
        if (isServiceFault(err)) await charge.refund();
        throw err;
      }
    } finally {
      release();
    }
  };
}

export function verifyRoutes(deps: VerifyRoutesDeps): express.Router {
  const router = express.Router();
  const json = jsonBody();
  const ready = requireReady(() => deps.trust.ready());
  const atOr = (at: string | undefined) => (at ? parseInstant(at) : deps.now());
  const verifying = verificationRunner(deps.cap, deps.limiter);
  // Readiness → allowance left → body → no-store, as one layer of each route.
  const before = sequence(ready, deps.limiter.admit, json, noStore);

  router.post('/v1/verify', before, async (req: Request, res: Response) => {
    const body = parse(VerifyRequestSchema, req.body);
    const lang = languageOf(req);
    const at = atOr(body.at);
    const report: Report & { receipt?: string } = await verifying(res, 1, async () => {
      const outcome = await deps.verify(res, '/v1/verify', body.qr, at, lang);
      return body.arrivalCountry && deps.rules ? withRules(outcome, body.arrivalCountry, at, lang, deps.rules) : outcome.report;
    });
    // A signed receipt of the verdict, without personal data (contract `receipt`, src/publish/receipt.ts).
    if (body.receipt && deps.receipt) report.receipt = await deps.receipt(report, body.qr, at);
    sendJson(res, report);
  });

  router.post('/v1/verify/batch', before, async (req: Request, res: Response) => {
    const body = parse(BatchRequestSchema, req.body);
    const lang = languageOf(req);
    const items = body.items.map((item) => ({ qr: item.qr, at: atOr(item.at), receipt: item.receipt === true }));
    const results = await verifying(res, items.length, async () => {
      const out: (Report & { receipt?: string })[] = [];
      for (const item of items) out.push((await deps.verify(res, '/v1/verify/batch', item.qr, item.at, lang)).report);
      return out;
    });
    if (deps.receipt) {
      for (const [i, item] of items.entries()) if (item.receipt) results[i]!.receipt = await deps.receipt(results[i]!, item.qr, item.at);
    }
    sendJson(res, { results });
  });

  router.post('/v1/holder-status', before, async (req: Request, res: Response) => {
    const combiner = deps.holder;
    if (!combiner) throw new HttpProblem('NOT_FOUND', 'holder status is not enabled');
    const body = parse(HolderStatusRequestSchema, req.body);
    const lang = languageOf(req);
    const at = atOr(body.at);
    try {
      const status = await verifying(res, body.qrs.length, () =>
        verifyForHolder(body.qrs, (qr) => deps.verify(res, '/v1/holder-status', qr, at, lang), { at, lang, combiner, policyRef: deps.policyRef }),
      );
      sendJson(res, status);
    } catch (err) {
      if (err instanceof HolderMismatchError) throw new HttpProblem('HOLDER_MISMATCH', 'the certificates belong to different holders', { extra: { index: err.index } });
      throw err;
    }
  });

  router.get('/v1/trust', deps.limiter.admit, async (_req: Request, res: Response) => {
    await deps.limiter.charge(res, 1);
    sendJson(res, publicTrustSummary(deps.trust.summary(deps.now())));
  });
  return router;
}
