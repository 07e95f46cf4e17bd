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
  try {
    return derHeader(der, 0).total;
  } catch {
    return -1;
  }
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

/** DER of the extKeyUsage OID 2.5.29.37 (RFC 5280 §4.2.1.12). */
const EKU_OID = Uint8Array.from([0x06, 0x03, 0x55, 0x1d, 0x25]);

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * The SPKI and the raw extKeyUsage Extension, cut from the DER that @peculiar/x509 already
 * accepted (RFC 5280 §4.1 field order). Reading `cert.extensions` instead makes the library
 * build every extension object, about 1 ms per certificate: a third of a second for a real
 * 829-entry list, on the event loop, at every refresh.
 */
function tbsParts(der: Uint8Array): { spki: Uint8Array; eku: Uint8Array | undefined } {
  const [tbs] = derChildren(der);
  if (!tbs) throw new Error('no tbsCertificate');
  const fields = derChildren(tbs);
  const base = fields[0]?.[0] === 0xa0 ? 1 : 0; // [0] version, absent for v1
  // serial, signature, issuer, validity, subject, subjectPublicKeyInfo
  const spki = fields[base + 5];
  if (!spki || spki[0] !== 0x30) throw new Error('no subjectPublicKeyInfo');
  let eku: Uint8Array | undefined;
  const wrapper = fields.find((f) => f[0] === 0xa3); // [3] extensions
  const list = wrapper ? derChildren(wrapper)[0] : undefined;
  for (const ext of list ? derChildren(list) : []) {
    const oid = derChildren(ext)[0];
    if (!oid || !sameBytes(oid, EKU_OID)) continue;
    // RFC 5280 §4.2: a certificate MUST NOT include more than one instance of an extension.
    if (eku) throw new Error('two extended key usage extensions');
    eku = ext;
  }
  return { spki, eku };
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
  let parts: { spki: Uint8Array; eku: Uint8Array | undefined };
  try {
    parts = tbsParts(der);
  } catch (e) {
    throw new SignerError('CERT_INVALID', `unreadable certificate fields: ${e instanceof Error ? e.message : String(e)}`);
  }
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: Buffer.from(parts.spki), format: 'der', type: 'spki' });
  } catch (e) {
    throw new SignerError('CERT_INVALID', `unusable public key: ${e instanceof Error ? e.message : String(e)}`);
  }
  const { keyType, keyBits } = describeKey(publicKey);
  let eku: readonly string[] | undefined;
  try {
    eku = parts.eku ? Object.freeze(new ExtendedKeyUsageExtension(Uint8Array.from(parts.eku)).usages.map(String)) : undefined;
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

/**
 * The raw TLVs inside a constructed DER element (definite lengths only). Enough to cut a
 * CertificateList into tbsCertList, algorithm and signature (RFC 5280 §5.1) for node:crypto.
 */
export function derChildren(tlv: Uint8Array): Uint8Array[] {
  const { headerLength, total } = derHeader(tlv, 0);
  if (total !== tlv.length) throw new Error('DER element length does not match its bytes');
  const out: Uint8Array[] = [];
  let off = headerLength;
  while (off < tlv.length) {
    const { total: t } = derHeader(tlv, off);
    if (off + t > tlv.length) throw new Error('DER child runs past its parent');
    out.push(tlv.subarray(off, off + t));
    off += t;
  }
  return out;
}

function derHeader(bytes: Uint8Array, off: number): { headerLength: number; total: number } {
  if (off + 2 > bytes.length) throw new Error('truncated DER');
  if ((bytes[off]! & 0x1f) === 0x1f) throw new Error('multi-byte DER tags are not expected here');
  const first = bytes[off + 1]!;
  if (first < 0x80) return { headerLength: 2, total: 2 + first };
  const n = first & 0x7f;
  if (n === 0 || n > 4 || off + 2 + n > bytes.length) throw new Error('unsupported DER length');
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + bytes[off + 2 + i]!;
  return { headerLength: 2 + n, total: 2 + n + len };
}

/** Content bytes of a DER TLV (after its header). */
export function derContent(tlv: Uint8Array): Uint8Array {
  return tlv.subarray(derHeader(tlv, 0).headerLength);
}

