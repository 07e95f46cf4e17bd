// Request bodies at the edge: media type, content coding, size, a deadline, JSON depth, and
// the zod parse that types them. The body is read by this module (not body-parser) so that a
// slow sender is cut off by a deadline of its own, before the request takes a verification
// slot (issue #12 item 7: 260 sockets sending 1 byte/s held every slot for 20 s), and so that
// a content coding is refused instead of inflated.
import type { NextFunction, Request, Response } from 'express';
import type { z } from 'zod';
import type { Lang } from '../errors.js';
import { HttpProblem } from './problems.js';

/** contract.md "POST /v1/verify": body ≤ 64 KB. */
export const JSON_LIMIT_BYTES = 64 * 1024;

/**
 * How long a body may take to arrive once the headers are in. A 64 KB body needs no more than a
 * few seconds even on a poor mobile link; a QR body is under 10 KB. Past it: 408.
 */
export const BODY_DEADLINE_MS = 5_000;

/** Deeper than any body of this API ({items:[{qr}]} is 3); checked before JSON.parse. */
export const MAX_JSON_DEPTH = 16;

export function languageOf(req: Request): Lang {
  const header = req.headers['accept-language'];
  // Fast path for the common cases; the full negotiation only when the header says more.
  if (header === undefined || header === 'en') return 'en';
  if (header === 'id') return 'id';
  return req.acceptsLanguages('en', 'id') === 'id' ? 'id' : 'en';
}

/** The media type of the request, lower-cased, without parameters ('' when absent). */
export function mediaTypeOf(req: Request): string {
  const header = req.headers['content-type'];
  if (!header) return '';
  const semi = header.indexOf(';');
  return (semi < 0 ? header : header.slice(0, semi)).trim().toLowerCase();
}

export interface ReadOptions {
  limitBytes: number;
  deadlineMs: number;
  /** How the limit is named in the 413 detail ("64 KB", "5 MB"). */
  limitText: string;
}

/**
 * The whole body, or a problem: 415 for a content coding (RFC 9110 §8.4.1: the service
 * decodes none), 413 past the limit (from Content-Length at once, else while streaming), 408
 * past the deadline. After a 408 or a 413 the connection is closed: its remaining bytes are
 * not wanted.
 */
export function readBody(req: Request, res: Response, opts: ReadOptions): Promise<Buffer> {
  const coding = req.headers['content-encoding'];
  if (coding !== undefined && coding.trim().toLowerCase() !== 'identity') {
    return Promise.reject(new HttpProblem('UNSUPPORTED_MEDIA_TYPE', 'no content coding is accepted; send the body as is'));
  }
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > opts.limitBytes) {
    res.setHeader('Connection', 'close');
    return Promise.reject(new HttpProblem('BODY_TOO_LARGE', `the body exceeds ${opts.limitText}`));
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (err: unknown, body?: Buffer) => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      if (err) reject(err);
      else resolve(body!);
    };
    const refuse = (problem: HttpProblem) => {
      res.setHeader('Connection', 'close');
      req.pause();
      finish(problem);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > opts.limitBytes) refuse(new HttpProblem('BODY_TOO_LARGE', `the body exceeds ${opts.limitText}`));
      else chunks.push(chunk);
    };
    const onEnd = () => finish(undefined, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    const onError = (err: Error) => finish(new ClientGone(err.message));
    const onClose = () => finish(new ClientGone('the client closed the connection'));
    const timer = setTimeout(() => refuse(new HttpProblem('REQUEST_TIMEOUT', `the body did not arrive within ${opts.deadlineMs / 1000} s`)), opts.deadlineMs);
    timer.unref();
    if (req.readableEnded) return finish(undefined, Buffer.alloc(0));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/** The client went away while sending: nobody is left to answer (errors.ts answers nothing). */
export class ClientGone extends Error {
  override readonly name = 'ClientGone';
}

/**
 * One pass over the raw bytes counting brackets outside strings, so a 64 KB body of nested
 * arrays is refused in microseconds instead of being parsed (research/security.md X-7;
 * JSON.parse of 20,000 levels costs ~2 ms).
 */
export function refuseDeepJson(buf: Buffer): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_JSON_DEPTH) throw new HttpProblem('INVALID_REQUEST', `the body nests deeper than ${MAX_JSON_DEPTH} levels`);
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
}

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)/i;

/** 415 unless the body is declared application/json in UTF-8 (or without a charset). */
export function requireJsonMedia(req: Request): void {
  if (mediaTypeOf(req) !== 'application/json') throw new HttpProblem('UNSUPPORTED_MEDIA_TYPE', 'the body must be application/json');
  // RFC 8259 §8.1: JSON between systems is UTF-8. Another declared charset is another media
  // type for this API (415), not a body to decode and then fail on (research/security.md X-2).
  const charset = CHARSET.exec(req.headers['content-type'] ?? '')?.[1]?.toLowerCase();
  if (charset && charset !== 'utf-8' && charset !== 'utf8') throw new HttpProblem('UNSUPPORTED_MEDIA_TYPE', 'JSON bodies must be UTF-8');
}

/** JSON.parse of an object or array only (body-parser's `strict`); an empty body is `undefined`. */
export function parseJsonBytes(buf: Buffer): unknown {
  if (buf.length === 0) return undefined;
  refuseDeepJson(buf);
  const text = buf.toString('utf8');
  const first = /\S/.exec(text)?.[0];
  if (first !== '{' && first !== '[') throw new HttpProblem('INVALID_JSON', 'the body is not a JSON object');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpProblem('INVALID_JSON', 'the body is not valid JSON');
  }
}

export interface JsonBodyOptions {
  limitBytes?: number;
  deadlineMs?: number;
}

/** Middleware: the JSON body into `req.body` (media type → size → deadline → depth → parse). */
export function jsonBody(opts: JsonBodyOptions = {}) {
  const read: ReadOptions = {
    limitBytes: opts.limitBytes ?? JSON_LIMIT_BYTES,
    deadlineMs: opts.deadlineMs ?? BODY_DEADLINE_MS,
    limitText: `${Math.round((opts.limitBytes ?? JSON_LIMIT_BYTES) / 1024)} KB`,
  };
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    requireJsonMedia(req);
    req.body = parseJsonBytes(await readBody(req, res, read));
    next();
  };
}

/** zod at the edge: the first issue becomes a 400 INVALID_REQUEST naming the field. */
export function parse<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const result = schema.safeParse(body);
  if (!result.success) {
    const first = result.error.issues[0];
    const where = first?.path.length ? first.path.join('.') : 'body';
    throw new HttpProblem('INVALID_REQUEST', `${where}: ${first?.message ?? 'invalid request'}`);
  }
  return result.data;
}
