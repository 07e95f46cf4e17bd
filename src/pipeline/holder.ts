// Several certificates of one person → one domestic status (contract "POST /v1/holder-status";
// domestic-policy.md "Several certificates of one person"). Each certificate is verified on its
// own; the valid ones are combined by the policy, which throws HolderMismatchError when they
// name different people. With no valid certificate the decision is INVALID, its reasons the
// codes of the failures, in order and once each.
import type { Lang } from '../errors.js';
import type { DomesticDecision, HealthCertificate, Report } from '../model.js';
import type { VerificationOutcome } from './verify.js';

export interface HolderCombiner {
  /** Throws HolderMismatchError (src/policy/combine.ts) when the certificates name different people. */
  combine(certs: HealthCertificate[], at: Date, lang: Lang): DomesticDecision;
}

export interface HolderStatus extends DomesticDecision {
  results: Report[];
}

export interface HolderOptions {
  at: Date;
  lang: Lang;
  combiner: HolderCombiner;
  /** `id@version` of the policy in force, named in an INVALID decision. */
  policyRef: () => string;
}

/** Verifies every text with `verifyOne` (in order, one at a time) and combines the valid ones. */
export async function verifyForHolder(
  qrs: readonly string[],
  verifyOne: (qr: string) => Promise<VerificationOutcome>,
  opts: HolderOptions,
): Promise<HolderStatus> {
  const outcomes: VerificationOutcome[] = [];
  for (const qr of qrs) outcomes.push(await verifyOne(qr));
  const valid = outcomes.flatMap((o) => (o.certificate ? [o.certificate] : []));
  const decision: DomesticDecision =
    valid.length > 0
      ? opts.combiner.combine(valid, opts.at, opts.lang)
      : {
          status: 'INVALID',
          reasons: [...new Set(outcomes.flatMap((o) => o.report.errors.map((e) => e.code)))],
          validUntil: null,
          policy: opts.policyRef(),
        };
  return { ...decision, results: outcomes.map((o) => o.report) };
}
