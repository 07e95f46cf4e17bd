// Security headers, computed once per route family at start-up and copied onto each answer
// (issue #12 item 2: helmet's per-request header work showed in the profile). helmet builds
// the values; its middleware runs once here against a recorder, never per request.
//
// Two families: API answers (JSON and problems, nothing to render: `default-src 'none'`) and
// pages (the officer console and /docs, with the console's CSP and camera permission).
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';

type HeaderList = ReadonlyMap<string, string>;

function recorded(middleware: ReturnType<typeof helmet>, extra: Record<string, string>): HeaderList {
  const headers = new Map<string, string>();
  const recorder = {
    setHeader: (name: string, value: string) => headers.set(name, value),
    removeHeader: (name: string) => headers.delete(name),
    getHeader: (name: string) => headers.get(name),
  };
  middleware({} as never, recorder as never, () => undefined);
  for (const [k, v] of Object.entries(extra)) headers.set(k, v);
  return headers;
}

/** The console's CSP (research/security.md §3.5): everything from 'self', nothing inline. */
const PAGE_CSP = {
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
  // No external fonts (the page ships none), and no forced HTTPS upgrade: a border post may
  // serve the console over plain HTTP on its own network, where an upgrade breaks it.
  fontSrc: ["'self'"],
  upgradeInsecureRequests: null,
};

export const API_HEADERS: HeaderList = recorded(
  helmet({ contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } } }),
  { 'Permissions-Policy': 'camera=(), microphone=(), geolocation=()' },
);

export const PAGE_HEADERS: HeaderList = recorded(helmet({ contentSecurityPolicy: { directives: PAGE_CSP } }), {
  // The console reads QR codes with the camera of its own origin only.
  'Permissions-Policy': 'camera=(self), microphone=(), geolocation=()',
});

/** App-wide: every answer starts with the API family's headers. */
export function apiHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.setHeaders(API_HEADERS as Map<string, string>);
  next();
}

/** On page routes: the page family's headers replace the API family's. */
export function pageHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.setHeaders(PAGE_HEADERS as Map<string, string>);
  next();
}

/** Answers carrying names and dates of birth: no cache may keep them (RFC 9111 §5.2.2.5). */
export function noStore(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Cache-Control', 'no-store');
  next();
}

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * A JSON answer written straight to the socket (issue #12 item 2: express `res.json` → `send`
 * re-derived the content type, hashed the body for an ETag and checked freshness on every
 * answer). Used by the verification routes, whose answers are `no-store` and personal, so an
 * ETag there only costs a hash and invites conditional requests nobody should make; the routes
 * that want one (/v1/trust/export, console files) set their own.
 */
export function sendJson(res: Response, body: unknown, status = 200): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', JSON_TYPE);
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}
