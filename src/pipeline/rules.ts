// The arrival country's EU business rules (CertLogic) on top of a report, when the request
// names an arrivalCountry (src/rules/). A certificate that did not verify passes no rule: the
// block says FAILED with no rule listed, so a caller reading only `rules` is not misled.
import type { Lang } from '../errors.js';
import type { HealthCertificate, Report, RulesResult } from '../model.js';
import type { VerificationOutcome } from './verify.js';

export type RulesEvaluator = (certificate: HealthCertificate, arrivalCountry: string, at: Date, lang: Lang) => RulesResult;

export function withRules(outcome: VerificationOutcome, arrivalCountry: string, at: Date, lang: Lang, evaluate: RulesEvaluator): Report {
  const rules: RulesResult = outcome.certificate
    ? evaluate(outcome.certificate, arrivalCountry, at, lang)
    : { result: 'FAILED', failed: [], arrivalCountry };
  return { ...outcome.report, rules };
}
