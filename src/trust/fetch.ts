// Downloads a trust list with the caps security.md §2.9 T-8 / §4.5 F-1–F-2 ask for: an overall
// deadline (a 1-byte/s drip is cut), a size cap checked while reading (an endless or huge body
// is cut, a Content-Length over the cap is refused before reading), no Content-Encoding (a
// gzip bomb never gets inflated), ETag/If-None-Match, and redirects only to HTTPS. Plain HTTP
// is allowed only for loopback hosts (contract.md "Trust lists"), which is what tests use.
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
const MAX_REDIRECTS = 3;

/** Why a download failed, as a stable code for the source status. */
export type FetchErrorCode = 'SOURCE_DOWN' | 'TIMEOUT' | 'TOO_LARGE' | 'HTTP_STATUS' | 'URL_REFUSED' | 'REDIRECT_REFUSED' | 'ENCODING_REFUSED';

export class FetchError extends Error {
  override readonly name = 'FetchError';
  constructor(
    readonly code: FetchErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface FetchOptions {
  timeoutMs?: number;
  maxBytes?: number;
  /** ETag of the list in force: a 304 answer means it is still current. */
  etag?: string;
  /** Extra CA certificates (PEM) for HTTPS, e.g. a test server's own CA. */
  ca?: string | Buffer | (string | Buffer)[];
}

export type FetchResult = { status: 'ok'; bytes: Uint8Array; etag?: string; url: string } | { status: 'not-modified' };

/** 127.0.0.0/8, ::1 and localhost: the only hosts plain HTTP may be used for. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1';
  return false;
}

/** Throws URL_REFUSED unless `url` is https:, or http: to a loopback host. */
export function checkUrl(url: URL): void {
  if (url.username || url.password) throw new FetchError('URL_REFUSED', 'a trust-list URL must not carry credentials');
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return;
  throw new FetchError('URL_REFUSED', `${url.protocol}//${url.host} refused: trust lists are fetched over HTTPS (HTTP only for loopback)`);
}

/**
 * GET `rawUrl` within the caps. Resolves with the body, or `not-modified` for 304 (and for 204:
 * an empty answer means "no change", never "empty list"; security.md T-8). Throws FetchError.
 */
export async function fetchList(rawUrl: string, opts: FetchOptions = {}): Promise<FetchResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new FetchError('URL_REFUSED', 'not a valid URL');
  }
  checkUrl(url);
  const deadline = AbortSignal.timeout(timeoutMs);
  for (let hop = 0; ; hop++) {
    const answer = await getOnce(url, opts, maxBytes, deadline, timeoutMs);
    if (answer.kind !== 'redirect') return answer.result;
    if (hop >= MAX_REDIRECTS) throw new FetchError('REDIRECT_REFUSED', `more than ${MAX_REDIRECTS} redirects`);
    let next: URL;
    try {
      next = new URL(answer.location, url);
    } catch {
      throw new FetchError('REDIRECT_REFUSED', 'redirect to an invalid URL');
    }
    // Only to HTTPS; an HTTPS source never drops to HTTP, and loopback HTTP only stays on loopback.
    if (next.protocol !== 'https:' && !(url.protocol === 'http:' && next.protocol === 'http:' && isLoopbackHost(next.hostname))) {
      throw new FetchError('REDIRECT_REFUSED', `redirect to ${next.protocol}//${next.host} refused (HTTPS only)`);
    }
    checkUrl(next);
    url = next;
  }
}

type Answer = { kind: 'done'; result: FetchResult } | { kind: 'redirect'; location: string };

function getOnce(url: URL, opts: FetchOptions, maxBytes: number, deadline: AbortSignal, timeoutMs: number): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    const headers: Record<string, string> = { accept: '*/*', 'accept-encoding': 'identity', 'user-agent': 'lintas-verifier-trust/1' };
    if (opts.etag) headers['if-none-match'] = opts.etag;
    const lib = url.protocol === 'https:' ? https : http;
    let settled = false;
    const fail = (e: FetchError): void => {
      if (settled) return;
      settled = true;
      req.destroy();
      reject(e);
    };
    const onAbort = (): void => fail(new FetchError('TIMEOUT', `no complete answer within ${timeoutMs} ms`));
    if (deadline.aborted) return onAbort();
    deadline.addEventListener('abort', onAbort, { once: true });
    const req = lib.request(url, { method: 'GET', headers, ...(opts.ca && url.protocol === 'https:' ? { ca: opts.ca } : {}) }, (res) => {
      const status = res.statusCode ?? 0;
      const done = (a: Answer): void => {
        if (settled) return;
        settled = true;
        deadline.removeEventListener('abort', onAbort);
        res.destroy();
        resolve(a);
      };
      if (status >= 300 && status < 400 && status !== 304) {
        const location = res.headers.location;
        if (!location) return fail(new FetchError('REDIRECT_REFUSED', `HTTP ${status} without Location`));
        return done({ kind: 'redirect', location });
      }
      if (status === 304 || status === 204) return done({ kind: 'done', result: { status: 'not-modified' } });
      if (status !== 200) return fail(new FetchError('HTTP_STATUS', `HTTP ${status}`));
      const encoding = (res.headers['content-encoding'] ?? 'identity').toLowerCase();
      if (encoding !== 'identity') return fail(new FetchError('ENCODING_REFUSED', `Content-Encoding "${encoding}" refused`));
      const declared = Number(res.headers['content-length'] ?? NaN);
      if (Number.isFinite(declared) && declared > maxBytes) {
        return fail(new FetchError('TOO_LARGE', `Content-Length ${declared} exceeds the cap of ${maxBytes} bytes`));
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) return fail(new FetchError('TOO_LARGE', `body exceeds the cap of ${maxBytes} bytes`));
        chunks.push(chunk);
      });
      res.on('end', () => {
        if (settled) return;
        if (!res.complete) return fail(new FetchError('SOURCE_DOWN', 'connection closed before the body was complete'));
        const etag = typeof res.headers.etag === 'string' ? res.headers.etag : undefined;
        done({ kind: 'done', result: { status: 'ok', bytes: new Uint8Array(Buffer.concat(chunks, size)), url: url.toString(), ...(etag ? { etag } : {}) } });
      });
      res.on('aborted', () => fail(new FetchError('SOURCE_DOWN', 'connection reset during the body')));
      res.on('error', (e) => fail(new FetchError('SOURCE_DOWN', e.message)));
    });
    req.on('error', (e) => fail(new FetchError('SOURCE_DOWN', e.message)));
    req.end();
  });
}
