// Trust in a VDS-NC seal: the barcode signer certificate (BSC, `sig.cer`) must be issued by a
// country signing CA (CSCA) of the issuing state (ICAO Doc 9303-12 PKI; VDS-NC TR §"PKI").
// Its validity, the VDS-NC key usage and the CSCA's CRL are the pipeline's shared checks
// (pipeline/validate.ts, trust/crl.ts); the APO reader's VDSAuthenticator checks the same.
import { X509Certificate, createHash, type KeyObject } from 'node:crypto';
import { VerificationError } from '../../errors.js';
import type { Signer } from '../../trust/types.js';

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
