// Cheap refusals before work: readiness (503 TRUST_NOT_READY) and the cap on verifications in
// progress (503 OVERLOADED). The cap counts only requests being verified: a slot is taken once
// the body is in and parsed, and given back when the verification is done, so clients that
// send slowly hold no slot (issue #12 item 7; research/security.md API4, L3).
import type { NextFunction, Request, Response } from 'express';
import type { Metrics } from '../metrics.js';
import { HttpProblem } from './problems.js';

export const DEFAULT_MAX_IN_FLIGHT = 256;

export function requireReady(ready: () => boolean) {
  return (_req: Request, _res: Response, next: NextFunction): void => {
    if (!ready()) throw new HttpProblem('TRUST_NOT_READY', 'no trust source is loaded yet', { retryAfter: 5 });
    next();
  };
}

/** A bounded number of verifications at once; the rest are told to come back at once. */
export class ConcurrencyCap {
  #inFlight = 0;

  constructor(
    private readonly max: number,
    private readonly metrics: Pick<Metrics, 'inFlight' | 'rejections'>,
  ) {}

  /** A release function, or 503 OVERLOADED; release is idempotent. */
  acquire(): () => void {
    if (this.#inFlight >= this.max) {
      this.metrics.rejections.inc({ reason: 'overloaded' });
      throw new HttpProblem('OVERLOADED', 'too many verifications in progress; retry shortly', { retryAfter: 1 });
    }
    this.#inFlight++;
    this.metrics.inFlight.inc();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#inFlight--;
      this.metrics.inFlight.dec();
    };
  }

}

/** A middleware or router; what it returns is only looked at for a promise (Express 5 does the same). */
export type Middleware = (req: Request, res: Response, next: NextFunction) => unknown;

/**
 * Several middlewares run as one router layer, in order (issue #12 item 2: every layer of a
 * mounted path costs a path match and a prefix strip per request). Semantics as Express 5
 * gives them one by one: a thrown error or a rejected promise goes to the error handler, and
 * `next(err)` stops the sequence. None of the middlewares chained here use `next('route')`.
 */
export function sequence(...steps: Middleware[]): Middleware {
  return (req, res, next) => {
    let i = 0;
    const step = (err?: unknown): void => {
      if (err) return next(err);
      const fn = steps[i++];
      if (!fn) return next();
      try {
        const r = fn(req, res, step) as Partial<PromiseLike<unknown>> | undefined;
        if (r && typeof r.then === 'function') r.then(undefined, (e: unknown) => next(e ?? new Error('Rejected promise')));
      } catch (e) {
        next(e);
      }
    };
    step();
  };
}

/** Runs `middleware` for GET and HEAD; any other method goes straight on (one comparison). */
export function readsOnly(middleware: Middleware): Middleware {
  return (req, res, next) => (req.method === 'GET' || req.method === 'HEAD' ? middleware(req, res, next) : next());
}
