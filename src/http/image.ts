// `POST /v1/verify/image` (contract "Endpoints"): a PNG or JPEG holding one QR code → the same
// report as `POST /v1/verify`. The console's upload path; partners may use it too.
//
// Order matters for cost: the media type (415) and readiness (503) are checked before the
// body is read; the body is capped at 5 MB while streaming (413); the pixel count is checked
// from the image header before decoding (413); only then are pixels decoded and scanned.
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Lang } from '../errors.js';
import type { Report } from '../model.js';
import { decodeQrImage, ImageDecodeError, type DecodeOptions } from '../qr/decode-image.js';
import { HttpProblem } from './problem.js';
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
}

const STATUS: Record<ImageDecodeError['code'], number> = {
  IMAGE_INVALID: 400,
  IMAGE_TOO_LARGE: 413,
  NO_QR_FOUND: 422,
};

function langOf(req: Request): Lang {
  return req.acceptsLanguages('en', 'id') === 'id' ? 'id' : 'en';
}

function atOf(req: Request, now: () => Date): Date {
  const raw: unknown = req.query['at'];
  if (raw === undefined) return now();
  // Express 5's query parser yields an array for `?at=a&at=b`: refuse rather than pick one.
  const parsed = AtSchema.safeParse(raw);
  if (!parsed.success) throw new HttpProblem(400, `at: ${parsed.error.issues[0]?.message ?? 'invalid'}`, 'INVALID_REQUEST');
  return new Date(parsed.data);
}

export function imageRouter(verify: VerifyQr, opts: ImageRouterOptions = {}): express.Router {
  const router = express.Router();
  const now = opts.now ?? (() => new Date());
  const decodeOpts: DecodeOptions = opts.maxPixels ? { maxPixels: opts.maxPixels } : {};
  const raw = express.raw({ type: IMAGE_TYPES, limit: IMAGE_LIMIT });

  // body-parser's own errors would reach the app handler, which words 413 for JSON bodies.
  const readBody = (req: Request, res: Response, next: NextFunction) => {
    raw(req, res, (err?: unknown) => {
      if (!err) return next();
      const type = (err as { type?: string }).type;
      if (type === 'entity.too.large') return next(new HttpProblem(413, `the image exceeds ${IMAGE_LIMIT.toUpperCase().replace('MB', ' MB')}`, 'BODY_TOO_LARGE'));
      if (type === 'request.aborted') return next(err);
      return next(new HttpProblem(400, 'the image body could not be read', 'BAD_REQUEST'));
    });
  };

  router.post(
    '/v1/verify/image',
    (req, _res, next) => {
      if (!req.is(IMAGE_TYPES)) throw new HttpProblem(415, 'the body must be image/png or image/jpeg', 'UNSUPPORTED_MEDIA_TYPE');
      if (opts.ready && !opts.ready()) throw new HttpProblem(503, 'no trust source is loaded yet', 'TRUST_NOT_READY');
      next();
    },
    readBody,
    async (req, res) => {
      const at = atOf(req, now);
      const body: unknown = req.body;
      if (!Buffer.isBuffer(body) || body.length === 0) throw new HttpProblem(400, 'the image body is empty', 'IMAGE_INVALID');
      let text: string;
      try {
        text = decodeQrImage(body, decodeOpts);
      } catch (err) {
        if (err instanceof ImageDecodeError) throw new HttpProblem(STATUS[err.code], err.detail, err.code);
        throw err;
      }
      const report = await verify(text, at, langOf(req), req, res);
      // The report carries a name and a date of birth: no shared cache may keep it.
      res.setHeader('Cache-Control', 'no-store');
      res.json(report);
    },
  );
  return router;
}
