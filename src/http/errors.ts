// The one error handler and the 404 (research/security.md: no stack traces to clients). Routes
// throw HttpProblem (src/http/problems.ts); Express 5 forwards what async handlers throw.
// A VerificationFault that reached here unmapped is still a 503 VERIFICATION_UNAVAILABLE,
// never a 500 or a verdict (contract "Faults are not verdicts").
import type { NextFunction, Request, Response } from 'express';
import { VerificationFault } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { ClientGone, languageOf } from './body.js';
import { FAULT_RETRY_AFTER_SECONDS, HttpProblem, sendProblem } from './problems.js';
import { requestIdsOf, routeTemplate } from './request-log.js';

export function notFound(): never {
  throw new HttpProblem('NOT_FOUND', 'no such resource');
}

/**
 * Before a problem is answered (ClientLimiter.settle): the uses a request was admitted with go
 * back when it was not verified, and an address check authentication deferred is made; a
 * refusal there is the answer instead.
 */
export type SettleAllowance = (res: Response) => Promise<HttpProblem | undefined>;

export function errorHandler(logger: Logger, metrics: Pick<Metrics, 'rejections' | 'faults'>, settle?: SettleAllowance) {
  return async (err: unknown, req: Request, res: Response, _next: NextFunction): Promise<void> => {
    void _next;
    if (settle) {
      try {
        const instead = await settle(res);
        // A refusal replaces the answer, unless there is no one left to answer.
        if (instead && !(err instanceof ClientGone) && !res.headersSent) err = instead;
      } catch (settleErr) {
        logger.warn({ reqId: requestIdsOf(res)?.reqId, error: settleErr instanceof Error ? settleErr.name : typeof settleErr }, 'rate-limit settlement failed');
      }
    }
    if (err instanceof ClientGone || res.headersSent) {
      if (!res.writableEnded) res.destroy();
      return;
    }
    const lang = languageOf(req);
    if (err instanceof HttpProblem) {
      if (err.code === 'UNAUTHORIZED') metrics.rejections.inc({ reason: 'unauthenticated' });
      else if (err.code === 'FORBIDDEN') metrics.rejections.inc({ reason: 'forbidden' });
      else if (err.code === 'RATE_LIMITED') metrics.rejections.inc({ reason: 'rate_limited' });
      else if (err.code === 'REQUEST_TIMEOUT') metrics.rejections.inc({ reason: 'slow_body' });
      return sendProblem(res, err, lang);
    }
    if (err instanceof VerificationFault) {
      metrics.faults.inc({ reason: err.reason });
      logger.error({ reqId: requestIdsOf(res)?.reqId, reason: err.reason }, 'verification fault');
      return sendProblem(res, new HttpProblem('VERIFICATION_UNAVAILABLE', 'the verification could not be finished; this is not a verdict on the certificate', { retryAfter: FAULT_RETRY_AFTER_SECONDS }), lang);
    }
    const status = (err as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      // A parser of a route not written here (express.raw, a library) refused the request.
      const type = (err as { type?: unknown }).type;
      if (type === 'entity.too.large') return sendProblem(res, new HttpProblem('BODY_TOO_LARGE', 'the body is too large'), lang);
      return sendProblem(res, new HttpProblem('BAD_REQUEST', 'the request could not be read'), lang);
    }
    logger.error(
      { reqId: requestIdsOf(res)?.reqId, route: routeTemplate(req, res), error: err instanceof Error ? { name: err.name, stack: err.stack?.split('\n').slice(1, 8).join('\n') } : typeof err },
      'unhandled error',
    );
    sendProblem(res, new HttpProblem('INTERNAL', 'internal error'), lang);
  };
}
