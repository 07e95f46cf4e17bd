// `POST /v1/verify/image` (contract "Endpoints"): a PNG or JPEG holding one QR code → the same
// report as `POST /v1/verify`. The console's upload path; partners may use it too.
//
// Order matters for cost: the media type (415) and readiness (503) are checked before the
// body is read; the body is capped at 5 MB while streaming (413); the pixel count is checked
// from the image header before decoding (413); only then are pixels decoded and scanned, in a
// worker-thread pool (src/qr/pool.ts) within 2 s per image (422 IMAGE_UNREADABLE), so the
// event loop keeps serving other requests; a full pool queue answers 503 OVERLOADED.
import express, { type Request, type Response } from 'express';
import type { Lang } from '../errors.js';
import type { Report } from '../model.js';
import { ImageDecodeError } from '../qr/decode-image.js';
import { ImagePool, PoolOverloaded, type ImageDecoder } from '../qr/pool.js';
import { languageOf, readBody } from './body.js';
import { sendJson } from './headers.js';
import { HttpProblem, type ProblemCode } from './problems.js';
import { AtSchema } from './schemas.js';

export const IMAGE_LIMIT = '5mb';
export const IMAGE_TYPES = ['image/png', 'image/jpeg'];

/** Verifies the decoded text; the request and response let the caller audit it for the client. */
export type VerifyQr = (qr: string, at: Date, lang: Lang, req: Request, res: Response) => Promise<Report>;

export interface ImageRouterOptions {
  /** False while no trust source is loaded: answer 503 like the other verify routes. */
  ready?: () => boolean;
  /** The edge's clock, for the default `at` (defaults to the wall clock). */
  now?: () => Date;
  maxPixels?: number;
  /** The decoding pool (compose.ts owns and closes it); default: a pool of this router's own. */
  decoder?: ImageDecoder;
  /** How long the whole image body may take to arrive (default IMAGE_BODY_DEADLINE_MS). */
  bodyDeadlineMs?: number;
}

/**
 * An image is read under its own deadline, as JSON bodies are (body.ts): longer, since 5 MB from a
 * border post's mobile link can take many seconds, but bounded, so a slow sender cannot hold the
 * connection until the server's request timeout.
 */
export const IMAGE_BODY_DEADLINE_MS = 30_000;
const IMAGE_LIMIT_BYTES = 5 * 1024 * 1024;

function atOf(req: Request, now: () => Date): Date {
  const raw: unknown = req.query['at'];
  if (raw === undefined) return now();
  // Express 5's query parser yields an array for `?at=a&at=b`: refuse rather than pick one.
  const parsed = AtSchema.safeParse(raw);
  if (!parsed.success) throw new HttpProblem('INVALID_REQUEST', `at: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return new Date(parsed.data);
}

export function imageRouter(verify: VerifyQr, opts: ImageRouterOptions = {}): express.Router {
  const router = express.Router();
  const now = opts.now ?? (() => new Date());
  const decoder = opts.decoder ?? new ImagePool(opts.maxPixels ? { maxPixels: opts.maxPixels } : {});
  const limitText = IMAGE_LIMIT.toUpperCase().replace('MB', ' MB');

  router.post(
    '/v1/verify/image',
    (req, _res, next) => {
      if (!req.is(IMAGE_TYPES)) throw new HttpProblem('UNSUPPORTED_MEDIA_TYPE', 'the body must be image/png or image/jpeg');
      if (opts.ready && !opts.ready()) throw new HttpProblem('TRUST_NOT_READY', 'no trust source is loaded yet');
      next();
    },
    async (req, res) => {
      const at = atOf(req, now);
      // One body reader for every route (body.ts): limit, deadline, and no content coding.
      const body = await readBody(req, res, { limitBytes: IMAGE_LIMIT_BYTES, deadlineMs: opts.bodyDeadlineMs ?? IMAGE_BODY_DEADLINE_MS, limitText });
      if (body.length === 0) throw new HttpProblem('IMAGE_INVALID', 'the image body is empty');
      let text: string;
      try {
        // The body is not used after this: its memory moves to the decoding thread uncopied.
        text = await decoder.decode(body, { transfer: true });
      } catch (err) {
        // IMAGE_INVALID 400, IMAGE_TOO_LARGE 413, NO_QR_FOUND and IMAGE_UNREADABLE 422 (problems.ts).
        if (err instanceof ImageDecodeError) throw new HttpProblem(err.code satisfies ProblemCode, err.detail);
        if (err instanceof PoolOverloaded) {
          throw new HttpProblem('OVERLOADED', 'too many images are being read; retry shortly', { retryAfter: err.retryAfterSeconds });
        }
        // A decoding thread that stopped (a VerificationFault) is the service's fault, not the
        // image's: the one error handler counts it and answers 503 VERIFICATION_UNAVAILABLE.
        throw err;
      }
      const report = await verify(text, at, languageOf(req), req, res);
      // The report carries a name and a date of birth: no shared cache may keep it.
      res.setHeader('Cache-Control', 'no-store');
      sendJson(res, report);
    },
  );
  return router;
}
