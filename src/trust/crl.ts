// The one X.509 CRL verifier and lookup (RFC 5280 §5, §6.3). A CRL is verified once, when its
// list loads (trust/sources/icao-csca.ts files it under the kid of the CSCA that signed it);
// verification then only looks a serial up in an index built once per CRL and kept as long as
// the snapshot holds the CRL's bytes. So a stray CRL can neither revoke nor clear anything, and
// no CRL signature is re-checked per certificate.
import { constants, verify } from 'node:crypto';
import { normalizeSerial } from './signer.js';
import { derChildren, derContent } from './sources/common.js';
import type { RevocationVerdict, Signer } from './types.js';
import { X509Crl } from './x509.js';

const HASHES: Record<string, string> = { 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };

/**
 * Whether `issuer` signed the DER CRL. node:crypto over the exact tbsCertList bytes: the
 * @peculiar/x509 WebCrypto path refused the real Japanese P-384/SHA-384 CRL that OpenSSL
 * verifies (vectors icao-vds-nc/apo-android/crl-JP), and CSCAs with explicit EC parameters
 * cannot be imported into WebCrypto at all.
 */
export function crlSignedBy(crlDer: Uint8Array, crl: InstanceType<typeof X509Crl>, issuer: Signer): boolean {
  const [tbs, , sigBits] = derChildren(crlDer);
  if (!tbs || !sigBits || sigBits[0] !== 0x03) return false;
  const bits = derContent(sigBits);
  if (bits[0] !== 0) return false; // unused-bits count must be 0 for a signature
  const signature = bits.subarray(1);
  const alg = crl.signatureAlgorithm as { name: string; hash?: { name: string }; saltLength?: number };
  const hash = HASHES[alg.hash?.name ?? ''];
  if (!hash) return false;
  try {
    if (alg.name === 'ECDSA' || alg.name === 'RSASSA-PKCS1-v1_5') return verify(hash, tbs, issuer.publicKey, signature);
    if (alg.name === 'RSA-PSS') {
      const options = { key: issuer.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: alg.saltLength ?? constants.RSA_PSS_SALTLEN_AUTO };
      return verify(hash, tbs, options, signature);
    }
  } catch {
    return false;
  }
  return false;
}

interface CrlIndex {
  nextUpdate?: Date;
  /** normalised serial → revocation date */
  revoked: ReadonlyMap<string, Date>;
}

const indexes = new WeakMap<Uint8Array, CrlIndex | null>();

function indexOf(der: Uint8Array): CrlIndex | undefined {
  let index = indexes.get(der);
  if (index === undefined) {
    try {
      const crl = new X509Crl(Uint8Array.from(der));
      index = {
        ...(crl.nextUpdate ? { nextUpdate: crl.nextUpdate } : {}),
        revoked: new Map(crl.entries.map((e) => [normalizeSerial(e.serialNumber), e.revocationDate])),
      };
    } catch {
      index = null;
    }
    indexes.set(der, index);
  }
  return index ?? undefined;
}

/**
 * Whether the certificate with this serial (hex, as node:crypto prints it) is on one of `crls`
 * (all verified at load as signed by its issuer).
 * A certificate counts as revoked from its revocation date; an outdated CRL (nextUpdate before
 * `at`) is still read — a revoked certificate stays revoked — and says so.
 */
export function crlRevocation(crls: readonly Uint8Array[], serialNumber: string, at: Date, source: string): RevocationVerdict {
  const usable = crls.map(indexOf).filter((i): i is CrlIndex => i !== undefined);
  if (usable.length === 0) return { data: false };
  const serial = normalizeSerial(serialNumber);
  const outdated = usable.some((i) => i.nextUpdate !== undefined && i.nextUpdate.getTime() < at.getTime());
  const revokedAt = usable.map((i) => i.revoked.get(serial)).find((d) => d !== undefined && d.getTime() <= at.getTime());
  return { data: true, ...(revokedAt ? { hit: { source, by: 'CRL' as const } } : {}), ...(outdated ? { outdated } : {}) };
}
