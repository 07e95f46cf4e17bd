// `pem`: a PEM bundle of document signer certificates, country from each subject's C=
// (contract.md "Trust lists"). Trusted because the operator placed it; each certificate is
// checked on its own and a bad one is dropped and reported.
import { kidOf, SignerError, signerFromCertificate, thumbprintOf } from '../signer.js';
import type { DroppedEntry, Signer } from '../types.js';
import { decodeUtf8Strict, errorText, pemBlocks, type SourceInput, type SourceResult, type SourceType } from './common.js';

/**
 * Certificates of a PEM text as signers. Blocks that are not certificates are reported, not
 * silently skipped: a private key in a trust bundle is an operator mistake worth seeing.
 * `country` (the sources.json member) must agree with a subject C= when both exist.
 */
export function signersFromPemBundle(
  text: string,
  source: string,
  country: string | undefined,
): { signers: Signer[]; dropped: DroppedEntry[] } {
  const blocks = pemBlocks(text);
  if (!blocks.some((b) => b.label === 'CERTIFICATE')) throw new Error('the PEM bundle holds no CERTIFICATE block');
  const signers: Signer[] = [];
  const dropped: DroppedEntry[] = [];
  const seen = new Set<string>();
  blocks.forEach(({ label, der }, index) => {
    if (label !== 'CERTIFICATE') {
      dropped.push({ code: 'NOT_A_CERTIFICATE', reason: `block ${index} is "${label}", not a CERTIFICATE` });
      return;
    }
    if (!der) {
      dropped.push({ code: 'CERT_INVALID', reason: `block ${index}: invalid base64` });
      return;
    }
    const kid = kidOf(der);
    const thumbprint = thumbprintOf(der);
    if (seen.has(thumbprint)) {
      dropped.push({ kid, code: 'DUPLICATE', reason: `block ${index}: the same certificate twice` });
      return;
    }
    let signer: Signer;
    try {
      signer = signerFromCertificate(der, { source });
    } catch (e) {
      dropped.push({ kid, code: e instanceof SignerError ? e.code : 'CERT_INVALID', reason: `block ${index}: ${errorText(e)}` });
      return;
    }
    if (country !== undefined) {
      if (signer.country !== '' && signer.country !== country) {
        dropped.push({ kid, code: 'COUNTRY_MISMATCH', reason: `block ${index}: source is ${country} but the subject says C=${signer.country}` });
        return;
      }
      signer.country = country;
    }
    seen.add(thumbprint);
    signers.push(signer);
  });
  return { signers, dropped };
}

export async function parsePemBundle(input: SourceInput): Promise<SourceResult> {
  return signersFromPemBundle(decodeUtf8Strict(input.bytes, 'PEM bundle'), input.def.id, input.def.country);
}

export const pemBundle: SourceType = { kind: 'dcc', requires: [], parse: parsePemBundle };
