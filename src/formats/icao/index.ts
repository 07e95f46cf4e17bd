// The ICAO VDS-NC adapter (format ICAO_VDS): JSON seal → BSC chained to the issuing state's
// CSCA → ECDSA over RFC 8785 canonical `data` → signer checks and CRL → common model.
// Keys come only from ctx.trust.csca(); nothing is fetched.
import { verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { VerificationError } from '../../errors.js';
import type { Check } from '../../model.js';
import type { Signer, TrustResolver } from '../../trust/types.js';
import type { AdapterResult, Finding, FormatAdapter, Notice, VerifyContext } from '../format.js';
import { bscKid, checkRevocation, checkSigner, findIssuingCsca, parseBsc } from './chain.js';
import { toAlpha2 } from './countries.js';
import { displayOf, mapSeal } from './map.js';
import { detectSeal, parseSeal, VDS_ALGS, type VdsAlg, type VdsNcSeal } from './seal.js';
import { VDS_HASH } from './sign.js';

export { signVdsNc, type VdsNcData } from './sign.js';
export { detectSeal, parseSeal, type VdsNcSeal, type VdsAlg } from './seal.js';
export { toAlpha2 } from './countries.js';
export { VDS_NC_EKU } from './chain.js';

/** Curve each algorithm requires (TR: the key size matches the hash). */
const CURVE: Record<VdsAlg, string> = { ES256: 'prime256v1', ES384: 'secp384r1', ES512: 'secp521r1' };
const SIG_BYTES: Record<VdsAlg, number> = { ES256: 64, ES384: 96, ES512: 132 };

/** Where CSCA CRLs (DER) come from, per alpha-2 country. */
export type CrlLookup = (country: string) => readonly Uint8Array[];

export interface IcaoAdapterOptions {
  /**
   * CRLs of the CSCAs, overriding the trust resolver's `cscaCrls(country)`; without either,
   * no CRL is checked (test doubles of TrustResolver may omit it).
   */
  crls?: CrlLookup;
}

function trustCrls(trust: TrustResolver): CrlLookup | undefined {
  return trust.cscaCrls ? (country) => trust.cscaCrls!(country) : undefined;
}

/** CSCAs of the issuing state, asked by every code the store may list it under ("AUS", "AU"). */
export function cscaCandidates(trust: TrustResolver, issuingState: string): Signer[] {
  const codes = new Set([issuingState, toAlpha2(issuingState) ?? issuingState]);
  const seen = new Set<Signer>();
  for (const code of codes) for (const s of trust.csca(code)) seen.add(s);
  return [...seen];
}

/** ECDSA over the canonical `data`; the curve must match `sig.alg` (formats.md: swapping alg buys nothing). */
export function verifySealSignature(seal: VdsNcSeal, key: KeyObject): void {
  if (!(VDS_ALGS as readonly string[]).includes(seal.alg)) {
    throw new VerificationError('ALGORITHM_UNSUPPORTED', `sig.alg ${seal.alg} is not ES256/ES384/ES512`);
  }
  const alg = seal.alg as VdsAlg;
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== CURVE[alg]) {
    throw new VerificationError('ALGORITHM_UNSUPPORTED', `${alg} does not match the signer key`);
  }
  if (seal.signature.length !== SIG_BYTES[alg]) {
    throw new VerificationError('SIGNATURE_INVALID', `signature is not ${SIG_BYTES[alg]} bytes of raw r‖s`);
  }
  const ok = cryptoVerify(VDS_HASH[alg], seal.signedBytes, { key, dsaEncoding: 'ieee-p1363' }, seal.signature);
  if (!ok) throw new VerificationError('SIGNATURE_INVALID', 'seal signature does not verify');
}

export function createIcaoAdapter(options: IcaoAdapterOptions = {}): FormatAdapter {
  return {
    format: 'ICAO_VDS',
    detect: detectSeal,
    async verify(text: string, ctx: VerifyContext): Promise<AdapterResult> {
      const seal = parseSeal(text);
      const bsc = parseBsc(seal.certificateDer);
      const csca = findIssuingCsca(bsc, cscaCandidates(ctx.trust, seal.issuingState));
      verifySealSignature(seal, bsc.publicKey);

      const failures: Finding[] = [];
      const warnings: Notice[] = [];
      const checks: Check[] = [
        { name: 'signature', passed: true },
        { name: 'signerChain', passed: true },
      ];
      const signerChecks = checkSigner(bsc, csca, ctx.at);
      failures.push(...signerChecks.failures);
      checks.push(...signerChecks.checks);

      const country = toAlpha2(seal.issuingState) ?? seal.issuingState;
      const lookup = options.crls ?? trustCrls(ctx.trust);
      if (lookup) {
        // The store files CRLs under the CRL issuer's alpha-2 C=; each is re-checked against this CSCA.
        const rev = checkRevocation(seal.certificateDer, csca, lookup(toAlpha2(csca.country) ?? csca.country), ctx.at);
        failures.push(...rev.failures);
        warnings.push(...rev.warnings);
        checks.push(...rev.checks);
      }
      if (country !== csca.country && toAlpha2(csca.country) !== country) warnings.push({ code: 'ISSUER_COUNTRY_MISMATCH' });
      // Neither seal type carries an expiry (the TR leaves validity to the verifying state).
      warnings.push({ code: 'NO_EXPIRY' });

      const mapped = mapSeal(seal);
      checks.push(mapped.ok ? { name: 'schema', passed: true } : { name: 'schema', passed: false, code: 'SCHEMA_INVALID' });
      const result: AdapterResult = {
        signer: { kid: bscKid(seal.certificateDer), country: csca.country, algorithm: seal.alg, source: csca.source, subject: bsc.subject.replace(/\n/g, ', ') },
        failures,
        warnings,
        checks,
      };
      if (!mapped.ok) {
        failures.push({ code: 'SCHEMA_INVALID', detail: mapped.problems.slice(0, 5).join('; ') });
        return result;
      }
      const certificate = mapped.certificate;
      if (certificate.issuedAt) {
        result.issuedAt = certificate.issuedAt;
        // Contract: NOT_YET_VALID when issued after `at` plus 5 minutes of skew.
        const notYet = certificate.issuedAt.getTime() > ctx.at.getTime() + 5 * 60 * 1000;
        if (notYet) failures.push({ code: 'NOT_YET_VALID', detail: 'dat.ri is after the checking moment' });
        checks.push(notYet ? { name: 'issuedAt', passed: false, code: 'NOT_YET_VALID' } : { name: 'issuedAt', passed: true });
      }
      return { ...result, certificate, holder: certificate.holder, display: displayOf(certificate, seal) };
    },
  };
}

/** The adapter with CRLs from the trust resolver (when it offers them). */
export const icaoAdapter: FormatAdapter = createIcaoAdapter();
