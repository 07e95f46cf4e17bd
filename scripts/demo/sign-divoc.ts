// Issuing DIVOC-shaped credentials, for the demo certificates and the tests: the recipe of
// jsonld-signatures 6 (what DIVOC signs with) — proof options {type, created, verificationMethod,
// proofPurpose} read in https://w3id.org/security/v2, a detached b64:false JWS made by jose —
// then the ZIP/`B64:` packaging of the QR code. Interoperability is NOT proven by this file:
// test/formats/divoc/interop.test.ts verifies credentials that jsonld-signatures itself signed.
import type { KeyObject } from 'node:crypto';
import { FlattenedSign } from 'jose';
import { createVerifyData, SUITES, type ProofAlg, type SuiteType } from '../../src/formats/divoc/proof.js';
import { zipCertificateJson } from '../../src/formats/divoc/zip.js';

export interface SignDivocOptions {
  /** proof.created; defaults to the credential's issuanceDate (no clock is read here). */
  created?: Date;
}

/** A detached RFC 7797 JWS over `verifyData` (header {alg, b64: false, crit: ["b64"]}). */
export async function signDetachedJws(alg: ProofAlg, key: KeyObject, verifyData: Uint8Array): Promise<string> {
  const jws = await new FlattenedSign(verifyData).setProtectedHeader({ alg, b64: false, crit: ['b64'] }).sign(key);
  return `${jws.protected}..${jws.signature}`;
}

/**
 * Adds a proof to `credential` (which must not have one): Ed25519Signature2018 for an Ed25519
 * key, RsaSignature2018 (PS256) for an RSA key. Returns a new object.
 */
export async function signDivocCredential(
  credential: Record<string, unknown>,
  privateKey: KeyObject,
  verificationMethod: string,
  options: SignDivocOptions = {},
): Promise<Record<string, unknown>> {
  const type: SuiteType = privateKey.asymmetricKeyType === 'ed25519' ? 'Ed25519Signature2018' : 'RsaSignature2018';
  if (type === 'RsaSignature2018' && privateKey.asymmetricKeyType !== 'rsa') throw new Error('key must be Ed25519 or RSA');
  const createdAt = options.created ?? (typeof credential.issuanceDate === 'string' ? new Date(credential.issuanceDate) : undefined);
  if (!createdAt || Number.isNaN(createdAt.getTime())) throw new Error('no created time: pass options.created or set issuanceDate');
  const { proof: _old, ...unsigned } = credential;
  const proof: Record<string, unknown> = {
    type,
    created: createdAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    verificationMethod,
    proofPurpose: 'assertionMethod',
  };
  const verifyData = await createVerifyData(unsigned, proof);
  return { ...unsigned, proof: { ...proof, jws: await signDetachedJws(SUITES[type], privateKey, verifyData) } };
}

/** The QR text of a credential: `B64:` + base64 of a ZIP holding certificate.json. */
export function divocQrText(credential: Record<string, unknown>): string {
  return `B64:${Buffer.from(zipCertificateJson(new TextEncoder().encode(JSON.stringify(credential)))).toString('base64')}`;
}
