// detect → decode → verify → validate → map → report. The one place that catches
// VerificationError; anything else is a bug and propagates (HTTP 500).
import { reportError, VerificationError, type Lang } from '../errors.js';
import type { FormatAdapter, AdapterResult } from '../formats/format.js';
import type { DomesticDecision, HealthCertificate, Report } from '../model.js';
import type { TrustResolver } from '../trust/types.js';
import { warningText } from '../warnings.js';

export interface PipelineDeps {
  adapters: readonly FormatAdapter[];
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

export function detect(text: string, adapters: readonly FormatAdapter[]): FormatAdapter | undefined {
  return adapters.find((a) => a.detect(text));
}

function invalid(report: Omit<Report, 'domestic' | 'outcome'>, policy: string): Report {
  return {
    outcome: 'INVALID',
    ...report,
    domestic: {
      status: 'INVALID',
      reasons: report.errors.map((e) => e.code),
      reasonTexts: report.errors.map((e) => e.message),
      validUntil: null,
      policy,
    },
  };
}

export async function verifyText(text: string, opts: VerifyOptions, deps: PipelineDeps): Promise<VerificationOutcome> {
  const { lang } = opts;
  const adapter = detect(text, deps.adapters);
  const format = adapter?.format ?? null;
  let result: AdapterResult;
  try {
    if (!adapter) throw new VerificationError('UNSUPPORTED_FORMAT', 'no known prefix or shape');
    result = await adapter.verify(text, { trust: deps.trust(), at: opts.at, lang });
  } catch (err) {
    if (!(err instanceof VerificationError)) throw err;
    return {
      report: invalid(
        { format: err.format ?? format, checkedAt: opts.at.toISOString(), errors: [reportError(err.code, lang, err.detail)], warnings: [], checks: [] },
        deps.policyRef(),
      ),
    };
  }

  const base = {
    format: result.format ?? format,
    checkedAt: opts.at.toISOString(),
    errors: result.failures.map((f) => reportError(f.code, lang, f.detail)),
    warnings: dedupe(result.warnings.map((w) => w.code)).map((code) => ({ code, message: warningText(code, lang) })),
    signer: result.signer,
    ...(result.issuedAt ? { issuedAt: result.issuedAt.toISOString() } : {}),
    ...(result.expiresAt ? { expiresAt: result.expiresAt.toISOString() } : {}),
    ...(result.holder ? { holder: result.holder } : {}),
    ...(result.display ? { certificate: result.display } : {}),
    checks: result.checks,
  };
  if (base.errors.length > 0 || !result.certificate) {
    if (base.errors.length === 0) throw new Error('adapter returned no certificate and no failure');
    return { report: invalid(base, deps.policyRef()) };
  }
  const domestic = deps.domestic(result.certificate, opts.at, lang);
  return { report: { outcome: 'VALID', ...base, domestic }, certificate: result.certificate };
}

function dedupe(codes: string[]): string[] {
  return [...new Set(codes)];
}
