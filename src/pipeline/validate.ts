// The one validation step after a signature verified, the same for every format (contract
// "POST /v1/verify": the checks, their names and order; formats.md item 8 for key usage).
// It makes every check and reports every failure; a check a format cannot make passes with
// `applies: false` and a reason, so an officer never reads "passed" for a check not made.
import type { ErrorCode } from '../errors.js';
import type { Check, CheckName, NotApplicableReason } from '../model.js';
import type { Claims, KeyUsageClaim, Mapped, Notice, VerifiedSigner } from '../formats/format.js';
import type { TrustResolver } from '../trust/types.js';

/** Clock skew allowed for an issuance time in the future (contract: NOT_YET_VALID). */
export const ISSUED_AT_SKEW_MS = 5 * 60 * 1000;

export interface Finding {
  code: ErrorCode;
  detail?: string;
}

export interface Validation {
  checks: Check[];
  failures: Finding[];
  warnings: Notice[];
}

/**
 * Extended key usage OIDs and the certificate types they allow. hcert spec Appendix A.4, plus
 * the `.0.` typo of the first draft that real DSCs still carry; ICAO VDS-NC TR: the barcode
 * signer OID (id-icao-mrtd-security-vdsSigner) allows every health seal.
 */
const HCERT_EKU: Readonly<Record<string, string>> = {
  '1.3.6.1.4.1.1847.2021.1.1': 'test',
  '1.3.6.1.4.1.1847.2021.1.2': 'vaccination',
  '1.3.6.1.4.1.1847.2021.1.3': 'recovery',
  '1.3.6.1.4.1.0.1847.2021.1.1': 'test',
  '1.3.6.1.4.1.0.1847.2021.1.2': 'vaccination',
  '1.3.6.1.4.1.0.1847.2021.1.3': 'recovery',
};
export const VDS_NC_EKU = '2.23.136.1.1.14.2';

/** GDHCN domains whose keys may sign content of each domain the claims name. */
const DOMAINS_FOR: Readonly<Record<NonNullable<Claims['domain']>, readonly string[]>> = {
  DCC: ['DCC', 'DDCC'],
  ICVP: ['ICVP'],
};

const pass = (name: CheckName): Check => ({ name, passed: true });
const notApplicable = (name: CheckName, reason: NotApplicableReason): Check => ({ name, passed: true, applies: false, reason });

function within(window: { notBefore?: Date; notAfter?: Date }, moment: Date): boolean {
  const t = moment.getTime();
  return (!window.notBefore || window.notBefore.getTime() <= t) && (!window.notAfter || t <= window.notAfter.getTime());
}

/** Why a key's usage forbids the claimed content, or undefined when it allows it. */
function usageProblem(usage: KeyUsageClaim, claims: Claims): string | undefined {
  if (usage.scheme === 'hcert') {
    // No EKU, or an EKU without any hcert OID, allows every type (dgc-testdata CO6–CO15).
    const types = (usage.eku ?? []).map((oid) => HCERT_EKU[oid]).filter((t) => t !== undefined);
    if (claims.type !== undefined && types.length > 0 && !types.includes(claims.type)) return `signer may not sign ${claims.type}`;
  } else if (usage.scheme === 'vds-nc') {
    if (usage.eku !== undefined && usage.eku.length > 0 && !usage.eku.includes(VDS_NC_EKU)) return 'signer certificate EKU lacks the VDS-NC signer OID';
  }
  return undefined;
}

export function validate(claims: Claims, verified: VerifiedSigner, mapped: Mapped, trust: TrustResolver, at: Date): Validation {
  const failures: Finding[] = [];
  const warnings: Notice[] = [];
  const checks: Check[] = [pass('signature')];
  const fail = (name: CheckName, code: ErrorCode, detail?: string): void => {
    failures.push(detail === undefined ? { code } : { code, detail });
    checks.push({ name, passed: false, code });
  };

  // signerValidity: the signing key must have been valid when it signed and must be valid at `at`.
  if (verified.validity === undefined && verified.chainValid === undefined) checks.push(notApplicable('signerValidity', 'NO_SIGNER_VALIDITY'));
  else {
    const window = verified.validity ?? {};
    const ok = within(window, claims.issuedAt ?? at) && within(window, at) && verified.chainValid !== false;
    if (ok) checks.push(pass('signerValidity'));
    else fail('signerValidity', 'SIGNER_NOT_VALID', 'the signing key was not valid at issuance or is not valid at the checking moment');
  }

  // keyUsage: the key's stated usage and, for GDHCN keys, the trust domain it was listed for.
  const domains = verified.signer.domains;
  const domainProblem =
    domains !== undefined && claims.domain !== undefined && !DOMAINS_FOR[claims.domain].some((d) => domains.includes(d))
      ? `signer is listed for ${domains.join(', ') || 'no domain'}, not ${claims.domain}`
      : undefined;
  const problem = usageProblem(verified.keyUsage, claims) ?? domainProblem;
  if (problem) fail('keyUsage', 'KEY_USAGE_MISMATCH', problem);
  else if (verified.keyUsage.scheme === 'none' && domains === undefined) checks.push(notApplicable('keyUsage', 'NO_KEY_USAGE'));
  else checks.push(pass('keyUsage'));

  if (claims.issuedAt === undefined) checks.push(notApplicable('issuedAt', 'NO_ISSUANCE_TIME'));
  else if (claims.issuedAt.getTime() > at.getTime() + ISSUED_AT_SKEW_MS) fail('issuedAt', 'NOT_YET_VALID', 'issued after the checking moment');
  else checks.push(pass('issuedAt'));

  // Contract: EXPIRED when expiry is before `at`, no skew; no expiry at all is accepted with a warning.
  if (claims.expiresAt === undefined) {
    checks.push(notApplicable('expiry', 'NO_EXPIRY'));
    warnings.push({ code: 'NO_EXPIRY' });
  } else if (claims.expiresAt.getTime() < at.getTime()) fail('expiry', 'EXPIRED', 'expiry is before the checking moment');
  else checks.push(pass('expiry'));

  const revocation = trust.revocation(claims.revocation, at);
  if (!revocation.data) checks.push(notApplicable('revocation', 'NO_REVOCATION_DATA'));
  else if (revocation.hit) fail('revocation', 'REVOKED', `listed by ${revocation.hit.source} (${revocation.hit.by})`);
  else checks.push(pass('revocation'));
  if (revocation.data && revocation.outdated) warnings.push({ code: 'CRL_OUTDATED', detail: 'a revocation list is past its next-update date' });

  if (mapped.ok) checks.push(pass('schema'));
  else fail('schema', 'SCHEMA_INVALID', mapped.problems.slice(0, 5).join('; '));

  if (trust.sourceStale(verified.signer.source)) warnings.push({ code: 'TRUST_SOURCE_STALE', detail: `trust source ${verified.signer.source}` });
  const country = verified.summary.country;
  if (claims.issuerCountry && country && claims.issuerCountry.toUpperCase() !== country.toUpperCase()) warnings.push({ code: 'ISSUER_COUNTRY_MISMATCH' });
  return { checks, failures, warnings };
}
