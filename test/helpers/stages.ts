// Runs one adapter through the pipeline's stages and shared checks, the way verifyText does,
// and returns the result in one object: what an adapter test asserts on. Stops (decoding or
// signature) throw VerificationError, as in the pipeline.
import type { Lang } from '../../src/errors.js';
import type { AnyAdapter, Notice } from '../../src/formats/format.js';
import type { Check, CertificateFormat, HealthCertificate, Holder, SignerSummary } from '../../src/model.js';
import { runStages } from '../../src/pipeline/verify.js';
import type { Finding } from '../../src/pipeline/validate.js';
import type { TrustResolver } from '../../src/trust/types.js';

export interface StagedResult {
  format: CertificateFormat;
  signer: SignerSummary;
  certificate?: HealthCertificate;
  holder?: Holder;
  display?: Record<string, unknown>;
  issuedAt?: Date;
  expiresAt?: Date;
  failures: Finding[];
  warnings: Notice[];
  checks: Check[];
}

export interface StageContext {
  trust: TrustResolver;
  at: Date;
  lang?: Lang;
}

export async function verifyStaged(adapter: AnyAdapter, text: string, ctx: StageContext): Promise<StagedResult> {
  const s = await runStages(adapter, text, ctx.trust, ctx.at);
  const holder = s.mapped.ok ? s.mapped.certificate.holder : s.mapped.holder;
  return {
    format: s.format,
    signer: s.verified.summary,
    ...(s.mapped.ok ? { certificate: s.mapped.certificate, display: s.mapped.display } : {}),
    ...(holder ? { holder } : {}),
    ...(s.claims.issuedAt ? { issuedAt: s.claims.issuedAt } : {}),
    ...(s.claims.expiresAt ? { expiresAt: s.claims.expiresAt } : {}),
    failures: s.validation.failures,
    warnings: [...s.warnings],
    checks: s.validation.checks,
  };
}

/** A resolver with the given lookups and none of the rest: no signers, no revocation data, nothing stale. */
export function resolverOf(parts: Partial<TrustResolver> = {}): TrustResolver {
  return {
    dcc: () => [],
    shc: () => [],
    csca: () => [],
    divoc: () => [],
    revocation: () => ({ data: false }),
    sourceStale: () => false,
    ...parts,
  };
}
