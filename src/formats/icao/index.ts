// The ICAO VDS-NC adapter (format ICAO_VDS): JSON seal and its barcode signer certificate
// (decode) → BSC chained to a CSCA of the issuing state and ECDSA over the RFC 8785 canonical
// `data` (verifySignature) → common model. Keys come only from trust.csca(); nothing is fetched.
// The BSC's validity, the CSCA's validity when it issued the BSC (Doc 9303-12 chain model), the
// VDS-NC key usage and the CSCA's CRL are judged by the pipeline's shared checks.
import type { X509Certificate } from 'node:crypto';
import { VerificationError } from '../../errors.js';
import { isAlgorithm, verifySignature as verifyWith } from '../../crypto/algorithms.js';
import type { Signer, TrustResolver } from '../../trust/types.js';
import type { Claims, Decoded, FormatAdapter, Mapped, VerifiedSigner } from '../format.js';
import { bscKey, bscKid, findIssuingCsca, parseBsc } from './chain.js';
import { toAlpha2 } from './countries.js';
import { displayOf, mapSeal, sealIssuedAt } from './map.js';
import { detectSeal, parseSeal, VDS_ALGS, type VdsNcSeal } from './seal.js';

export { detectSeal, parseSeal, type VdsNcSeal, type VdsAlg } from './seal.js';
export { toAlpha2 } from './countries.js';
export { VDS_NC_EKU } from '../../pipeline/validate.js';

export interface DecodedSeal {
  seal: VdsNcSeal;
  bsc: X509Certificate;
}

/** CSCAs of the issuing state, asked by every code the store may list it under ("AUS", "AU"). */
export function cscaCandidates(trust: TrustResolver, issuingState: string): Signer[] {
  const codes = new Set([issuingState, toAlpha2(issuingState) ?? issuingState]);
  const seen = new Set<Signer>();
  for (const code of codes) for (const s of trust.csca(code)) seen.add(s);
  return [...seen];
}

/** ECDSA over the canonical `data`; the curve must match `sig.alg` (formats.md: swapping alg buys nothing). */
export function verifySealSignature(seal: VdsNcSeal, bsc: X509Certificate): void {
  const alg = seal.alg;
  if (!(VDS_ALGS as readonly string[]).includes(alg) || !isAlgorithm(alg)) {
    throw new VerificationError('ALGORITHM_UNSUPPORTED', `sig.alg ${alg} is not ES256/ES384/ES512`);
  }
  const { key, keyInfo } = bscKey(bsc);
  const outcome = verifyWith({ alg, key, keyInfo, data: seal.signedBytes, signature: seal.signature });
  if (outcome === 'KEY_MISMATCH') throw new VerificationError('ALGORITHM_UNSUPPORTED', `${alg} does not match the signer key`);
  if (outcome === 'INVALID') throw new VerificationError('SIGNATURE_INVALID', 'seal signature does not verify (or is not raw r‖s of its curve)');
}

export const icaoAdapter: FormatAdapter<DecodedSeal> = {
  format: 'ICAO_VDS',
  detect: detectSeal,
  decode(text: string): Decoded<DecodedSeal> {
    const seal = parseSeal(text);
    return { format: 'ICAO_VDS', data: { seal, bsc: parseBsc(seal.certificateDer) }, warnings: [] };
  },
  verifySignature({ seal, bsc }: DecodedSeal, trust: TrustResolver): VerifiedSigner {
    const csca = findIssuingCsca(bsc, cscaCandidates(trust, seal.issuingState));
    verifySealSignature(seal, bsc);
    const notBefore = new Date(bsc.validFrom);
    const issuedWithin = (!csca.notBefore || csca.notBefore <= notBefore) && (!csca.notAfter || notBefore <= csca.notAfter);
    return {
      signer: csca,
      summary: { kid: bscKid(seal.certificateDer), country: toAlpha2(csca.country) ?? csca.country, algorithm: seal.alg, source: csca.source, subject: bsc.subject.replace(/\n/g, ', ') },
      validity: { notBefore, notAfter: new Date(bsc.validTo) },
      chainValid: issuedWithin,
      // Node names the EKU list `keyUsage`; undefined without the extension.
      keyUsage: { scheme: 'vds-nc', eku: bsc.keyUsage },
    };
  },
  claims({ seal, bsc }: DecodedSeal, { signer }: VerifiedSigner): Claims {
    const issuedAt = sealIssuedAt(seal);
    // Neither seal type carries an expiry (the TR leaves validity to the verifying state).
    return {
      ...(issuedAt ? { issuedAt } : {}),
      type: seal.type === 'icao.vacc' ? 'vaccination' : 'test',
      issuerCountry: toAlpha2(seal.issuingState) ?? seal.issuingState,
      // The BSC was parsed once, at decode: its serial is what the CSCA's CRL lists.
      revocation: { kind: 'x509-crl', issuer: signer, serialNumber: bsc.serialNumber },
    };
  },
  map({ seal }: DecodedSeal): Mapped {
    const mapped = mapSeal(seal);
    return mapped.ok ? { ok: true, certificate: mapped.certificate, display: displayOf(mapped.certificate, seal) } : mapped;
  },
};
