// The EU DCC (HC1) adapter: prefix → Base45 → zlib → COSE_Sign1 → CWT → signature → signer
// checks → schema → time. Decoding and signature failures throw (one code, the pipeline
// stops); every later failure is collected so the officer sees all that is wrong.
import { VerificationError, type ErrorCode } from '../../errors.js';
import type { CertificateType, Check, HealthCertificate } from '../../model.js';
import type { Signer } from '../../trust/types.js';
import type { AdapterResult, Finding, FormatAdapter, Notice, VerifyContext } from '../format.js';
import { toJson } from '../cbor.js';
import { checkSignature } from '../signature.js';
import { decodeBase45 } from './base45.js';
import { parseCoseSign1, sigStructure, type CoseSign1 } from './cose.js';
import { CLAIM, decodePayloadMap, HCERT, readCwtClaims, type CwtClaims } from './cwt.js';
import { ddccType, ddccValidity, looksLikeDdcc, mapDdcc } from './ddcc.js';
import { inflateZlib } from './inflate.js';
import { HC1_PREFIX, stripPrefix } from './prefix.js';
import { checkRevocation } from './revocation.js';
import { keyUsageAllows, signerValidAt } from './signer-checks.js';
import { validateDcc } from './schema.js';
import { displayOf, toHealthCertificate } from './map.js';

/** Clock skew allowed for `iat` in the future (contract: NOT_YET_VALID). */
export const ISSUED_AT_SKEW_MS = 5 * 60 * 1000;

/** What the COSE payload carries: an EU DCC, or a WHO DDCC document (VS, TR, or by shape). */
export type Hc1Content =
  | { kind: 'EU_DCC'; claims: CwtClaims; json: unknown }
  | { kind: 'WHO_DDCC'; sub: 'VS' | 'TR' | 'auto'; claims: { iss?: string; issuedAt?: Date; expiresAt?: Date }; json: unknown };

export interface DecodedHc1 {
  cose: CoseSign1;
  content: Hc1Content;
}

/** Every decoding stage, no crypto and no clock. */
export function decodeHc1(text: string): DecodedHc1 {
  const compressed = decodeBase45(stripPrefix(text));
  const coseBytes = inflateZlib(compressed);
  const cose = parseCoseSign1(coseBytes);
  return { cose, content: readContent(decodePayloadMap(cose.payload)) };
}

function readContent(payload: Map<unknown, unknown>): Hc1Content {
  const isCwt = payload.has(CLAIM.hcert) || payload.has(CLAIM.iat);
  if (!isCwt) {
    // The WHO reference implementation signs the logical model itself, with no CWT claims.
    const json = toJson(payload);
    if (looksLikeDdcc(json)) return { kind: 'WHO_DDCC', sub: 'auto', claims: ddccValidity(json), json };
    throw new VerificationError('CWT_INVALID', 'no iat claim');
  }
  const claims = readCwtClaims(payload);
  const eu = claims.hcert?.get(HCERT.euDcc);
  if (eu instanceof Map) return { kind: 'EU_DCC', claims, json: toJson(eu) };
  for (const [label, sub] of [[HCERT.ddccVs, 'VS'], [HCERT.ddccTr, 'TR']] as const) {
    const doc = claims.hcert?.get(label);
    if (doc instanceof Map) return { kind: 'WHO_DDCC', sub, claims, json: toJson(doc) };
  }
  throw new VerificationError('CWT_INVALID', 'no health certificate under hcert claim -260');
}

/** Tries every signer with the kid (kids collide); never every key in the store. */
export function verifyHc1Signature(cose: CoseSign1, candidates: readonly Signer[]): Signer {
  if (candidates.length === 0) throw new VerificationError('KID_UNKNOWN', 'no trusted signer has this kid');
  const data = sigStructure(cose.protectedBytes, cose.payload);
  let fitting = 0;
  for (const signer of candidates) {
    const outcome = checkSignature(cose.alg, signer, data, cose.signature);
    if (outcome === 'VALID') return signer;
    if (outcome === 'INVALID') fitting++;
  }
  if (fitting === 0) throw new VerificationError('ALGORITHM_UNSUPPORTED', `${cose.alg} does not match the signer's key type`);
  throw new VerificationError('SIGNATURE_INVALID', 'signature does not verify with any candidate signer');
}

/** The certificate type as the payload declares it, for the key-usage check. */
function declaredType(dcc: unknown): CertificateType | undefined {
  if (typeof dcc !== 'object' || dcc === null) return undefined;
  const rec = dcc as Record<string, unknown>;
  const present = (k: string) => Array.isArray(rec[k]) && (rec[k] as unknown[]).length > 0;
  if (present('v')) return 'vaccination';
  if (present('t')) return 'test';
  if (present('r')) return 'recovery';
  return undefined;
}

