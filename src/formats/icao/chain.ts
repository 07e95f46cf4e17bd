// Trust in a VDS-NC seal: the barcode signer certificate (BSC, `sig.cer`) must be issued by a
// country signing CA (CSCA) of the issuing state (ICAO Doc 9303-12 PKI; VDS-NC TR §"PKI").
// Its validity, the VDS-NC key usage and the CSCA's CRL are the pipeline's shared checks
// (pipeline/validate.ts, trust/crl.ts); the APO reader's VDSAuthenticator checks the same.
import { X509Certificate, createHash, type KeyObject } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { keyTypeOf } from '../../crypto/algorithms.js';
import { VerificationError } from '../../errors.js';
import type { Signer } from '../../trust/types.js';

/**
 * Parsed BSCs by their exact DER. A state signs its seals with few BSCs, each for months, so
 * the same certificate arrives seal after seal: parsing it (a third of a seal's CPU, measured)
 * and checking it against its CSCA (another eighth) are done once per certificate, not once per
 * seal. Bounded, least recently used out: a stream of distinct certificates costs what it cost
 * before the cache and holds at most MAX_CACHED_BSCS of them. An X509Certificate is immutable;
 * only identical bytes find an entry.
 */
const MAX_CACHED_BSCS = 512;
const parsedBscs = new LRUCache<string, X509Certificate>({ max: MAX_CACHED_BSCS });

export function parseBsc(der: Uint8Array): X509Certificate {
  const key = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  const cached = parsedBscs.get(key);
  if (cached) return cached;
  let bsc: X509Certificate;
  try {
    bsc = new X509Certificate(der);
  } catch {
    throw new VerificationError('CBOR_INVALID', 'sig.cer is not an X.509 certificate');
  }
  parsedBscs.set(key, bsc);
  return bsc;
}

/**
 * What is derived from a parsed BSC, once: its public key and the key's type (each `publicKey`
 * read makes a new KeyObject), and whether each CSCA signer's key verifies its signature. The
 * verdicts are kept per Signer object: signers are immutable and a new trust snapshot brings
 * new ones, so no verdict outlives its CSCA.
 */
interface BscFacts {
  key: KeyObject;
  keyInfo: ReturnType<typeof keyTypeOf>;
  verifiedBy: WeakMap<Signer, boolean>;
}
const bscFacts = new WeakMap<X509Certificate, BscFacts>();

function factsOf(bsc: X509Certificate): BscFacts {
  let facts = bscFacts.get(bsc);
  if (!facts) {
    const key = bsc.publicKey;
    facts = { key, keyInfo: keyTypeOf(key), verifiedBy: new WeakMap() };
    bscFacts.set(bsc, facts);
  }
  return facts;
}

export function bscKey(bsc: X509Certificate): Pick<BscFacts, 'key' | 'keyInfo'> {
  return factsOf(bsc);
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

function verifiesWith(bsc: X509Certificate, signer: Signer): boolean {
  const { verifiedBy } = factsOf(bsc);
  let verdict = verifiedBy.get(signer);
  if (verdict === undefined) {
    try {
      verdict = bsc.verify(signer.publicKey);
    } catch {
      verdict = false;
    }
    verifiedBy.set(signer, verdict);
  }
  return verdict;
}

/**
 * The CSCA that issued the BSC, among the issuing state's CSCAs (rollover gives several).
 * None with the BSC's issuer name → KID_UNKNOWN; named but the signature fails → SIGNATURE_INVALID.
 */
export function findIssuingCsca(bsc: X509Certificate, candidates: readonly Signer[]): Signer {
  if (candidates.length === 0) throw new VerificationError('KID_UNKNOWN', 'no trusted CSCA for the issuing state');
  const named = candidates.filter((c) => issuedBy(bsc, c));
  if (named.length === 0) throw new VerificationError('KID_UNKNOWN', 'signer certificate not issued by a trusted CSCA');
  const issuer = named.find((c) => verifiesWith(bsc, c));
  if (!issuer) throw new VerificationError('SIGNATURE_INVALID', 'signer certificate signature does not verify with its CSCA');
  return issuer;
}

/** First 8 bytes of SHA-256 of the BSC DER, base64: the same key-id shape as a DCC kid. */
export function bscKid(der: Uint8Array): string {
  return createHash('sha256').update(der).digest().subarray(0, 8).toString('base64');
}
