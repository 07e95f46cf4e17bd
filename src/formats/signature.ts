// Signature checks with the key type and size each algorithm requires (formats.md item 5).
// An algorithm that does not fit the signer's key is its own outcome, so a swapped header
// algorithm buys an attacker nothing and the report can say why.
import { constants, verify } from 'node:crypto';
import type { Signer } from '../trust/types.js';

export type SignatureAlg = 'ES256' | 'PS256';
export type SignatureOutcome = 'VALID' | 'INVALID' | 'KEY_MISMATCH';

export function keyFits(alg: SignatureAlg, signer: Signer): boolean {
  if (alg === 'ES256') return signer.keyType === 'EC-P256';
  return signer.keyType === 'RSA' && (signer.keyBits ?? 0) >= 2048;
}

export function checkSignature(alg: SignatureAlg, signer: Signer, data: Uint8Array, signature: Uint8Array): SignatureOutcome {
  if (!keyFits(alg, signer)) return 'KEY_MISMATCH';
  try {
    if (alg === 'ES256') {
      // COSE and JWS carry raw r‖s (RFC 9053 §2.1); a DER signature is not acceptable.
      if (signature.length !== 64) return 'INVALID';
      return verify('sha256', data, { key: signer.publicKey, dsaEncoding: 'ieee-p1363' }, signature) ? 'VALID' : 'INVALID';
    }
    // PS256: RSASSA-PSS, SHA-256, MGF1-SHA-256, salt 32 (RFC 8230 §2). Node accepts any salt unless pinned.
    return verify(
      'sha256',
      data,
      { key: signer.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
      signature,
    )
      ? 'VALID'
      : 'INVALID';
  } catch {
    return 'INVALID';
  }
}
