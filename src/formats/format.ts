// Every certificate format is an adapter behind this one interface, chosen by a table of
// prefixes/shapes (src/formats/index.ts), never an if-ladder in the pipeline.

import type { ErrorCode, Lang } from '../errors.js';
import type { Check, CertificateFormat, HealthCertificate, Holder, SignerSummary } from '../model.js';
import type { TrustResolver } from '../trust/types.js';

export interface VerifyContext {
  trust: TrustResolver;
  /** The moment validity is checked at (request `at`, or now at the edge). */
  at: Date;
  lang: Lang;
}

export interface Finding {
  code: ErrorCode;
  detail?: string;
}

export interface Notice {
  /** A warning code (see src/warnings.ts); unknown codes are shown as they are. */
  code: string;
  detail?: string;
}

/**
 * What an adapter returns once the signature verified. Failures found after the signature
 * (time, signer validity, key usage, schema, revocation) are all listed, not thrown.
 */
export interface AdapterResult {
  /** The format once the content is known (an HC1 may turn out to be a WHO DDCC). */
  format?: CertificateFormat;
  signer: SignerSummary;
  /** Absent when the content failed its schema and could not be mapped. */
  certificate?: HealthCertificate;
  holder?: Holder;
  issuedAt?: Date;
  expiresAt?: Date;
  failures: Finding[];
  warnings: Notice[];
  checks: Check[];
  /** Normalised display fields for the report's `certificate` block. */
  display?: Record<string, unknown>;
}

export interface FormatAdapter {
  readonly format: CertificateFormat;
  /** True when the text carries this format's prefix or shape (cheap, no decoding). */
  detect(text: string): boolean;
  /**
   * Decode and verify. Throws VerificationError for a decoding or signature failure
   * (one code, the pipeline stops); returns every later failure in `failures`.
   */
  verify(text: string, ctx: VerifyContext): Promise<AdapterResult>;
}
