// The SMART Health Cards adapter (format SHC): `shc:/` numeric QR → compact JWS → raw DEFLATE
// claims (decode) → ES256 with the issuer key from the trust store (verifySignature) → FHIR
// bundle mapped to the common model. Keys come only from trust.shc(iss, kid): the card's `iss`
// URL is never fetched (security.md §2.10 H-3; the Quebec incident). Revocation is by `vc.rid`
// on the issuer key's CRL, which the trust store loads with the keys.
import { VerificationError } from '../../errors.js';
import type { TrustResolver } from '../../trust/types.js';
import type { Claims, Decoded, FormatAdapter, Mapped, VerifiedSigner } from '../format.js';
import { verifySignature } from '../../crypto/algorithms.js';
import { decodeJws, type DecodedJws } from './jws.js';
import { mapShc } from './map.js';
import { hasShcPrefix, qrToJws } from './numeric.js';

export { assembleChunks, decodeNumeric, encodeNumeric, jwsToQrTexts, qrToJws, hasShcPrefix } from './numeric.js';
export { decodeJws, type DecodedJws, type ShcClaims, type ShcHeader } from './jws.js';
export { mapShc, productOf, type ShcMapOutcome } from './map.js';

/**
 * The signer whose key verifies the JWS. KID_UNKNOWN when the store has no key for this
 * issuer and kid; ALGORITHM_UNSUPPORTED when no candidate is a P-256 key; SIGNATURE_INVALID
 * otherwise (a DER signature is not 64 bytes of raw r‖s and fails, RFC 7518 §3.4).
 *
 * decodeJws has already held the header to the SHC profile (alg ES256, no `crit`, no `b64`),
 * so what is left is RFC 7515 §5.2's check: the signature over the ASCII of `header.payload`,
 * made with node:crypto through the one algorithm table (as the DIVOC proofs are) rather than
 * jose's WebCrypto path, which hopped to libuv's thread pool for every card (issue 12).
 */
function verifyShcSignature(jws: DecodedJws, trust: TrustResolver): VerifiedSigner {
  const candidates = trust.shc(jws.claims.iss, jws.header.kid);
  if (candidates.length === 0) throw new VerificationError('KID_UNKNOWN', 'no trusted SMART Health Card issuer key for this iss and kid');
  const signingInput = Buffer.from(jws.compact.slice(0, jws.compact.lastIndexOf('.')), 'latin1');
  let fitting = false;
  for (const signer of candidates) {
    const outcome = verifySignature({ alg: 'ES256', key: signer.publicKey, keyInfo: signer, data: signingInput, signature: jws.signature });
    if (outcome === 'KEY_MISMATCH') continue;
    fitting = true;
    if (outcome !== 'VALID') continue; // the next candidate with this kid, if any
    const verified: VerifiedSigner = {
      signer,
      summary: { kid: jws.header.kid, country: signer.country, algorithm: 'ES256', source: signer.source },
      keyUsage: { scheme: 'none' },
    };
    // SHC keys rarely carry a validity period; when the store knows one (x5c), it is checked.
    if (signer.notBefore !== undefined || signer.notAfter !== undefined) {
      const validity: NonNullable<VerifiedSigner['validity']> = {};
      if (signer.notBefore) validity.notBefore = signer.notBefore;
      if (signer.notAfter) validity.notAfter = signer.notAfter;
      verified.validity = validity;
    }
    return verified;
  }
  if (!fitting) throw new VerificationError('ALGORITHM_UNSUPPORTED', 'ES256 does not match the issuer key type');
  throw new VerificationError('SIGNATURE_INVALID', jws.signature.length === 64 ? 'JWS signature does not verify' : 'JWS signature is not 64 bytes of raw r‖s');
}

export const shcAdapter: FormatAdapter<DecodedJws> = {
  format: 'SHC',
  detect: hasShcPrefix,
  decode(text: string): Decoded<DecodedJws> {
    const jws = decodeJws(qrToJws(text));
    return { format: 'SHC', data: jws, warnings: jws.warnings };
  },
  verifySignature: verifyShcSignature,
  claims(jws: DecodedJws): Claims {
    const { claims } = jws;
    return {
      // SHC spec: nbf is the issuance time.
      issuedAt: new Date(claims.nbf * 1000),
      ...(claims.exp !== undefined ? { expiresAt: new Date(claims.exp * 1000) } : {}),
      revocation: { kind: 'shc-rid', iss: claims.iss, kid: jws.header.kid, ...(claims.rid !== undefined ? { rid: claims.rid } : {}), nbf: claims.nbf },
    };
  },
  map(jws: DecodedJws, { signer }: VerifiedSigner): Mapped {
    return mapShc({
      claims: jws.claims,
      payload: jws.payload,
      ...(signer.country ? { issuerCountry: signer.country } : {}),
      ...(signer.subject ? { issuerName: signer.subject } : {}),
    });
  },
};
