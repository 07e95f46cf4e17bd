// One trusted key from one X.509 certificate. Every list type that carries certificates (EU
// gateway, German list, PEM bundles, CSCAs) goes through signerFromCertificate, so the key,
// its constraints and its kid are derived the same way whatever the source said about them
// (contract.md "Trust lists": the kid is always recomputed from the certificate).
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import type { KeyType, Signer } from './types.js';
import { ExtendedKeyUsageExtension, X509Certificate, type X509CertificateT } from './x509.js';

/**
 * Why a certificate cannot become a signer. CERT_INVALID: not a parseable DER certificate.
 * KEY_REJECTED: parseable, but its key is one no verifier should trust (too weak, too large).
 */
export type SignerErrorCode = 'CERT_INVALID' | 'KEY_REJECTED';

export class SignerError extends Error {
  override readonly name = 'SignerError';
  constructor(
    readonly code: SignerErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * DCC key id (hcert spec §3.3.1): the first 8 bytes of SHA-256 over the DER certificate,
 * standard base64 with padding. Also used for bare SPKI keys (DIVOC) so every signer has one.
 */
export function kidOf(der: Uint8Array): string {
  return createHash('sha256').update(der).digest().subarray(0, 8).toString('base64');
}

/** Lowercase hex SHA-256 of the DER: the EU gateway's `thumbprint`. */
export function thumbprintOf(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('hex');
}

/**
 * Certificate and CRL serial numbers in one spelling (lowercase hex, no leading zeros), so a
 * serial read from a CRL and one read from a certificate compare equal whatever the DER padding.
 */
export function normalizeSerial(hex: string): string {
  const s = hex.toLowerCase().replace(/[^0-9a-f]/g, '').replace(/^0+/, '');
  return s === '' ? '0' : s;
}

/**
 * Length of the outer DER TLV at the start of `der`. @peculiar/x509 keeps trailing bytes after
 * a certificate in rawData (security.md D-3), so callers compare this with the input length.
 * Returns -1 for anything that is not a definite-length DER header.
 */
export function derOuterLength(der: Uint8Array): number {
  if (der.length < 2) return -1;
  const first = der[1]!;
  if (first < 0x80) return 2 + first;
  const n = first & 0x7f;
  // 0x80 = indefinite length (BER, not DER); more than 4 length bytes is no certificate.
  if (n === 0 || n > 4 || der.length < 2 + n) return -1;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + der[2 + i]!;
  return 2 + n + len;
}

/** Largest RSA modulus accepted: a 16 384-bit key is a CPU DoS, not a signer (security.md D-7). */
const RSA_MAX_BITS = 8192;
/** Smallest RSA modulus accepted (eHealth Network certificate governance §4.1: RSA ≥ 2048). */
const RSA_MIN_BITS = 2048;

const EC_CURVES: Record<string, KeyType> = {
  prime256v1: 'EC-P256',
  secp384r1: 'EC-P384',
  secp521r1: 'EC-P521',
};

/** Key type and size of a node KeyObject, in the store's vocabulary. */
export function describeKey(key: KeyObject): { keyType: KeyType; keyBits?: number } {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'ec':
      return { keyType: EC_CURVES[details.namedCurve ?? ''] ?? 'other' };
    case 'rsa':
    case 'rsa-pss': {
      const bits = details.modulusLength ?? 0;
      if (bits > RSA_MAX_BITS) throw new SignerError('KEY_REJECTED', `RSA key of ${bits} bits exceeds ${RSA_MAX_BITS}`);
      if (bits < RSA_MIN_BITS) throw new SignerError('KEY_REJECTED', `RSA key of ${bits} bits is below ${RSA_MIN_BITS}`);
      return { keyType: 'RSA', keyBits: bits };
    }
    case 'ed25519':
      return { keyType: 'Ed25519' };
    default:
      return { keyType: 'other' };
  }
}

/** Parses DER into a certificate, refusing trailing bytes and anything @peculiar/x509 refuses. */
export function parseCertificate(der: Uint8Array): X509CertificateT {
  if (der[0] !== 0x30 || derOuterLength(der) !== der.length) {
    throw new SignerError('CERT_INVALID', 'not a single DER certificate (bad header or trailing bytes)');
  }
  try {
    // A fresh copy: Buffers from base64 often sit at an offset inside a shared pool.
    return new X509Certificate(Uint8Array.from(der));
  } catch (e) {
    throw new SignerError('CERT_INVALID', `unparseable certificate: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** First C= of the subject, uppercased; undefined when the subject has none. */
export function subjectCountry(cert: X509CertificateT): string | undefined {
  const c = cert.subjectName.getField('C')[0]?.trim();
  return c ? c.toUpperCase() : undefined;
}

/**
 * A Signer from a DER certificate. `country` (the list's own claim) wins when given, else the
 * subject's C=; the caller decides what to do when they disagree (see sources/dsc-entries.ts).
 * Throws SignerError when the certificate is unparseable or its key is unacceptable; the
 * caller drops that entry and reports it.
 */
export function signerFromCertificate(der: Uint8Array, opts: { source: string; country?: string }): Signer {
  const cert = parseCertificate(der);
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: Buffer.from(cert.publicKey.rawData), format: 'der', type: 'spki' });
  } catch (e) {
    throw new SignerError('CERT_INVALID', `unusable public key: ${e instanceof Error ? e.message : String(e)}`);
  }
  const { keyType, keyBits } = describeKey(publicKey);
  let eku: readonly string[] | undefined;
  try {
    const ext = cert.getExtension(ExtendedKeyUsageExtension);
    eku = ext ? Object.freeze(ext.usages.map(String)) : undefined;
  } catch (e) {
    throw new SignerError('CERT_INVALID', `unparseable extended key usage: ${e instanceof Error ? e.message : String(e)}`);
  }
  const signer: Signer = {
    kid: kidOf(der),
    country: opts.country ?? subjectCountry(cert) ?? '',
    source: opts.source,
    publicKey,
    keyType,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    subject: cert.subject,
    certificateDer: Uint8Array.from(der),
  };
  if (keyBits !== undefined) signer.keyBits = keyBits;
  if (eku !== undefined) signer.eku = eku;
  return signer;
}
