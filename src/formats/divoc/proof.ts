// Linked-data proofs of the 2018 suites (w3c-ccg ld-signatures; jsonld-signatures
// LinkedDataSignature.createVerifyData): the signed bytes are
//   SHA-256(canonical proof options without `jws`) ‖ SHA-256(canonical document without `proof`)
// wrapped in a detached JWS with unencoded payload (RFC 7797: header {"alg", "b64": false,
// "crit": ["b64"]}; signing input = ASCII(base64url(header) + ".") ‖ bytes).
// Ed25519Signature2018 → EdDSA. RsaSignature2018 → PS256 (jsonld-signatures' RSA suite;
// WHO ddcc-validator verifies DIVOC RSA proofs as PS256), salt length 32 pinned.
import { constants, createHash, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { VerificationError } from '../../errors.js';
import { canonize } from './canonical.js';

export const SUITES = {
  Ed25519Signature2018: 'EdDSA',
  RsaSignature2018: 'PS256',
} as const;
export type SuiteType = keyof typeof SUITES;
export type ProofAlg = (typeof SUITES)[SuiteType];

export interface LdProof {
  type: SuiteType;
  created?: string;
  verificationMethod: string;
  proofPurpose: string;
  jws: string;
  [k: string]: unknown;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

export async function createVerifyData(credential: Record<string, unknown>, proof: Record<string, unknown>): Promise<Buffer> {
  const { jws: _jws, signatureValue: _sv, proofValue: _pv, ...options } = proof;
  const { proof: _proof, ...document } = credential;
  // The proof options are read in the document's contexts (jsonld-signatures ≥ 6).
  const c14nProof = await canonize({ '@context': credential['@context'], ...options });
  const c14nDoc = await canonize(document);
  return Buffer.concat([sha256(c14nProof), sha256(c14nDoc)]);
}

export interface DetachedJws {
  alg: string;
  encodedHeader: string;
  signature: Buffer;
}

const B64URL = /^[A-Za-z0-9_-]*$/;

export function parseDetachedJws(jws: unknown): DetachedJws {
  if (typeof jws !== 'string') throw new VerificationError('CBOR_INVALID', 'proof.jws missing');
  const parts = jws.split('.');
  if (parts.length !== 3 || parts[1] !== '' || !B64URL.test(parts[0]!) || !B64URL.test(parts[2]!)) {
    throw new VerificationError('CBOR_INVALID', 'proof.jws is not a detached JWS');
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new VerificationError('CBOR_INVALID', 'JWS header is not JSON');
  }
  // RFC 7797 §3/§6: b64 false must be listed in crit; the 2018 suites always use it.
  if (header.b64 !== false || !Array.isArray(header.crit) || !header.crit.includes('b64') || typeof header.alg !== 'string') {
    throw new VerificationError('CBOR_INVALID', 'JWS header must be {alg, b64: false, crit: ["b64"]}');
  }
  return { alg: header.alg, encodedHeader: parts[0]!, signature: Buffer.from(parts[2]!, 'base64url') };
}

function signingInput(encodedHeader: string, verifyData: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`${encodedHeader}.`, 'ascii'), verifyData]);
}

/** 'VALID' | 'INVALID' | 'WRONG_KEY' (the key cannot make this algorithm's signatures). */
export function checkJws(alg: ProofAlg, key: KeyObject, encodedHeader: string, verifyData: Uint8Array, signature: Uint8Array): 'VALID' | 'INVALID' | 'WRONG_KEY' {
  const data = signingInput(encodedHeader, verifyData);
  if (alg === 'EdDSA') {
    if (key.asymmetricKeyType !== 'ed25519') return 'WRONG_KEY';
    return cryptoVerify(null, data, key, signature) ? 'VALID' : 'INVALID';
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (key.asymmetricKeyType !== 'rsa' || bits < 2048) return 'WRONG_KEY';
  const ok = cryptoVerify('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signature);
  return ok ? 'VALID' : 'INVALID';
}

export function signJws(alg: ProofAlg, key: KeyObject, verifyData: Uint8Array): string {
  const encodedHeader = Buffer.from(JSON.stringify({ alg, b64: false, crit: ['b64'] })).toString('base64url');
  const data = signingInput(encodedHeader, verifyData);
  const signature =
    alg === 'EdDSA'
      ? cryptoSign(null, data, key)
      : cryptoSign('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
  return `${encodedHeader}..${signature.toString('base64url')}`;
}
