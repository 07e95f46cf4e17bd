// The pipeline owns the stages (guide.md "The shape"):
//   detect → decode → verifySignature → claims → map → validate → domestic → report
// It is the one place that catches VerificationError (the certificate's fault: one code, the
// report says INVALID). A VerificationFault or any other exception is the service's fault and
// propagates: the edge answers 503 VERIFICATION_UNAVAILABLE, never a verdict.
import { reportError, VerificationError, type Lang } from '../errors.js';
import type { AnyAdapter, Claims, Mapped, Notice, VerifiedSigner } from '../formats/format.js';
import type { CertificateFormat, DomesticDecision, HealthCertificate, Report } from '../model.js';
import type { TrustResolver } from '../trust/types.js';
import { isoInstant } from '../time.js';
import { warningText } from '../warnings.js';
import { validate, type Validation } from './validate.js';

export interface PipelineDeps {
  adapters: readonly AnyAdapter[];
  /** The trust snapshot in force for this request. */
  trust: () => TrustResolver;
  domestic: (certificate: HealthCertificate, at: Date, lang: Lang) => DomesticDecision;
  /** `id@version` of the policy in force, named in INVALID decisions too. */
  policyRef: () => string;
}

export interface VerifyOptions {
  at: Date;
  lang: Lang;
}

export interface VerificationOutcome {
  report: Report;
  /** The mapped certificate when the outcome is VALID (for combination and business rules). */
  certificate?: HealthCertificate;
}

export function detect(text: string, adapters: readonly AnyAdapter[]): AnyAdapter | undefined {
  return adapters.find((a) => a.detect(text));
}

/** The INVALID decision: the error codes are its reasons (domestic-policy.md: it counts for nothing). */
export function invalidDecision(report: Pick<Report, 'errors'>, policy: string): DomesticDecision {
  return {
    status: 'INVALID',
    reasons: report.errors.map((e) => e.code),
    reasonTexts: report.errors.map((e) => e.message),
    validUntil: null,
    policy,
  };
}

function stopped(format: CertificateFormat | null, err: VerificationError, opts: VerifyOptions, policy: string): VerificationOutcome {
  const errors = [reportError(err.code, opts.lang, err.detail)];
  return {
    report: { outcome: 'INVALID', format, checkedAt: isoInstant(opts.at), errors, warnings: [], checks: [], domestic: invalidDecision({ errors }, policy) },
  };
}

function warningsOf(notices: readonly Notice[], lang: Lang): Report['warnings'] {
  if (notices.length === 0) return [];
  return [...new Set(notices.map((n) => n.code))].map((code) => ({ code, message: warningText(code, lang) }));
}

/** What the stages produced for one text; throws VerificationError where a stage stopped. */
export interface Staged {
  format: CertificateFormat;
  verified: VerifiedSigner;
  claims: Claims;
  mapped: Mapped;
  validation: Validation;
  /** Every warning of every stage, deduplicated by the report. */
  warnings: readonly Notice[];
}

/** Runs decode → verifySignature → claims → map → validate with one adapter. */
export async function runStages(adapter: AnyAdapter, text: string, trust: TrustResolver, at: Date, onFormat?: (f: CertificateFormat) => void): Promise<Staged> {
  const decoded = adapter.decode(text);
  onFormat?.(decoded.format);
  const verified = await adapter.verifySignature(decoded.data, trust);
  const claims = adapter.claims(decoded.data, verified);
  const mapped = adapter.map(decoded.data, verified);
  const validation = validate(claims, verified, mapped, trust, at);
  const warnings = decoded.warnings.length === 0 && !mapped.warnings?.length ? validation.warnings : [...decoded.warnings, ...(mapped.warnings ?? []), ...validation.warnings];
  return { format: decoded.format, verified, claims, mapped, validation, warnings };
}

export async function verifyText(text: string, opts: VerifyOptions, deps: PipelineDeps): Promise<VerificationOutcome> {
  const adapter = detect(text, deps.adapters);
  if (!adapter) return stopped(null, new VerificationError('UNSUPPORTED_FORMAT', 'no known prefix or shape'), opts, deps.policyRef());
  let format: CertificateFormat = adapter.format;
  let staged: Staged;
  try {
    staged = await runStages(adapter, text, deps.trust(), opts.at, (f) => (format = f));
  } catch (err) {
    if (!(err instanceof VerificationError)) throw err;
    return stopped(format, err, opts, deps.policyRef());
  }
  const { verified, claims, mapped, validation } = staged;
  const holder = mapped.ok ? mapped.certificate.holder : mapped.holder;
  const errors = validation.failures.map((f) => reportError(f.code, opts.lang, f.detail));
  // Built by assignment in the report's key order: conditional spreads take V8's slow
  // object-copy path, about 0.5 µs each on every verification (issue 12).
  const valid = errors.length === 0 && mapped.ok;
  const report = { outcome: valid ? 'VALID' : 'INVALID', format, checkedAt: isoInstant(opts.at), errors, warnings: warningsOf(staged.warnings, opts.lang), signer: verified.summary } as Report;
  if (claims.issuedAt) report.issuedAt = isoInstant(claims.issuedAt);
  if (claims.expiresAt) report.expiresAt = isoInstant(claims.expiresAt);
  if (holder && Object.keys(holder).length > 0) report.holder = holder;
  if (mapped.ok) report.certificate = mapped.display;
  report.checks = validation.checks;
  if (!valid || !mapped.ok) {
    report.domestic = invalidDecision(report, deps.policyRef());
    return { report };
  }
  report.domestic = deps.domestic(mapped.certificate, opts.at, opts.lang);
  return { report, certificate: mapped.certificate };
}
