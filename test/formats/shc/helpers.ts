// Shared by the SHC tests: where the vectors live, a TrustResolver built from JWKS files with
// the project's own jwks loader, and a signing key of our own for re-signed payload vectors.
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseJwks } from '../../../src/trust/sources/jwks.js';
import type { Signer, TrustResolver } from '../../../src/trust/types.js';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
export const SHC_VECTORS = path.resolve(repoRoot, '../shared/vectors/smart-health-cards');
export const SPEC_DIR = path.join(SHC_VECTORS, 'spec-examples/examples');
export const DEV_DIR = path.join(SHC_VECTORS, 'dev-tools-testdata/testdata');
export const VCI_ISSUERS = path.resolve(repoRoot, '../shared/vectors/trust-lists/vci/vci-issuers.json');
export const vectorsPresent = existsSync(SPEC_DIR) && existsSync(DEV_DIR);
if (!vectorsPresent) console.warn(`SMART Health Card vectors not found at ${SHC_VECTORS}: SHC vector tests are SKIPPED`);

export const SPEC_ISS = 'https://spec.smarthealth.cards/examples/issuer';

/** Signers of one issuer JWKS, through the real `jwks` source parser (drops keys that break SHC rules). */
export async function jwksSigners(iss: string, file: string, id = 'test-jwks'): Promise<Signer[]> {
  const result = await parseJwks({ def: { id, type: 'jwks', iss, file: 'jwks.json' }, bytes: readFileSync(file), origin: 'file' });
  return result.signers;
}

/** A TrustResolver that answers only `shc(iss, kid)`, by exact iss and kid. */
export function shcResolver(signers: readonly Signer[]): TrustResolver {
  return {
    shc: (iss, kid) => signers.filter((s) => s.iss === iss && s.kid === kid),
    dcc: () => [],
    csca: () => [],
    divoc: () => [],
    revocation: () => ({ data: false }),
    sourceStale: () => false,
  };
}

/** RFC 7638 §3.2 thumbprint of an EC key, computed here (not by the code under test). */
export function jwkThumbprint(jwk: { crv: string; kty: string; x: string; y: string }): string {
  return createHash('sha256').update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y })).digest('base64url');
}

export interface TestIssuerKey {
  privateKey: KeyObject;
  kid: string;
  signer: Signer;
}

/** A P-256 key of our own, registered as a key of `iss` (country for the signer summary). */
export function makeIssuerKey(iss = SPEC_ISS, country = 'US'): TestIssuerKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' }) as { crv: string; kty: string; x: string; y: string };
  const kid = jwkThumbprint(jwk);
  return { privateKey, kid, signer: { kid, country, source: 'test-key', publicKey, keyType: 'EC-P256', iss } };
}

export function read(file: string): string {
  return readFileSync(file, 'utf8');
}
