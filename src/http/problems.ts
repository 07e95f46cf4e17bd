// The problem codes of the HTTP edge in one table (contract.md "Every problem document also
// carries a stable code … kept in one table"; RFC 9457): code → HTTP status → title in en/id.
// A route throws `new HttpProblem('CODE', detail)`; the status and the title come from here,
// so no call site picks a status or words a title of its own (fastify lib/errors.js does the
// same). Certificates that fail verification are not problems: they are 200 reports.
import type { Response } from 'express';
import type { Lang } from '../errors.js';

interface ProblemKind {
  readonly status: number;
  readonly title: Readonly<Record<Lang, string>>;
  /** The service failed, not the request: a client charged for it gets its allowance back. */
  readonly serviceFault?: true;
}

export const PROBLEMS = {
  INVALID_REQUEST: { status: 400, title: { en: 'Invalid request', id: 'Permintaan tidak sah' } },
  INVALID_JSON: { status: 400, title: { en: 'The body is not valid JSON', id: 'Isi permintaan bukan JSON yang sah' } },
  BAD_REQUEST: { status: 400, title: { en: 'The request could not be read', id: 'Permintaan tidak dapat dibaca' } },
  IMAGE_INVALID: { status: 400, title: { en: 'The image cannot be read', id: 'Gambar tidak dapat dibaca' } },
  UNAUTHORIZED: { status: 401, title: { en: 'Credentials are missing or not valid', id: 'Kredensial tidak ada atau tidak sah' } },
  FORBIDDEN: { status: 403, title: { en: 'This client may not use this route', id: 'Klien ini tidak boleh memakai rute ini' } },
  NOT_FOUND: { status: 404, title: { en: 'No such resource', id: 'Sumber daya tidak ada' } },
  REQUEST_TIMEOUT: { status: 408, title: { en: 'The body arrived too slowly', id: 'Isi permintaan datang terlalu lambat' } },
  NOTHING_HELD: { status: 409, title: { en: 'The trust source holds no list', id: 'Sumber kepercayaan tidak menahan daftar apa pun' } },
  BODY_TOO_LARGE: { status: 413, title: { en: 'The body is too large', id: 'Isi permintaan terlalu besar' } },
  IMAGE_TOO_LARGE: { status: 413, title: { en: 'The image has too many pixels', id: 'Gambar memiliki terlalu banyak piksel' } },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: { en: 'Unsupported media type', id: 'Jenis media tidak didukung' } },
  HOLDER_MISMATCH: { status: 422, title: { en: 'The certificates belong to different holders', id: 'Sertifikat milik pemegang yang berbeda' } },
  NO_QR_FOUND: { status: 422, title: { en: 'No QR code was found in the image', id: 'Tidak ada kode QR di dalam gambar' } },
  IMAGE_UNREADABLE: { status: 422, title: { en: 'The QR code could not be read in time', id: 'Kode QR tidak dapat dibaca tepat waktu' } },
  RATE_LIMITED: { status: 429, title: { en: 'Too many certificates for this client', id: 'Terlalu banyak sertifikat untuk klien ini' } },
  INTERNAL: { status: 500, title: { en: 'Internal error', id: 'Kesalahan internal' } },
  SAMPLES_UNREADABLE: { status: 500, title: { en: 'The sample list could not be read', id: 'Daftar contoh tidak dapat dibaca' } },
  OVERLOADED: { status: 503, title: { en: 'Too many verifications in progress', id: 'Terlalu banyak verifikasi yang sedang berjalan' } },
  TRUST_NOT_READY: { status: 503, title: { en: 'No trust source is loaded yet', id: 'Belum ada sumber kepercayaan yang dimuat' } },
  AUDIT_UNAVAILABLE: { status: 503, serviceFault: true, title: { en: 'The audit log cannot be written', id: 'Log audit tidak dapat ditulis' } },
  VERIFICATION_UNAVAILABLE: {
    status: 503,
    serviceFault: true,
    title: { en: 'The verification could not be finished; this says nothing about the certificate', id: 'Verifikasi tidak dapat diselesaikan; ini tidak menyatakan apa pun tentang sertifikat' },
  },
  CONSOLE_UNAVAILABLE: { status: 503, title: { en: 'The console files are not installed', id: 'Berkas konsol tidak terpasang' } },
} as const satisfies Record<string, ProblemKind>;

export type ProblemCode = keyof typeof PROBLEMS;
export const PROBLEM_CODES = Object.keys(PROBLEMS) as ProblemCode[];

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ProblemCode;
  [extra: string]: unknown;
}

export interface ProblemOptions {
  /** Seconds for the Retry-After header (RFC 9110 §10.2.3): 429 and 503 answers. */
  retryAfter?: number;
  /** More members of the problem document (RFC 9457 §3.2 extensions). */
  extra?: Record<string, unknown>;
}

/** Seconds a client is asked to wait after a fault (VERIFICATION_UNAVAILABLE): long enough for a worker to restart. */
export const FAULT_RETRY_AFTER_SECONDS = 2;

/** An error a route throws to answer with a problem document (Express 5 forwards it). */
export class HttpProblem extends Error {
  override readonly name = 'HttpProblem';
  readonly status: number;

  constructor(
    readonly code: ProblemCode,
    readonly detail: string,
    readonly options: ProblemOptions = {},
  ) {
    super(`${code}: ${detail}`);
    this.status = PROBLEMS[code].status;
  }
}

const TYPE_BASE = 'https://lintas.example/problems/';
const TYPES = Object.fromEntries(PROBLEM_CODES.map((c) => [c, TYPE_BASE + c.toLowerCase().replace(/_/g, '-')])) as Record<ProblemCode, string>;

export function problemDocument(p: HttpProblem, lang: Lang = 'en'): Problem {
  const kind = PROBLEMS[p.code];
  return { type: TYPES[p.code], title: kind.title[lang], status: kind.status, detail: p.detail, code: p.code, ...p.options.extra };
}

export function sendProblem(res: Response, p: HttpProblem, lang: Lang = 'en'): void {
  if (p.options.retryAfter !== undefined) res.setHeader('Retry-After', String(p.options.retryAfter));
  res.status(p.status).type('application/problem+json').send(JSON.stringify(problemDocument(p, lang)));
}

/** Whether `err` is a problem the service caused (the table's `serviceFault`), not the request. */
export function isServiceFault(err: unknown): boolean {
  return err instanceof HttpProblem && (PROBLEMS[err.code] as ProblemKind).serviceFault === true;
}
