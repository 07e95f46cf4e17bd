// Transitional: the status-first HttpProblem of the first round, for modules not yet moved to
// the code table (src/http/problems.ts: `new HttpProblem('CODE', detail)`). A legacy problem
// is an instance of the table's class, so the one error handler answers it the same way.
// Remove once src/http/image.ts and test/console/routes.test.ts import problems.ts.
import type { Response } from 'express';
import { HttpProblem as CodedProblem, PROBLEMS, problemDocument, type Problem, type ProblemCode } from './problems.js';

export type { Problem } from './problems.js';

const BY_STATUS: Record<number, ProblemCode> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  408: 'REQUEST_TIMEOUT',
  409: 'NOTHING_HELD',
  413: 'BODY_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'IMAGE_UNREADABLE',
  429: 'RATE_LIMITED',
  503: 'OVERLOADED',
};

function codeOf(status: number, code?: string): ProblemCode {
  if (code !== undefined && code in PROBLEMS) return code as ProblemCode;
  return BY_STATUS[status] ?? 'INTERNAL';
}

export class HttpProblem extends CodedProblem {
  constructor(status: number, detail: string, code?: string, extra: Record<string, unknown> = {}) {
    super(codeOf(status, code), detail, { extra });
  }

  get extra(): Record<string, unknown> {
    return this.options.extra ?? {};
  }

  /** Callers of this shim catch every problem, whichever module made it. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return value instanceof CodedProblem;
  }
}

export function problem(status: number, detail: string, code?: string, extra: Record<string, unknown> = {}): Problem {
  return problemDocument(new CodedProblem(codeOf(status, code), detail, { extra }));
}

export function sendProblem(res: Response, p: Problem): void {
  res.status(p.status).type('application/problem+json').send(JSON.stringify(p));
}
