// Trust in a VDS-NC seal: the barcode signer certificate (BSC, `sig.cer`) must be issued by a
// country signing CA (CSCA) of the issuing state (ICAO Doc 9303-12 PKI; VDS-NC TR §"PKI"),
// must be valid at the checking moment, must carry the VDS-NC extended key usage when it
// names any, and must not be on that CSCA's CRL (the APO reader's VDSAuthenticator checks the
// same: CSCA, CRL signature, BSC not revoked, AKI, path, signature).
import { X509Certificate, constants, createHash, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { VerificationError } from '../../errors.js';
import type { Check } from '../../model.js';
import type { Signer } from '../../trust/types.js';
import { x509 } from '../../trust/x509.js';
import type { Finding, Notice } from '../format.js';

/** BSC extended key usage for health seals (ICAO id-icao-mrtd-security-vdsSigner, 2.23.136.1.1.14.2). */
export const VDS_NC_EKU = '2.23.136.1.1.14.2';

export function parseBsc(der: Uint8Array): X509Certificate {
  try {
    return new X509Certificate(der);
  } catch {
    throw new VerificationError('CBOR_INVALID', 'sig.cer is not an X.509 certificate');
  }
}

/** DN as a comparable string, whatever printer produced it (Node: "C=AU\nO=GOV", x509: "C=AU, O=GOV"). */
export function normaliseDn(dn: string): string {
  return dn
    .split(/\n|,\s*(?=[A-Za-z][A-Za-z0-9.]*=)/)
    .map((part) => part.trim().replace(/\s+/g, ' ').toLowerCase())
    .filter((part) => part.length > 0)
    .join('|');
}

/**
 * Parsed CSCA certificates, per Signer of the trust snapshot: signers are immutable and a new
 * snapshot brings new objects, so the cache can never serve a certificate the store dropped.
 * Parsing one costs most of a millisecond, on every seal otherwise.
 */
const parsedCscas = new WeakMap<Signer, X509Certificate | null>();

function cscaCertificate(signer: Signer): X509Certificate | undefined {
  if (!signer.certificateDer) return undefined;
  let cert = parsedCscas.get(signer);
  if (cert === undefined) {
    try {
      cert = new X509Certificate(signer.certificateDer);
    } catch {
      cert = null;
    }
    parsedCscas.set(signer, cert);
  }
  return cert ?? undefined;
}

function issuedBy(bsc: X509Certificate, signer: Signer): boolean {
  const cert = cscaCertificate(signer);
  // X509_check_issued: issuer DN = subject DN, AKI = SKI, CA may sign certificates.
  if (cert) return bsc.checkIssued(cert);
  return signer.subject !== undefined && normaliseDn(signer.subject) === normaliseDn(bsc.issuer);
}

function verifiesWith(bsc: X509Certificate, key: KeyObject): boolean {
  try {
    return bsc.verify(key);
  } catch {
    return false;
  }
}

/**
 * The CSCA that issued the BSC, among the issuing state's CSCAs (rollover gives several).
 * None with the BSC's issuer name → KID_UNKNOWN; named but the signature fails → SIGNATURE_INVALID.
 */
export function findIssuingCsca(bsc: X509Certificate, candidates: readonly Signer[]): Signer {
  if (candidates.length === 0) throw new VerificationError('KID_UNKNOWN', 'no trusted CSCA for the issuing state');
  const named = candidates.filter((c) => issuedBy(bsc, c));
  if (named.length === 0) throw new VerificationError('KID_UNKNOWN', 'signer certificate not issued by a trusted CSCA');
  const issuer = named.find((c) => verifiesWith(bsc, c.publicKey));
  if (!issuer) throw new VerificationError('SIGNATURE_INVALID', 'signer certificate signature does not verify with its CSCA');
  return issuer;
}

/** First 8 bytes of SHA-256 of the BSC DER, base64: the same key-id shape as a DCC kid. */
export function bscKid(der: Uint8Array): string {
  return createHash('sha256').update(der).digest().subarray(0, 8).toString('base64');
}

function within(moment: Date, from: Date | undefined, to: Date | undefined): boolean {
  const t = moment.getTime();
  return (!from || from.getTime() <= t) && (!to || t <= to.getTime());
}

export interface SignerCheckResult {
  failures: Finding[];
  warnings: Notice[];
  checks: Check[];
}

/**
 * Checks after the chain is established. The BSC must be valid at `at`; the CSCA must have been
 * valid when it issued the BSC (Doc 9303-12 chain model: a CSCA may expire while documents it
 * vouched for stay valid). An EKU that lacks the VDS-NC signer OID forbids seals.
 */
export function checkSigner(bsc: X509Certificate, csca: Signer, at: Date): SignerCheckResult {
  const failures: Finding[] = [];
  const checks: Check[] = [];
  const bscFrom = new Date(bsc.validFrom);
  const bscTo = new Date(bsc.validTo);
  const valid = within(at, bscFrom, bscTo) && within(bscFrom, csca.notBefore, csca.notAfter);
  if (!valid) failures.push({ code: 'SIGNER_NOT_VALID', detail: 'signer certificate not valid at the checking moment' });
  checks.push(valid ? { name: 'signerValidity', passed: true } : { name: 'signerValidity', passed: false, code: 'SIGNER_NOT_VALID' });

  const eku = bsc.keyUsage; // Node names the EKU list `keyUsage`; undefined without the extension.
  const usageOk = eku === undefined || eku.length === 0 || eku.includes(VDS_NC_EKU);
  if (!usageOk) failures.push({ code: 'KEY_USAGE_MISMATCH', detail: 'signer certificate EKU lacks the VDS-NC signer OID' });
  checks.push(usageOk ? { name: 'keyUsage', passed: true } : { name: 'keyUsage', passed: false, code: 'KEY_USAGE_MISMATCH' });
  return { failures, warnings: [], checks };
}

interface Tlv {
  tag: number;
  start: number;
  body: number;
  end: number;
}

/** One DER TLV at `pos` (definite lengths only, as DER requires). */
function tlv(der: Uint8Array, pos: number): Tlv {
  const tag = der[pos];
  let len = der[pos + 1];
  if (tag === undefined || len === undefined) throw new Error('truncated DER');
  let body = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new Error('unsupported DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (der[body + i] ?? 0);
    body += n;
  }
  const end = body + len;
  if (end > der.length) throw new Error('truncated DER');
  return { tag, start: pos, body, end };
}

/** RFC 5280 §5.1: CertificateList = SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue }. */
function crlParts(der: Uint8Array): { tbs: Uint8Array; algOid: string; signature: Uint8Array } {
  const outer = tlv(der, 0);
  const tbs = tlv(der, outer.body);
  const alg = tlv(der, tbs.end);
  const sig = tlv(der, alg.end);
  const oid = tlv(der, alg.body);
  if (outer.tag !== 0x30 || tbs.tag !== 0x30 || alg.tag !== 0x30 || oid.tag !== 0x06 || sig.tag !== 0x03) throw new Error('not a CRL');
  return { tbs: der.subarray(tbs.start, tbs.end), algOid: decodeOid(der.subarray(oid.body, oid.end)), signature: der.subarray(sig.body + 1, sig.end) };
}

function decodeOid(bytes: Uint8Array): string {
  const parts: number[] = [];
  let value = 0;
  for (const b of bytes) {
    value = value * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      if (parts.length === 0) parts.push(Math.min(2, Math.floor(value / 40)), value - Math.min(2, Math.floor(value / 40)) * 40);
      else parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}

/** Signature algorithms seen on CSCA CRLs (Doc 9303-12 §4.1.6 allows RSA, RSA-PSS and ECDSA). */
const CRL_ALGS: Record<string, string> = {
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.1': 'sha1',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
};
const RSASSA_PSS = '1.2.840.113549.1.1.10';

/**
 * Verifies a CRL signature with Node's crypto (OpenSSL), not WebCrypto: CSCAs often carry
 * explicit EC domain parameters (the JP CSCA does), which WebCrypto cannot import.
 */
export function crlSignedBy(der: Uint8Array, key: KeyObject): boolean {
  try {
    const { tbs, algOid, signature } = crlParts(der);
    if (algOid === RSASSA_PSS) {
      // PSS parameters name the hash; trying the SHA-2 family with the salt read from the
      // signature is equivalent for a fixed CSCA key and avoids parsing RSASSA-PSS-params.
      return ['sha256', 'sha384', 'sha512'].some((hash) =>
        cryptoVerify(hash, tbs, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, signature),
      );
    }
    const hash = CRL_ALGS[algOid];
    return hash !== undefined && cryptoVerify(hash, tbs, key, signature);
  } catch {
    return false;
  }
}

/**
 * Revocation of the BSC by its CSCA's CRLs (DER). A CRL counts only when its issuer is the
 * CSCA and its signature verifies with the CSCA key; others (another CSCA's, forged, unparsable)
 * are ignored, so a stray CRL can neither revoke nor clear anything. An outdated CRL (nextUpdate
 * before `at`) is still read — a revoked certificate stays revoked — with a warning.
 */
export function checkRevocation(
  bscDer: Uint8Array,
  csca: Signer,
  crls: readonly Uint8Array[],
  at: Date,
): SignerCheckResult & { crlsUsed: number } {
  const failures: Finding[] = [];
  const warnings: Notice[] = [];
  let used = 0;
  let revoked = false;
  let stale = false;
  const cscaCert = cscaCertificate(csca);
  const cscaName = cscaCert ? normaliseDn(cscaCert.subject) : csca.subject && normaliseDn(csca.subject);
  const bsc = new x509.X509Certificate(bscDer);
  for (const der of crls) {
    let crl: x509.X509Crl;
    try {
      crl = new x509.X509Crl(der);
    } catch {
      continue;
    }
    if (cscaName !== undefined && normaliseDn(crl.issuer) !== cscaName) continue;
    if (!crlSignedBy(der, csca.publicKey)) continue;
    used++;
    if (crl.nextUpdate && crl.nextUpdate.getTime() < at.getTime()) stale = true;
    const entry = crl.findRevoked(bsc);
    if (entry && entry.revocationDate.getTime() <= at.getTime()) revoked = true;
  }
  if (revoked) failures.push({ code: 'REVOKED', detail: 'signer certificate is on the CSCA revocation list' });
  if (stale) warnings.push({ code: 'CRL_OUTDATED', detail: 'the CSCA revocation list is past its nextUpdate' });
  const checks: Check[] = used === 0 ? [] : [revoked ? { name: 'revocation', passed: false, code: 'REVOKED' } : { name: 'revocation', passed: true }];
  return { failures, warnings, checks, crlsUsed: used };
}
