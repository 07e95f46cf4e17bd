// Request ids, the access log and the latency histogram. The server makes every request id
// itself (a UUID); a caller's own X-Request-Id is kept beside it when it is plain, for
// correlation across gateways, but it never names the request in our logs or audit log
// (issue #12 item 7: the client chose the audit reqId). The access log names the route
// template, never the raw path: a QR text or a name put in a URL must not reach stdout.
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { clientOf } from './auth.js';

const CALLER_ID = /^[A-Za-z0-9._:-]{8,64}$/;

export interface RequestIds {
  /** Made by this server: the request's name in logs and the audit log. */
  reqId: string;
  /** The caller's X-Request-Id when it was plain; never trusted as our id. */
  callerReqId?: string;
}

export function requestIdsOf(res: Response): RequestIds {
  return res.locals['ids'] as RequestIds;
}

/** The route template that answered ('unmatched' when none did). */
export function routeTemplate(req: Request, res: Response): string {
  const path = req.route?.path;
  if (typeof path !== 'string') return typeof res.locals['family'] === 'string' ? (res.locals['family'] as string) : 'unmatched';
  const base = typeof res.locals['base'] === 'string' ? (res.locals['base'] as string) : req.baseUrl;
  return base + path;
}

/** A guard on a whole prefix names it, for answers given before any route matched ('/v1/*'). */
export function markFamily(family: string) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    res.locals['family'] = family;
    next();
  };
}

/** Routers mounted under a prefix call this first, so their templates keep the prefix. */
export function markBase(req: Request, res: Response, next: NextFunction): void {
  res.locals['base'] = req.baseUrl;
  res.locals['family'] = `${req.baseUrl}/*`;
  next();
}

export function requestLog(logger: Logger, metrics: Pick<Metrics, 'latency'>) {
  // The access line is a fixed set of fields this module fills itself (ids, method, template,
  // status, ms, client id): it never holds a body, a header or the raw path, so the redaction
  // pass (logger.ts, which walks every field against wildcard paths) finds nothing on it and
  // only costs time on every request (issue #12 item 2). Every other line keeps the redaction.
  const access = logger.child({}, { redact: [] });
  return (req: Request, res: Response, next: NextFunction): void => {
    const offered = req.headers['x-request-id'];
    const ids: RequestIds = { reqId: randomUUID() };
    if (typeof offered === 'string' && CALLER_ID.test(offered)) ids.callerReqId = offered;
    res.locals['ids'] = ids;
    res.setHeader('X-Request-Id', ids.reqId);
    const started = process.hrtime.bigint();
    // 'prefinish': the answer is complete and handed to the socket (emitted inside res.end), so
    // the line is written before the client can have read the answer.
    res.once('prefinish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routeTemplate(req, res);
      metrics.latency.observe({ route }, seconds);
      // One shape for every line (absent fields are undefined, which pino leaves out).
      access.info(
        { reqId: ids.reqId, callerReqId: ids.callerReqId, method: req.method, route, status: res.statusCode, ms: Math.round(seconds * 1000), client: clientOf(res)?.id },
        'request',
      );
    });
    next();
  };
}
