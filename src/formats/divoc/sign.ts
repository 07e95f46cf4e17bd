// Issuing DIVOC-shaped credentials, for the demo certificates and the tests: the same proof
// recipe the verifier checks, then the ZIP/`B64:` packaging of the QR code.
import type { KeyObject } from 'node:crypto';
import { createVerifyData, signJws, SUITES, type SuiteType } from './proof.js';
import { zipCertificateJson } from './zip.js';

export interface SignDivocOptions {
  /** proof.created; defaults to the credential's issuanceDate (no clock is read here). */
  created?: Date;
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
  return { ...unsigned, proof: { ...proof, jws: signJws(SUITES[type], privateKey, verifyData) } };
}

/** The QR text of a credential: `B64:` + base64 of a ZIP holding certificate.json. */
export function divocQrText(credential: Record<string, unknown>): string {
  return `B64:${Buffer.from(zipCertificateJson(new TextEncoder().encode(JSON.stringify(credential)))).toString('base64')}`;
}
