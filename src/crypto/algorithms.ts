// The one table of signature algorithms (jose's lib/jws_algorithms.ts is the model): for each
// name, the hash, the key it requires, how the signature is encoded and, for RSA-PSS, the salt.
// Every format and trust source verifies through `verifySignature` here, so nothing else has
// to enumerate algorithms or remember that Node accepts any PSS salt unless it is pinned.
import { constants, verify, type KeyObject } from 'node:crypto';
import type { KeyType } from '../trust/types.js';

export interface AlgorithmSpec {
  /** Node digest name, or null for EdDSA (the hash is part of the scheme). */
  hash: 'sha256' | 'sha384' | 'sha512' | null;
  /** The key type the algorithm requires (a swapped header algorithm buys an attacker nothing). */
  keyType: KeyType;
  /** Minimum RSA modulus length in bits. */
  minBits?: number;
  /** ECDSA raw r‖s length in bytes (RFC 7518 §3.4, RFC 9053 §2.1). */
  rawSignatureBytes?: number;
  /** RSASSA-PSS with MGF1 of the same hash and this salt length (RFC 8230 §2: 32 for PS256). */
  pssSalt?: number;
}

export const ALGORITHMS = {
  ES256: { hash: 'sha256', keyType: 'EC-P256', rawSignatureBytes: 64 },
  ES384: { hash: 'sha384', keyType: 'EC-P384', rawSignatureBytes: 96 },
  ES512: { hash: 'sha512', keyType: 'EC-P521', rawSignatureBytes: 132 },
  PS256: { hash: 'sha256', keyType: 'RSA', minBits: 2048, pssSalt: 32 },
  EdDSA: { hash: null, keyType: 'Ed25519' },
} as const satisfies Record<string, AlgorithmSpec>;

export type AlgorithmName = keyof typeof ALGORITHMS;

export function isAlgorithm(name: unknown): name is AlgorithmName {
  return typeof name === 'string' && Object.hasOwn(ALGORITHMS, name);
}

/** The key type and size of a public key, as the table names them. */
export function keyTypeOf(key: KeyObject): { keyType: KeyType; keyBits?: number } {
  if (key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') {
    return { keyType: 'RSA', ...(key.asymmetricKeyDetails?.modulusLength ? { keyBits: key.asymmetricKeyDetails.modulusLength } : {}) };
  }
  if (key.asymmetricKeyType === 'ed25519') return { keyType: 'Ed25519' };
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return { keyType: 'EC-P256' };
    if (curve === 'secp384r1') return { keyType: 'EC-P384' };
    if (curve === 'secp521r1') return { keyType: 'EC-P521' };
  }
  return { keyType: 'other' };
}

/** Whether a key of this type and size may verify `alg` (formats.md item 5). */
export function keyFits(alg: AlgorithmName, key: { keyType: KeyType; keyBits?: number }): boolean {
  const spec: AlgorithmSpec = ALGORITHMS[alg];
  if (key.keyType !== spec.keyType) return false;
  return spec.minBits === undefined || (key.keyBits ?? 0) >= spec.minBits;
}

export type SignatureOutcome = 'VALID' | 'INVALID' | 'KEY_MISMATCH';

export interface SignatureInput {
  alg: AlgorithmName;
  key: KeyObject;
  /** Key type and size as the trust store recorded them; read from `key` when absent. */
  keyInfo?: { keyType: KeyType; keyBits?: number };
  data: Uint8Array;
  signature: Uint8Array;
  /** ECDSA signatures are raw r‖s unless the source says DER (the GDHCN list proofs do). */
  encoding?: 'raw' | 'der';
}

/**
 * Verifies one signature. KEY_MISMATCH when the key does not fit the algorithm, INVALID when the
 * signature does not verify or is not of the length its encoding requires; never throws.
 */
export function verifySignature(input: SignatureInput): SignatureOutcome {
  const spec: AlgorithmSpec = ALGORITHMS[input.alg];
  if (!keyFits(input.alg, input.keyInfo ?? keyTypeOf(input.key))) return 'KEY_MISMATCH';
  try {
    if (spec.rawSignatureBytes !== undefined) {
      const der = input.encoding === 'der';
      if (!der && input.signature.length !== spec.rawSignatureBytes) return 'INVALID';
      return verify(spec.hash, input.data, { key: input.key, dsaEncoding: der ? 'der' : 'ieee-p1363' }, input.signature) ? 'VALID' : 'INVALID';
    }
    if (spec.pssSalt !== undefined) {
      const options = { key: input.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: spec.pssSalt };
      return verify(spec.hash, input.data, options, input.signature) ? 'VALID' : 'INVALID';
    }
    return verify(spec.hash, input.data, input.key, input.signature) ? 'VALID' : 'INVALID';
  } catch {
    return 'INVALID';
  }
}