export function checkTimes(claims: { issuedAt?: Date; expiresAt?: Date }, at: Date): { failures: Finding[]; warnings: Notice[]; checks: Check[] } {
  const failures: Finding[] = [];
  const warnings: Notice[] = [];
  const notYet = claims.issuedAt !== undefined && claims.issuedAt.getTime() > at.getTime() + ISSUED_AT_SKEW_MS;
  if (notYet) failures.push({ code: 'NOT_YET_VALID', detail: 'iat is after the checking moment' });
  let expired = false;
  if (claims.expiresAt) expired = claims.expiresAt.getTime() < at.getTime();
  else warnings.push({ code: 'NO_EXPIRY' });
  if (expired) failures.push({ code: 'EXPIRED', detail: 'exp is before the checking moment' });
  return {
    failures,
    warnings,
    checks: [
      { name: 'issuedAt', passed: !notYet, ...(notYet ? { code: 'NOT_YET_VALID' } : {}) },
      { name: 'expiry', passed: !expired, ...(expired ? { code: 'EXPIRED' } : {}) },
    ],
  };
}

type Mapped =
  | { ok: true; certificate: HealthCertificate; display: Record<string, unknown>; warnings: Notice[] }
  | { ok: false; problems: string[]; warnings: Notice[] };

function mapEu(json: unknown, claims: CwtClaims): Mapped {
  const validation = validateDcc(json);
  if (!validation.ok) return validation;
  const certificate = toHealthCertificate(validation.dcc, validation.type, {
    ...(claims.iss ? { iss: claims.iss } : {}),
    issuedAt: claims.issuedAt,
    ...(claims.expiresAt ? { expiresAt: claims.expiresAt } : {}),
  }, 'EU_DCC');
  certificate.raw = json;
  return { ok: true, certificate, display: displayOf(certificate), warnings: validation.warnings };
}

function check(name: string, ok: boolean, code: ErrorCode): Check {
  return ok ? { name, passed: true } : { name, passed: false, code };
}

export const dccAdapter: FormatAdapter = {
  format: 'EU_DCC',
  detect: (text) => text.startsWith(HC1_PREFIX),
  async verify(text: string, ctx: VerifyContext): Promise<AdapterResult> {
    const { cose, content } = decodeHc1(text);
    const kid = Buffer.from(cose.kid).toString('base64');
    let signer: Signer;
    try {
      signer = verifyHc1Signature(cose, ctx.trust.dcc(kid));
    } catch (err) {
      // The shape already told a WHO document from an EU one: the report says which it was.
      if (err instanceof VerificationError) err.format = content.kind;
      throw err;
    }
    const { claims } = content;

    const failures: Finding[] = [];
    const warnings: Notice[] = [...cose.warnings];
    const checks: Check[] = [{ name: 'signature', passed: true }];

    // A whole-payload WHO document may carry no issuance time: the signer is then checked at `at`.
    const signerOk = signerValidAt(signer, claims.issuedAt ?? ctx.at, ctx.at);
    if (!signerOk) failures.push({ code: 'SIGNER_NOT_VALID' });
    checks.push(check('signerValidity', signerOk, 'SIGNER_NOT_VALID'));

    // A WHO document is typed as mapDdcc reads it; left untyped, a tests-only signer could sign vaccinations.
    const type = content.kind === 'EU_DCC' ? declaredType(content.json) : ddccType(content.json, content.sub);
    const usageOk = type === undefined || keyUsageAllows(signer, type);
    if (!usageOk) failures.push({ code: 'KEY_USAGE_MISMATCH', detail: `signer may not sign ${type}` });
    checks.push(check('keyUsage', usageOk, 'KEY_USAGE_MISMATCH'));

    const times = checkTimes(claims, ctx.at);
    failures.push(...times.failures);
    warnings.push(...times.warnings);
    checks.push(...times.checks);
    if (claims.iss && claims.iss !== signer.country) warnings.push({ code: 'ISSUER_COUNTRY_MISMATCH' });

    const revoked = checkRevocation(ctx.trust, { kid, payload: content.json, ...(claims.iss ? { iss: claims.iss } : {}), alg: cose.alg, signature: cose.signature });
    if (revoked) failures.push({ code: 'REVOKED', detail: `listed by ${revoked.source} (${revoked.by})` });
    checks.push(check('revocation', !revoked, 'REVOKED'));

    const result: AdapterResult = {
      format: content.kind,
      signer: { kid, country: signer.country, algorithm: cose.alg, source: signer.source, ...(signer.subject ? { subject: signer.subject } : {}) },
      ...(claims.issuedAt ? { issuedAt: claims.issuedAt } : {}),
      ...(claims.expiresAt ? { expiresAt: claims.expiresAt } : {}),
      failures,
      warnings,
      checks,
    };
    const mapped = content.kind === 'EU_DCC' ? mapEu(content.json, content.claims) : mapDdcc(content.json, content.sub, claims);
    warnings.push(...mapped.warnings);
    checks.push(check('schema', mapped.ok, 'SCHEMA_INVALID'));
    if (!mapped.ok) {
      failures.push({ code: 'SCHEMA_INVALID', detail: mapped.problems.slice(0, 5).join('; ') });
      return result;
    }
    return { ...result, certificate: mapped.certificate, holder: mapped.certificate.holder, display: mapped.display };
  },
};
