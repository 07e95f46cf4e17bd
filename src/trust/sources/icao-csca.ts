// `icao-csca`: a PEM bundle of country signing CAs for ICAO VDS-NC seals, with optional CRLs
// (contract.md "Trust lists"; anchors-mission.md §2.5 (j)). A CSCA must be a CA (security.md
// D-7). A CRL is kept only when it is signed by a CSCA of this bundle whose subject is the CRL's
// issuer (RFC 5280 §6.3.3 (f)); the ICAO adapter re-checks it against the CSCA it chains to.
import { constants, verify } from 'node:crypto';
import { normalizeSerial, parseCertificate } from '../signer.js';
import type { DroppedEntry, Signer } from '../types.js';
import { BasicConstraintsExtension, X509Crl } from '../x509.js';
import {
  decodeUtf8Strict,
  derChildren,
  derContent,
  errorText,
  pemBlocks,
  type SourceInput,
  type SourceResult,
  type SourceType,
} from './common.js';
import { signersFromPemBundle } from './pem.js';

const HASHES: Record<string, string> = { 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };

/**
 * Whether `csca` signed the DER CRL. node:crypto over the exact tbsCertList bytes: the
 * @peculiar/x509 WebCrypto path refused the real Japanese P-384/SHA-384 CRL that OpenSSL
 * verifies (vectors icao-vds-nc/apo-android/crl-JP).
 */
export function crlSignedBy(crlDer: Uint8Array, crl: InstanceType<typeof X509Crl>, csca: Signer): boolean {
  const [tbs, , sigBits] = derChildren(crlDer);
  if (!tbs || !sigBits || sigBits[0] !== 0x03) return false;
  const bits = derContent(sigBits);
  if (bits[0] !== 0) return false; // unused-bits count must be 0 for a signature
  const signature = bits.subarray(1);
  const alg = crl.signatureAlgorithm as { name: string; hash?: { name: string }; saltLength?: number };
  const hash = HASHES[alg.hash?.name ?? ''];
  if (!hash) return false;
  try {
    if (alg.name === 'ECDSA' || alg.name === 'RSASSA-PKCS1-v1_5') return verify(hash, tbs, csca.publicKey, signature);
    if (alg.name === 'RSA-PSS') {
      return verify(
        hash,
        tbs,
        { key: csca.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: alg.saltLength ?? constants.RSA_PSS_SALTLEN_AUTO },
        signature,
      );
    }
  } catch {
    return false;
  }
  return false;
}

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
      const list = crls.get(issuer.country) ?? [];
      list.push(Uint8Array.from(der));
      crls.set(issuer.country, list);
    }
  }
  return { signers, dropped, crls };
}

/** Revoked serials of a DER CRL, normalised (signer.ts normalizeSerial), for callers that want a set. */
export function revokedSerials(crlDer: Uint8Array): Set<string> {
  return new Set(new X509Crl(Uint8Array.from(crlDer)).entries.map((e) => normalizeSerial(e.serialNumber)));
}

export const icaoCsca: SourceType = { kind: 'csca', requires: [], parse: parseIcaoCsca };
