// The common certificate model every format maps onto, so the domestic policy and the
// report never look at a format's own structure. Dates are ISO strings as the certificate
// gave them (YYYY-MM-DD for days, RFC 3339 for instants); absolute instants are Date.

//
// What leaves the service (Holder, Report and its parts) is defined once, as zod schemas in
// src/report-schema.ts; the types here are inferred from them, so the code, GET /openapi.json
// and its tests share one source (issue #11 item 6).
import type { z } from 'zod';
import {
  CHECK_NAMES,
  NOT_APPLICABLE_REASONS,
  type CERTIFICATE_FORMATS,
  type CERTIFICATE_TYPES,
  type CheckSchema,
  type DOMESTIC_STATUSES,
  type DomesticDecisionSchema,
  type HolderSchema,
  type ReportSchema,
  type ReportWarningSchema,
  type RulesResultSchema,
  type SignerSummarySchema,
} from './report-schema.js';

export { CHECK_NAMES, NOT_APPLICABLE_REASONS };
export type CertificateFormat = (typeof CERTIFICATE_FORMATS)[number];
export type DomesticStatus = (typeof DOMESTIC_STATUSES)[number];
export type CertificateType = (typeof CERTIFICATE_TYPES)[number];

/** A code with its display name from a value set (display absent when unknown). */
export interface Coded {
  code: string;
  display?: string;
}

/** Names (and their ICAO 9303 transliterations, used to compare holders) and the date of birth. */
export type Holder = z.infer<typeof HolderSchema>;

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

export type DomesticDecision = z.infer<typeof DomesticDecisionSchema>;
export type ReportWarning = z.infer<typeof ReportWarningSchema>;
export type SignerSummary = z.infer<typeof SignerSummarySchema>;
export type CheckName = (typeof CHECK_NAMES)[number];
export type NotApplicableReason = (typeof NOT_APPLICABLE_REASONS)[number];
/** Passed; passed as not applicable (`applies: false` and a reason); or failed with a code. */
export type Check = z.infer<typeof CheckSchema>;
export type RulesResult = z.infer<typeof RulesResultSchema>;
export type Report = z.infer<typeof ReportSchema>;
