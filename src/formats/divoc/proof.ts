// Linked-data proofs of the 2018 suites as DIVOC issues them (jsonld-signatures 6 with crypto-ld
// 3, egovernments/DIVOC backend/certificate_signer): the verify data and the detached JWS are the
// shared src/jsonld/ld-proof.ts; this file pins what is DIVOC's — the two suites, their JWS
// algorithms, and that proof options are read in https://w3id.org/security/v2 (jsonld-signatures
// ≤ 6 LinkedDataSignature.createProof sets `'@context': SECURITY_CONTEXT_URL` on the proof
// options before canonicalising them; NOT the credential's @context).
// Ed25519Signature2018 → EdDSA. RsaSignature2018 → PS256 (crypto-ld RSAKeyPair signs RSASSA-PSS
// with SHA-256 and a 32-byte salt; WHO ddcc-validator verifies DIVOC RSA proofs as PS256).
import type { KeyObject } from 'node:crypto';
import { VerificationError } from '../../errors.js';
import { JsonLdRefused } from '../../jsonld/pinned.js';
import { createVerifyData as ldVerifyData, LdProofError, parseDetachedJws as ldParseJws, verifyDetachedJws, type DetachedJws } from '../../jsonld/ld-proof.js';
import { DIVOC_CONTEXTS, refusalVerdict } from './canonical.js';
import { SECURITY_V2 } from './contexts/index.js';

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

/**
 * The bytes a DIVOC proof signs. Throws VerificationError for what the credential did wrong,
 * VerificationFault when the JSON-LD processor failed.
 */
export async function createVerifyData(credential: Record<string, unknown>, proof: Record<string, unknown>): Promise<Buffer> {
  try {
    return await ldVerifyData(credential, proof, { contexts: DIVOC_CONTEXTS, proofContext: SECURITY_V2 });
  } catch (err) {
    throw err instanceof JsonLdRefused ? refusalVerdict(err) : err;
  }
}

export type { DetachedJws };

export function parseDetachedJws(jws: unknown): DetachedJws {
  try {
    return ldParseJws(jws);
  } catch (err) {
    if (err instanceof LdProofError) throw new VerificationError('CBOR_INVALID', err.detail);
    throw err;
  }
}

/** 'VALID' | 'INVALID' | 'WRONG_KEY' (the key cannot make this algorithm's signatures). */
export function checkJws(alg: ProofAlg, key: KeyObject, jws: DetachedJws, verifyData: Uint8Array): Promise<'VALID' | 'INVALID' | 'WRONG_KEY'> {
  return verifyDetachedJws(jws, verifyData, key, { algorithm: alg });
}
