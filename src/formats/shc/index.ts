// The SMART Health Cards adapter (format SHC): `shc:/` numeric QR → compact JWS → raw DEFLATE
// claims → ES256 with the issuer key from the trust store → time and revocation checks →
// FHIR bundle mapped to the common model. Keys come only from ctx.trust.shc(iss, kid): the
// card's `iss` URL is never fetched (security.md §2.10 H-3; the Quebec incident).
import { VerificationError } from '../../errors.js';
import type { Check } from '../../model.js';
import type { Signer, TrustResolver } from '../../trust/types.js';
import type { AdapterResult, Finding, FormatAdapter, Notice, VerifyContext } from '../format.js';
import { compactVerify } from 'jose';
import { keyFits } from '../signature.js';
import { isRevoked, type ShcCrl, type ShcCrlLookup } from './crl.js';
import { decodeJws, type DecodedJws } from './jws.js';
import { mapShc } from './map.js';
import { hasShcPrefix, qrToJws } from './numeric.js';

export { assembleChunks, decodeNumeric, encodeNumeric, jwsToQrTexts, qrToJws, hasShcPrefix } from './numeric.js';
export { decodeJws, inflateRaw, type DecodedJws, type ShcClaims, type ShcHeader } from './jws.js';
export { parseShcCrl, isRevoked, type ShcCrl, type ShcCrlLookup } from './crl.js';
export { mapShc, productOf, type ShcMapOutcome } from './map.js';
export { signShcJws, signShcQr, type ShcSignOptions } from './sign.js';

/** Contract: NOT_YET_VALID when issued after `at` plus 5 minutes of clock skew. */
export const CLOCK_SKEW_MS = 5 * 60 * 1000;

export interface ShcAdapterOptions {
  /**
   * CRLs of issuer keys. When absent, the adapter asks the trust resolver for an optional
   * `shcCrl(iss, kid)` method (not yet in TrustResolver); without either, no CRL is checked.
   */
  crls?: ShcCrlLookup;
}

function trustCrls(trust: TrustResolver): ShcCrlLookup | undefined {
  const fn = (trust as TrustResolver & { shcCrl?: ShcCrlLookup }).shcCrl;
  return typeof fn === 'function' ? (iss, kid) => fn.call(trust, iss, kid) : undefined;
}

/**
 * The one signer whose key verifies the JWS. KID_UNKNOWN when the store has no key for this
 * issuer and kid; ALGORITHM_UNSUPPORTED when no candidate is a P-256 key; SIGNATURE_INVALID
 * otherwise (a DER signature is not 64 bytes of raw r‖s and fails, RFC 7518 §3.4).
 */
export async function findSigner(jws: DecodedJws, trust: TrustResolver): Promise<Signer> {
  const candidates = trust.shc(jws.claims.iss, jws.header.kid);
  if (candidates.length === 0) throw new VerificationError('KID_UNKNOWN', 'no trusted SMART Health Card issuer key for this iss and kid');
  let fitting = false;
  for (const signer of candidates) {
    if (!keyFits('ES256', signer)) continue;
    fitting = true;
    try {
      // jose checks the JWS itself (alg allow-list, crit, raw r‖s ECDSA; RFC 7515/7518).
      await compactVerify(jws.compact, signer.publicKey, { algorithms: ['ES256'] });
      return signer;
    } catch {
      // the next candidate with this kid, if any
    }
  }
  if (!fitting) throw new VerificationError('ALGORITHM_UNSUPPORTED', 'ES256 does not match the issuer key type');
  throw new VerificationError('SIGNATURE_INVALID', jws.signature.length === 64 ? 'JWS signature does not verify' : 'JWS signature is not 64 bytes of raw r‖s');
}

