// Linked-data proofs with a detached JWS (w3c-ccg ld-signatures; jsonld-signatures'
// JwsLinkedDataSignature): the one verifier shared by DIVOC credentials (RsaSignature2018,
// Ed25519Signature2018) and the WHO GDHCN DID trust list (JsonWebSignature2020).
//
// The signed bytes ("verify data", jsonld-signatures LinkedDataSignature.createVerifyData) are
//   SHA-256(URDNA2015(proof options)) ‖ SHA-256(URDNA2015(document without `proof`))
// where the proof options are the proof without jws/proofValue/signatureValue, read in the SUITE's
// context, not the document's: the 2018 suites of jsonld-signatures ≤ 6 (what DIVOC signs with)
// canonicalise `{'@context': 'https://w3id.org/security/v2', ...options}`; JsonWebSignature2020
// uses security v3. The JWS is RFC 7797 unencoded and detached: header {alg, b64: false,
// crit: ["b64"]}, signing input = ASCII(base64url(header) + ".") ‖ verify data.
//
// API
//   canonicalHash(doc, contexts)                    SHA-256 of the canonical N-Quads.
//   createVerifyData(document, proof, {contexts, proofContext})
//                                                   the verify data above (throws what
//                                                   PinnedContexts.canonize throws).
//   parseDetachedJws(jws)                           {alg, encodedHeader, signature} or LdProofError
//                                                   ('JWS_MALFORMED'): three parts, empty payload,
//                                                   header {alg, b64: false, crit ⊇ ["b64"]}.
//   verifyDetachedJws(jws, verifyData, key, {algorithm, signatureEncoding})
//                                                   'VALID' | 'INVALID' | 'WRONG_KEY' (the key
//                                                   cannot make this algorithm's signatures); a
//                                                   header alg other than `algorithm` is INVALID
//                                                   (callers check suite ↔ alg first for a clearer code).
//     EdDSA (Ed25519Signature2018), PS256 (RsaSignature2018; jsonld-signatures/crypto-ld sign
//     RSASSA-PSS with a 32-byte salt, which is jose's PS256), ES256 with raw r‖s and ES256 with a
//     DER signature (the WHO GDHCN signer is Java SHA256withECDSA; encoding pinned by the caller,
//     never guessed) are all checked by the one algorithm table (src/crypto/algorithms.ts) with
//     node:crypto. jose's flattenedVerify did the same check through WebCrypto: 29 against 112 µs
//     for a CoWIN RSA proof, 112 against 176 µs for an Ed25519 one (measured, issue 12), and a
//     hop to libuv's thread pool and back inside every DIVOC verification. What jose checked
//     besides the signature is checked here: the header (parseDetachedJws: b64 false, and no
//     critical extension but b64, RFC 7515 §4.1.11), the algorithm, the key (keyFits) and the
//     signature's encoding (the table).
import { createHash, type KeyObject } from 'node:crypto';
import type { PinnedContexts } from './pinned.js';
import { keyFits, keyTypeOf, verifySignature } from '../crypto/algorithms.js';

export type LdProofAlg = 'EdDSA' | 'PS256' | 'ES256';

export class LdProofError extends Error {
  override readonly name = 'LdProofError';
  constructor(
    readonly reason: 'JWS_MALFORMED',
    readonly detail: string,
  ) {
    super(`${reason}: ${detail}`);
  }
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

export async function canonicalHash(doc: object, contexts: PinnedContexts): Promise<Buffer> {
  return sha256(await contexts.canonize(doc));
}

export interface VerifyDataOptions {
  contexts: PinnedContexts;
  /** The context the proof options are read in (the suite's): security v2 for the 2018 suites. */
  proofContext: string | readonly string[];
}

export async function createVerifyData(document: Record<string, unknown>, proof: Record<string, unknown>, opts: VerifyDataOptions): Promise<Buffer> {
  const { jws: _jws, signatureValue: _sv, proofValue: _pv, ...options } = proof;
  const { proof: _proof, ...unsigned } = document;
  // A proof's own @context (none in DIVOC or GDHCN) overrides, as in jsonld-signatures ProofSet.
  const proofHash = await canonicalHash({ '@context': opts.proofContext, ...options }, opts.contexts);
  const documentHash = await canonicalHash(unsigned, opts.contexts);
  return Buffer.concat([proofHash, documentHash]);
}

export interface DetachedJws {
  alg: string;
  encodedHeader: string;
  /** base64url, as in the JWS. */
  encodedSignature: string;
}

const B64URL = /^[A-Za-z0-9_-]*$/;

export function parseDetachedJws(jws: unknown): DetachedJws {
  if (typeof jws !== 'string') throw new LdProofError('JWS_MALFORMED', 'proof.jws missing');
  const parts = jws.split('.');
  if (parts.length !== 3 || parts[1] !== '' || !B64URL.test(parts[0]!) || !B64URL.test(parts[2]!) || parts[2]!.length === 0) {
    throw new LdProofError('JWS_MALFORMED', 'proof.jws is not a detached JWS');
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new LdProofError('JWS_MALFORMED', 'JWS header is not JSON');
  }
  // RFC 7797 §3/§6: b64 false must be listed in crit; every LD-proof suite here uses it.
  if (typeof header !== 'object' || header === null || header.b64 !== false || !Array.isArray(header.crit) || !header.crit.includes('b64') || typeof header.alg !== 'string') {
    throw new LdProofError('JWS_MALFORMED', 'JWS header must be {alg, b64: false, crit: ["b64"]}');
  }
  // RFC 7515 §4.1.11: a critical extension the recipient does not understand makes the JWS invalid.
  if (!header.crit.every((name) => name === 'b64')) throw new LdProofError('JWS_MALFORMED', 'JWS header lists a critical extension other than b64');
  return { alg: header.alg, encodedHeader: parts[0]!, encodedSignature: parts[2]! };
}

export interface VerifyJwsOptions {
  algorithm: LdProofAlg;
  /** ES256 only: 'der' for signers that write an ASN.1 ECDSA-Sig-Value. Default 'raw' (JWS, RFC 7518 §3.4). */
  signatureEncoding?: 'raw' | 'der';
}

export async function verifyDetachedJws(jws: DetachedJws, verifyData: Uint8Array, key: KeyObject, opts: VerifyJwsOptions): Promise<'VALID' | 'INVALID' | 'WRONG_KEY'> {
  if (jws.alg !== opts.algorithm) return 'INVALID';
  // The one algorithm table says which keys may make this algorithm's signatures.
  if (key.type !== 'public' || !keyFits(opts.algorithm, keyTypeOf(key))) return 'WRONG_KEY';
  // RFC 7797 §3: the signing input is ASCII(BASE64URL(header) || '.') || the payload, unencoded.
  const data = Buffer.concat([Buffer.from(`${jws.encodedHeader}.`, 'ascii'), verifyData]);
  const signature = Buffer.from(jws.encodedSignature, 'base64url');
  const outcome = verifySignature({ alg: opts.algorithm, key, data, signature, encoding: opts.signatureEncoding === 'der' ? 'der' : 'raw' });
  return outcome === 'VALID' ? 'VALID' : 'INVALID';
}
