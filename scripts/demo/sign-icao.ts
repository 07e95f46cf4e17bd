// Making a VDS-NC seal, for the demo certificates and the tests: ECDSA over the RFC 8785
// canonical JSON of `data`, signature as raw r‖s (the same recipe the verifier checks).
import { sign, type KeyObject } from 'node:crypto';
import { canonicalBytes, encodeBase64Url, type VdsAlg } from '../../src/formats/icao/seal.js';

export const VDS_HASH: Record<VdsAlg, string> = { ES256: 'sha256', ES384: 'sha384', ES512: 'sha512' };

/** What goes under `data`: `{hdr: {t, v: 1, is}, msg}`. */
export interface VdsNcData {
  hdr: { t: 'icao.vacc' | 'icao.test'; v: 1; is: string };
  msg: Record<string, unknown>;
}

/**
 * Signs `data` with the barcode signer's private key and returns the seal as JSON text (what
 * the QR code carries). `certDer` is the BSC certificate that holds the matching public key.
 */
export function signVdsNc(data: VdsNcData, privateKey: KeyObject, certDer: Uint8Array, alg: VdsAlg = 'ES256'): string {
  const signature = sign(VDS_HASH[alg], canonicalBytes(data), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return JSON.stringify({ data, sig: { alg, cer: encodeBase64Url(certDer), sigvl: encodeBase64Url(signature) } });
}