function timeChecks(jws: DecodedJws, signer: Signer, at: Date, failures: Finding[], warnings: Notice[], checks: Check[]): void {
  const issuedMs = jws.claims.nbf * 1000;
  const notYet = issuedMs > at.getTime() + CLOCK_SKEW_MS;
  if (notYet) failures.push({ code: 'NOT_YET_VALID', detail: 'nbf is after the checking moment' });
  checks.push(notYet ? { name: 'notBefore', passed: false, code: 'NOT_YET_VALID' } : { name: 'notBefore', passed: true });
  if (jws.claims.exp === undefined) {
    warnings.push({ code: 'NO_EXPIRY' });
  } else {
    // Contract: EXPIRED when expiry is before `at`, no skew.
    const expired = jws.claims.exp * 1000 < at.getTime();
    if (expired) failures.push({ code: 'EXPIRED', detail: 'exp is before the checking moment' });
    checks.push(expired ? { name: 'expiry', passed: false, code: 'EXPIRED' } : { name: 'expiry', passed: true });
  }
  // SHC keys rarely carry a validity period; when the store knows one (x5c), issuance and `at` must fall in it.
  const outside = (t: number): boolean =>
    (signer.notBefore !== undefined && t < signer.notBefore.getTime()) || (signer.notAfter !== undefined && t > signer.notAfter.getTime());
  if (signer.notBefore !== undefined || signer.notAfter !== undefined) {
    const bad = outside(issuedMs) || outside(at.getTime());
    if (bad) failures.push({ code: 'SIGNER_NOT_VALID', detail: 'the issuer key was not valid at issuance or at the checking moment' });
    checks.push(bad ? { name: 'signerValidity', passed: false, code: 'SIGNER_NOT_VALID' } : { name: 'signerValidity', passed: true });
  }
}

function revocationCheck(jws: DecodedJws, crl: ShcCrl | undefined, failures: Finding[], checks: Check[]): void {
  if (!crl) return;
  const rid = jws.claims.rid;
  const revoked = rid !== undefined && isRevoked(crl, rid, jws.claims.nbf);
  if (revoked) failures.push({ code: 'REVOKED', detail: 'vc.rid is on the issuer key CRL' });
  checks.push(revoked ? { name: 'revocation', passed: false, code: 'REVOKED' } : { name: 'revocation', passed: true });
}

export function createShcAdapter(options: ShcAdapterOptions = {}): FormatAdapter {
  return {
    format: 'SHC',
    detect: hasShcPrefix,
    async verify(text: string, ctx: VerifyContext): Promise<AdapterResult> {
      const jws = decodeJws(qrToJws(text));
      const signer = await findSigner(jws, ctx.trust);

      const failures: Finding[] = [];
      const warnings: Notice[] = [...jws.warnings];
      const checks: Check[] = [{ name: 'signature', passed: true }];
      timeChecks(jws, signer, ctx.at, failures, warnings, checks);
      const lookup = options.crls ?? trustCrls(ctx.trust);
      revocationCheck(jws, lookup?.(jws.claims.iss, jws.header.kid), failures, checks);

      const mapped = mapShc({
        claims: jws.claims,
        payload: jws.payload,
        ...(signer.country ? { issuerCountry: signer.country } : {}),
        ...(signer.subject ? { issuerName: signer.subject } : {}),
      });
      checks.push(mapped.ok ? { name: 'schema', passed: true } : { name: 'schema', passed: false, code: 'SCHEMA_INVALID' });
      const result: AdapterResult = {
        signer: { kid: jws.header.kid, country: signer.country, algorithm: 'ES256', source: signer.source },
        issuedAt: new Date(jws.claims.nbf * 1000),
        failures,
        warnings,
        checks,
      };
      if (jws.claims.exp !== undefined) result.expiresAt = new Date(jws.claims.exp * 1000);
      if (!mapped.ok) {
        failures.push({ code: 'SCHEMA_INVALID', detail: mapped.problems.slice(0, 5).join('; ') });
        if (mapped.holder && Object.keys(mapped.holder).length > 0) result.holder = mapped.holder;
        return result;
      }
      return { ...result, certificate: mapped.certificate, holder: mapped.certificate.holder, display: mapped.display };
    },
  };
}

/** The adapter with CRLs from the trust resolver (when it offers them). */
export const shcAdapter: FormatAdapter = createShcAdapter();
