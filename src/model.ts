// The common certificate model every format maps onto, so the domestic policy and the
// report never look at a format's own structure. Dates are ISO strings as the certificate
// gave them (YYYY-MM-DD for days, RFC 3339 for instants); absolute instants are Date.

import type { ErrorCode, ReportError } from './errors.js';

export type CertificateFormat = 'EU_DCC' | 'WHO_DDCC' | 'WHO_DVC' | 'SHC' | 'DIVOC' | 'ICAO_VDS';
export type DomesticStatus = 'GREEN' | 'YELLOW' | 'RED' | 'BLACK' | 'INVALID';
export type CertificateType = 'vaccination' | 'test' | 'recovery';

/** A code with its display name from a value set (display absent when unknown). */
export interface Coded {
  code: string;
  display?: string;
}

export interface Holder {
  familyName?: string;
  givenName?: string;
  /** ICAO 9303 transliteration (EU `fnt`/`gnt`), used to compare holders. */
  familyNameStd?: string;
  givenNameStd?: string;
  /** YYYY, YYYY-MM or YYYY-MM-DD; may be empty when the issuer left it blank. */
  dateOfBirth?: string;
}

interface EvidenceBase {
  disease?: Coded;
  country?: Coded;
  issuer?: string;
  certificateId?: string;
}

/**
 * `product.code` is normalised per coding system so policy aliases can match it:
 * EU value-set codes as they are (`EU/1/20/1528`), CVX as `CVX:207`, SNOMED as `SNOMED:…`,
 * ICD-11 as `ICD11:…`, and a free-text product name as the name itself (DIVOC).
 */
export interface VaccinationEvidence extends EvidenceBase {
  type: 'vaccination';
  product: Coded;
  prophylaxis?: Coded;
  manufacturer?: Coded;
  doseNumber: number;
  totalDoses: number;
  /**
   * True when the issuer states no series (SMART Health Cards, ICAO VDS-NC): doseNumber counts
   * the doses the credential lists and totalDoses merely repeats it, so the policy judges the
   * count against the product's primary doses, and the EU "1/1 after recovery" reading of a
   * single dose must not apply.
   */
  seriesFromCount?: boolean;
  /** Date of this dose, YYYY-MM-DD. */
  date: string;
  /** The dose as the issuer wrote it when it is not a number (WHO DVC `dn`: `Primary`, `secondDose`). */
  doseLabel?: string;
  batch?: string;
  /** Supervising clinician (WHO DVC `cn`). */
  clinician?: string;
  /** The certificate's own validity window, YYYY-MM-DD (WHO DVC `vls`/`vle`). */
  validFrom?: string;
  validUntil?: string;
}

/** `testType.code`: LP6464-4 (NAAT/PCR) or LP217198-3 (rapid antigen); result 260415000 / 260373001. */
export interface TestEvidence extends EvidenceBase {
  type: 'test';
  testType: Coded;
  testName?: string;
  manufacturer?: Coded;
  /** Sample collection instant, RFC 3339. */
  sampledAt: string;
  result: Coded;
  positive: boolean;
  centre?: string;
}

export interface RecoveryEvidence extends EvidenceBase {
  type: 'recovery';
  /** Date of the first positive test, YYYY-MM-DD. */
  firstPositive: string;
  validFrom: string;
  validUntil: string;
}

export type Evidence = VaccinationEvidence | TestEvidence | RecoveryEvidence;

/** What a format adapter hands on once signature and schema have been checked. */
export interface HealthCertificate {
  format: CertificateFormat;
  holder: Holder;
  evidence: Evidence;
  issuedAt?: Date;
  expiresAt?: Date;
  /** Issuing country (CWT iss, or the entry's country). */
  issuerCountry?: string;
  /** The payload as decoded (JSON-compatible), for business rules; never logged. */
  raw?: unknown;
  /** Verifiable Health Links carried beside the certificate (hcert −260/5), as written; never fetched. */
  healthLinks?: string[];
}

export interface DomesticDecision {
  status: DomesticStatus;
  reasons: string[];
  /** Texts of the reasons in the request's language, same order as `reasons`. */
  reasonTexts?: string[];
  validUntil: string | null;
  /** From when the evidence counts, when the policy names a start (a yellow-fever vaccination: 10 days after it). */
  validFrom?: string;
  policy: string;
}

export interface ReportWarning {
  code: string;
  message: string;
}

export interface SignerSummary {
  kid: string;
  country: string;
  algorithm: string;
  source: string;
  subject?: string;
}

/** The checks every report past the signature lists, in this order (contract "POST /v1/verify"). */
export const CHECK_NAMES = ['signature', 'signerValidity', 'keyUsage', 'issuedAt', 'expiry', 'revocation', 'schema'] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

/** Why a check a format cannot make is passed as not applicable (contract: `applies: false`). */
export const NOT_APPLICABLE_REASONS = ['NO_EXPIRY', 'NO_KEY_USAGE', 'NO_REVOCATION_DATA', 'NO_ISSUANCE_TIME', 'NO_SIGNER_VALIDITY'] as const;
export type NotApplicableReason = (typeof NOT_APPLICABLE_REASONS)[number];

export type Check =
  | { name: CheckName; passed: true; applies?: undefined; code?: undefined; reason?: undefined }
  | { name: CheckName; passed: true; applies: false; reason: NotApplicableReason; code?: undefined }
  | { name: CheckName; passed: false; code: ErrorCode; applies?: undefined; reason?: undefined };


export interface RulesResult {
  result: 'PASSED' | 'FAILED' | 'OPEN';
  failed: { identifier: string; description?: string }[];
  open?: { identifier: string; description?: string }[];
  arrivalCountry: string;
  evaluated?: number;
}

export interface Report {
  outcome: 'VALID' | 'INVALID';
  /** The moment validity was checked at (the request's `at`, or now). */
  checkedAt?: string;
  format: CertificateFormat | null;
  errors: ReportError[];
  warnings: ReportWarning[];
  signer?: SignerSummary;
  issuedAt?: string;
  expiresAt?: string;
  holder?: Holder;
  certificate?: Record<string, unknown>;
  checks: Check[];
  domestic: DomesticDecision;
  rules?: RulesResult;
}
