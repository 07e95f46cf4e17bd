// What the trust store holds and hands to verification. Verification never sees a global:
// it gets a TrustResolver built from one immutable snapshot.

import type { KeyObject } from 'node:crypto';
import type { EntryCode, SourceCode } from './codes.js';

export type KeyType = 'EC-P256' | 'EC-P384' | 'EC-P521' | 'RSA' | 'Ed25519' | 'other';

/** A public key trusted to sign certificates, with what constrains it. */
export interface Signer {
  /** base64 (standard, padded) key id: DCC kid = first 8 bytes of SHA-256(DER); SHC = JWK kid. */
  kid: string;
  country: string;
  /** id of the source (sources.json) it came from. */
  source: string;
  publicKey: KeyObject;
  keyType: KeyType;
  /** RSA modulus length in bits, when keyType is RSA. */
  keyBits?: number;
  notBefore?: Date;
  notAfter?: Date;
  /** Extended key usage OIDs; undefined when the certificate has no EKU extension. */
  eku?: readonly string[];
  subject?: string;
  /** DER of the signer certificate, when the key came with one. */
  certificateDer?: Uint8Array;
  /** SMART Health Card issuer URL, for `jwks`/`vci-snapshot` keys. */
  iss?: string;
  /** DIVOC verificationMethod id. */
  keyId?: string;
  /**
   * WHO GDHCN trust domains the list published this key for (`DDCC`, `ICVP`, …); undefined for
   * sources that have no domains. A key listed only for one domain signs only that domain's payloads.
   */
  domains?: readonly string[];
}

/** `revocation`: a source that holds no signers, only revocation entries (DCC lists, blocklist). */
export type SignerKind = 'dcc' | 'shc' | 'csca' | 'divoc' | 'revocation';

export interface SourceStatus {
  id: string;
  type: string;
  /** ISO time of the last successful load, or null when never loaded. */
  lastSuccess: string | null;
  lastAttempt: string | null;
  lastError: string | null;
  /** true when the list in force is older than the last attempt (a refresh failed). */
  stale: boolean;
  signerCount: number;
  countries: Record<string, number>;
  /** Entries that failed their own check and were dropped (kid mismatch, bad cert, …). */
  dropped: DroppedEntry[];
  /** How many entries were dropped in all; `dropped` lists at most the first 100. */
  droppedTotal?: number;
  /** Dropped entries per code (all of them, not only the ones listed). */
  droppedCodes?: Record<string, number>;
  /**
   * Entries loaded (or kept out of force) with a quirk the operator should see: a malformed JWK
   * beside a good certificate, an expired CSCA, … (gdhcn-did). At most the first 100 listed.
   */
  notices?: EntryNotice[];
  noticeTotal?: number;
  noticeCodes?: Record<string, number>;
  /** Where the list in force came from: a local file, a download, or the last-good copy in DATA_DIR. */
  origin?: 'file' | 'url' | 'snapshot' | null;
  /** Stable code of the last failure (src/trust/codes.ts SOURCE_CODES). */
  errorCode?: SourceCode | null;
  /**
   * The list's own date in force (ISO): its signed creation time where the format has one
   * (gdhcn-did proof.created, vci-snapshot time), else its newest signed entry timestamp.
   * A later list older than this is refused as a rollback.
   */
  listTime?: string | null;
  listTimeKind?: 'signed' | 'newest-entry' | null;
  /** A list that passed its checks but dropped too many entries: held for an operator. */
  held?: { at: string; signerCount: number; entryCount: number; previousEntryCount: number } | null;
  /** Past its maximum age: its signers no longer count (they stay listed for the operator). */
  expired?: boolean;
  /** Revocation entries in force (revocation sources). */
  revocationEntries?: number;
  staleAfterSeconds?: number | null;
  maxAgeSeconds?: number | null;
}

/** EU DCC revocation hash types (EU-GW RevocationHashTypeDto). */
export type RevocationHashType = 'UCI' | 'COUNTRYCODEUCI' | 'SIGNATURE';

/** What a certificate presents to the revocation check: its signer's kid and its hashes. */
export interface RevocationQuery {
  kid?: string;
  hashes: readonly { type: RevocationHashType; hash: Uint8Array }[];
}

export interface RevocationHit {
  /** The source (sources.json id) whose list holds the entry. */
  source: string;
  /** What matched: a DCC hash type, the signer's kid (blocklist), an X.509 CRL, an SHC `rid`. */
  by: RevocationHashType | 'KID' | 'CRL' | 'RID';
}

/** A quirk of one list entry that did not (on its own) refuse it; a stable code like DroppedEntry's. */
export interface EntryNotice {
  kid?: string;
  code: EntryCode;
  reason: string;
}

/** One list entry refused on its own while the rest of its list loaded. */
export interface DroppedEntry {
  kid?: string;
  /** Stable code (src/trust/codes.ts ENTRY_CODES). */
  code?: EntryCode;
  reason: string;
}

/**
 * What a certificate may be listed under, per kind of revocation data (the adapter's `claims`
 * says which; the resolver looks it up in the snapshot). DCC hashes are a thunk: with no
 * revocation source in force no SHA-256 is computed on the hot path.
 */
export type RevocationKeys =
  | { kind: 'dcc'; kid: string; hashes: () => RevocationQuery['hashes'] }
  /** SMART Health Cards: `vc.rid` on the issuer key's CRL (SHC spec "Revocation"). */
  | { kind: 'shc-rid'; iss: string; kid: string; rid?: string; nbf: number }
  /** An X.509 signer certificate on its issuer's CRL (ICAO VDS-NC BSC by its CSCA). */
  | { kind: 'x509-crl'; issuer: Signer; serialNumber: string }
  /** The format has no revocation scheme the service can check. */
  | { kind: 'none' };

/** `data: false`: no list in force could say (the check does not apply: NO_REVOCATION_DATA). */
export type RevocationVerdict = { data: false } | { data: true; hit?: RevocationHit; outdated?: boolean };

/** Lookups verification needs; built from one snapshot so a request sees one consistent store. */
export interface TrustResolver {
  /** EU DCC / WHO document signers with this kid (collisions possible: try all). */
  dcc(kid: string): readonly Signer[];
  /** SMART Health Card issuer keys of issuer `iss` with JWK kid `kid`. */
  shc(iss: string, kid: string): readonly Signer[];
  /** Country signing CAs (ICAO VDS-NC), by ISO country code (alpha-2 or alpha-3 as listed). */
  csca(country: string): readonly Signer[];
  /** DIVOC issuer keys by verificationMethod id. */
  divoc(id: string): readonly Signer[];
  /** Whether any revocation data in force lists the certificate, at `at`. */
  revocation(keys: RevocationKeys, at: Date): RevocationVerdict;
  /** Whether the source a signer came from is stale (refresh failing or past its stale age). */
  sourceStale(source: string): boolean;
}
