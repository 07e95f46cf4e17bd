// The contract's error codes in one table (contract.md "POST /v1/verify"): code → texts.
// Tests assert codes, never messages; messages follow Accept-Language (en, id).

export type Lang = 'en' | 'id';

export const ERROR_TEXTS = {
  UNSUPPORTED_FORMAT: {
    en: 'This is not a health certificate format the service knows.',
    id: 'Ini bukan format sertifikat kesehatan yang dikenali layanan.',
  },
  BASE45_INVALID: {
    en: 'The QR text is damaged: it is not valid Base45.',
    id: 'Teks QR rusak: bukan Base45 yang sah.',
  },
  DECOMPRESSION_FAILED: {
    en: 'The certificate data is damaged: it could not be decompressed.',
    id: 'Data sertifikat rusak: tidak dapat didekompresi.',
  },
  PAYLOAD_TOO_LARGE: {
    en: 'The certificate data is larger or deeper than any real certificate.',
    id: 'Data sertifikat lebih besar atau lebih dalam daripada sertifikat asli mana pun.',
  },
  CBOR_INVALID: {
    en: 'The certificate is not a well-formed signed message.',
    id: 'Sertifikat bukan pesan bertanda tangan yang tersusun benar.',
  },
  CWT_INVALID: {
    en: 'The certificate lacks required claims or holds no health certificate.',
    id: 'Sertifikat tidak memuat klaim wajib atau tidak berisi sertifikat kesehatan.',
  },
  ALGORITHM_UNSUPPORTED: {
    en: 'The signature algorithm is missing, not allowed, or does not match the signer key.',
    id: 'Algoritme tanda tangan tidak ada, tidak diizinkan, atau tidak cocok dengan kunci penanda tangan.',
  },
  KID_UNKNOWN: {
    en: 'The certificate was signed by a key that is not on any trusted list.',
    id: 'Sertifikat ditandatangani dengan kunci yang tidak ada di daftar tepercaya mana pun.',
  },
  SIGNATURE_INVALID: {
    en: 'The signature does not match: the certificate was altered or forged.',
    id: 'Tanda tangan tidak cocok: sertifikat telah diubah atau dipalsukan.',
  },
  SIGNER_NOT_VALID: {
    en: 'The signing certificate was not valid when this certificate was issued or is not valid now.',
    id: 'Sertifikat penanda tangan tidak berlaku saat sertifikat ini diterbitkan atau tidak berlaku sekarang.',
  },
  KEY_USAGE_MISMATCH: {
    en: 'The signer is not allowed to issue this type of certificate.',
    id: 'Penanda tangan tidak berwenang menerbitkan jenis sertifikat ini.',
  },
  NOT_YET_VALID: {
    en: 'The certificate is dated in the future.',
    id: 'Sertifikat bertanggal di masa depan.',
  },
  EXPIRED: {
    en: 'The certificate has expired.',
    id: 'Sertifikat sudah kedaluwarsa.',
  },
  SCHEMA_INVALID: {
    en: 'The certificate content does not follow its schema.',
    id: 'Isi sertifikat tidak sesuai dengan skemanya.',
  },
  REVOKED: {
    en: 'The certificate or its signer has been revoked.',
    id: 'Sertifikat atau penanda tangannya telah dicabut.',
  },
} as const satisfies Record<string, Record<Lang, string>>;

export type ErrorCode = keyof typeof ERROR_TEXTS;
export const ERROR_CODES = Object.keys(ERROR_TEXTS) as ErrorCode[];

/** The one exception a pipeline stage may throw; anything else is a bug (HTTP 500). */
export class VerificationError extends Error {
  override readonly name = 'VerificationError';
  constructor(
    readonly code: ErrorCode,
    /** Technical detail for logs and the officer's view; never personal data. */
    readonly detail?: string,
  ) {
    super(detail ? `${code}: ${detail}` : code);
  }
}

/**
 * A verification the service could not finish for a reason that is not the certificate's: a
 * worker's deadline, a processor error, exhaustion. Never a verdict (contract "Faults are not
 * verdicts"): the edge answers 503 VERIFICATION_UNAVAILABLE with Retry-After, and counts it.
 */
export class VerificationFault extends Error {
  override readonly name = 'VerificationFault';

  constructor(
    /** Stable cause for logs and metrics: WORKER_TIMEOUT, WORKER_EXITED, PROCESSOR_ERROR, OVERLOADED, … */
    readonly reason: string,
    detail?: string,
  ) {
    super(detail ? `${reason}: ${detail}` : reason);
  }
}

export interface ReportError {
  code: ErrorCode;
  message: string;
  detail?: string;
}

export function reportError(code: ErrorCode, lang: Lang, detail?: string): ReportError {
  return detail ? { code, message: ERROR_TEXTS[code][lang], detail } : { code, message: ERROR_TEXTS[code][lang] };
}
