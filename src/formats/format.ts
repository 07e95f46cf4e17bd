// Every certificate format is an adapter behind this one interface, chosen by a table of
// prefixes/shapes (src/formats/index.ts). An adapter provides only what is format-specific;
// the pipeline (src/pipeline/verify.ts) runs the stages and one shared validation step
// (src/pipeline/validate.ts) makes every check after the signature, the same way for all.
//
//   detect → decode (pure) → verifySignature (trust) → claims → validate (shared) → map → report
//
// A stage either returns its result or throws one coded VerificationError (the certificate's
// fault) — a VerificationFault, or any other exception, is the service's fault (503).

import type { CertificateFormat, CertificateType, HealthCertificate, Holder, SignerSummary } from '../model.js';
import type { WarningCode } from '../warnings.js';
import type { RevocationKeys, Signer, TrustResolver } from '../trust/types.js';

export interface Notice {
  code: WarningCode;
  detail?: string;
}

/** What decoding produced: the data for the later stages and what it already noticed. */
export interface Decoded<D> {
  /** The format once the content is known (an HC1 may hold a WHO DDCC or a WHO DVC). */
  format: CertificateFormat;
  data: D;
  warnings: readonly Notice[];
}

/** The key usage the signing key states, judged by the shared step's table (pipeline/validate.ts). */
export type KeyUsageClaim =
  /** hcert (EU DCC and the WHO payloads): extended key usage OIDs restrict the types it may sign. */
  | { scheme: 'hcert'; eku: readonly string[] | undefined }
  /** ICAO VDS-NC: an EKU that names anything must name the VDS-NC signer OID. */
  | { scheme: 'vds-nc'; eku: readonly string[] | undefined }
  /** The format's keys state no usage (SMART Health Cards, DIVOC): the check does not apply. */
  | { scheme: 'none' };

/** The signer whose key verified, with what the shared checks need to judge it. */
export interface VerifiedSigner {
  /** The trust-store entry that vouches for the signature (ICAO: the CSCA that issued the BSC). */
  signer: Signer;
  /** What the report shows. */
  summary: SignerSummary;
  /**
   * The validity of the key that signed (DSC, BSC, x5c of a JWK, a configured DIVOC key);
   * `undefined` bounds are open. Absent when the source gives the key no validity at all.
   */
  validity?: { notBefore?: Date; notAfter?: Date };
  /**
   * A chain condition the format adds (ICAO Doc 9303-12: the CSCA was valid when it issued the
   * BSC); false makes signerValidity fail.
   */
  chainValid?: boolean;
  keyUsage: KeyUsageClaim;
}

/** What the signed content claims about itself, read without a clock. */
export interface Claims {
  issuedAt?: Date;
  /** Absent: the certificate carries no expiry (the expiry check does not apply, NO_EXPIRY warns). */
  expiresAt?: Date;
  /** Absent: the content declares no type the key usage could restrict. */
  type?: CertificateType;
  /** The WHO GDHCN trust domain of the content (a key listed for DDCC only does not sign an ICVP). */
  domain?: 'DCC' | 'ICVP';
  certificateId?: string;
  /** The issuing country the content names, alpha-2 (compared with the signer's country). */
  issuerCountry?: string;
  /** What a revocation list may hold the certificate under. */
  revocation: RevocationKeys;
}

export type Mapped =
  | { ok: true; certificate: HealthCertificate; display: Record<string, unknown>; warnings?: readonly Notice[] }
  | { ok: false; problems: string[]; holder?: Holder; warnings?: readonly Notice[] };

export interface FormatAdapter<D = unknown> {
  /** The format its prefix or shape names (reported when decoding fails). */
  readonly format: CertificateFormat;
  /** True when the text carries this format's prefix or shape (cheap: no decoding). */
  detect(text: string): boolean;
  /** Every decoding step: no crypto, no clock. */
  decode(text: string): Decoded<D>;
  /** The signer among the trusted candidates whose key verifies the signature. */
  verifySignature(data: D, trust: TrustResolver): VerifiedSigner | Promise<VerifiedSigner>;
  claims(data: D, signer: VerifiedSigner): Claims;
  /** Schema check and mapping to the common model (runs after the signature verified). */
  map(data: D, signer: VerifiedSigner): Mapped;
}

/** Hides the data type of an adapter in the format table. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyAdapter = FormatAdapter<any>;
