// RFC 9457 problem documents for malformed requests, auth and limits. Certificates that fail
// verification are not problems: they are 200 reports with outcome INVALID.
import type { Response } from 'express';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code?: string;
  [extra: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** An error a route throws to answer with a problem document (Express 5 forwards it). */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly code?: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail);
  }
}

export function problem(status: number, detail: string, code?: string, extra: Record<string, unknown> = {}): Problem {
  const slug = (code ?? TITLES[status] ?? 'error').toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return {
    type: `https://lintas.example/problems/${slug}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    ...(code ? { code } : {}),
    ...extra,
  };
}

export function sendProblem(res: Response, p: Problem): void {
  res.status(p.status).type('application/problem+json').send(JSON.stringify(p));
}
