// `icao-csca`: a PEM bundle of country signing CAs for ICAO VDS-NC seals, with optional CRLs
// (contract.md "Trust lists"; anchors-mission.md §2.5 (j)). A CSCA must be a CA (security.md
// D-7). A CRL is kept only when it is signed by a CSCA of this bundle whose subject is the CRL's
// issuer (RFC 5280 §6.3.3 (f)), and filed under that CSCA (trust/crl.ts looks it up).
import { crlSignedBy } from '../crl.js';
import { normalizeSerial, parseCertificate } from '../signer.js';
import type { DroppedEntry, Signer } from '../types.js';
import { BasicConstraintsExtension, X509Crl } from '../x509.js';
import {
  decodeUtf8Strict,
  errorText,
  pemBlocks,
  type SourceInput,
  type SourceResult,
  type SourceType,
} from './common.js';
import { signersFromPemBundle } from './pem.js';

/** The DER CRLs inside one crl file: PEM `X509 CRL` blocks, or the whole file as DER. */
function crlDers(name: string, bytes: Uint8Array, dropped: DroppedEntry[]): Uint8Array[] {
  const head = Buffer.from(bytes.subarray(0, 64)).toString('latin1');
  if (!head.includes('-----BEGIN')) return [bytes];
  const out: Uint8Array[] = [];
  for (const { label, der } of pemBlocks(decodeUtf8Strict(bytes, name))) {
    if (label !== 'X509 CRL' || !der) dropped.push({ code: 'CRL_INVALID', reason: `${name}: a "${label}" block that is not a valid X509 CRL` });
    else out.push(der);
  }
  return out;
}

export async function parseIcaoCsca(input: SourceInput): Promise<SourceResult> {
  const bundle = signersFromPemBundle(decodeUtf8Strict(input.bytes, 'CSCA bundle'), input.def.id, input.def.country);
  const signers: Signer[] = [];
  const dropped = bundle.dropped;
  for (const s of bundle.signers) {
    const cert = parseCertificate(s.certificateDer!);
    if (cert.getExtension(BasicConstraintsExtension)?.ca !== true) {
      dropped.push({ kid: s.kid, code: 'NOT_CA', reason: `${s.subject ?? 'certificate'} is not a CA (basicConstraints cA)` });
      continue;
    }
    signers.push(s);
  }
  const crls = new Map<string, Uint8Array[]>();
  for (const file of input.crls ?? []) {
    for (const der of crlDers(file.name, file.bytes, dropped)) {
      let crl: InstanceType<typeof X509Crl>;
      try {
        crl = new X509Crl(Uint8Array.from(der));
      } catch (e) {
        dropped.push({ code: 'CRL_INVALID', reason: `${file.name}: unparseable CRL: ${errorText(e)}` });
        continue;
      }
      const issuer = signers.find((s) => s.subject === crl.issuer && crlSignedBy(der, crl, s));
      if (!issuer) {
        dropped.push({ code: 'CRL_UNVERIFIED', reason: `${file.name}: no CSCA of this source named ${crl.issuer} signed it` });
        continue;
      }
      // Filed under the CSCA that signed it: verification asks for the CRLs of the CSCA a BSC
      // chains to, so a CRL of another CSCA of the same country can neither revoke nor clear it.
      const list = crls.get(issuer.kid) ?? [];
      list.push(Uint8Array.from(der));
      crls.set(issuer.kid, list);
    }
  }
  return { signers, dropped, crls };
}

/** Revoked serials of a DER CRL, normalised (signer.ts normalizeSerial), for callers that want a set. */
export function revokedSerials(crlDer: Uint8Array): Set<string> {
  return new Set(new X509Crl(Uint8Array.from(crlDer)).entries.map((e) => normalizeSerial(e.serialNumber)));
}

export const icaoCsca: SourceType = { kind: 'csca', requires: [], parse: parseIcaoCsca };
