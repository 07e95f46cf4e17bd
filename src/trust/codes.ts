// The trust-source codes in one table (as src/errors.ts is for verification codes and
// src/http/problems.ts for problems): what /v1/trust, /metrics, the CLI and the logs say about
// a whole list (SOURCE_CODES) and about one entry of it (ENTRY_CODES). Operators read these;
// the human detail goes to the log, never a path or an internal address into /v1/trust.

/** Why a whole list is not in force (SourceStatus.errorCode). */
export const SOURCE_CODES = {
  PENDING: 'not loaded yet (start-up)',
  NO_LIST: 'the server reported no change, but no list is in force',
  DEFINITION_INVALID: 'the sources.json entry is unusable (unknown type, a required member missing)',
  SOURCE_DOWN: 'the download failed (connection refused, reset, DNS)',
  TIMEOUT: 'the download took longer than allowed',
  TOO_LARGE: 'the list is larger than allowed',
  HTTP_STATUS: 'the server answered with an error status',
  URL_REFUSED: 'the URL is not HTTPS (HTTP is allowed for loopback only)',
  REDIRECT_REFUSED: 'the server redirected (lists are fetched from the configured URL only)',
  ENCODING_REFUSED: 'the server sent a content encoding the service does not accept',
  ANCHOR_INVALID: 'the pinned anchor is missing or unusable',
  SIGNATURE_MISSING: 'the list has no signature where its type requires one',
  SIGNATURE_INVALID: 'the list or its proof does not verify with the anchor',
  CONTEXT_UNPINNED: 'the list names a JSON-LD context the service does not pin',
  PROCESSOR_ERROR: 'the JSON-LD processor failed (not the list’s fault)',
  LIST_INVALID: 'the list is not of its type’s shape',
  ROLLBACK: 'the list is older than the one in force',
  EQUIVOCATION: 'a list of the same date with other content',
  EMPTY_LIST: 'the list would empty the source',
  SHRINK_HELD: 'the list drops too many entries: held for an operator',
} as const;

/** Why one entry of a list was dropped (DroppedEntry.code) or is reported (EntryNotice.code). */
export const ENTRY_CODES = {
  ENTRY_INVALID: 'the entry is not of the list’s entry shape',
  DUPLICATE: 'the same entry twice',
  CERT_INVALID: 'not a usable X.509 certificate',
  NOT_A_CERTIFICATE: 'a PEM block that is not a certificate',
  KEY_REJECTED: 'a key of a type or size the service does not accept',
  KID_MISMATCH: 'the listed kid is not the one computed from the certificate',
  THUMBPRINT_MISMATCH: 'the listed thumbprint is not the certificate’s',
  COUNTRY_MISMATCH: 'the listed country is not the certificate’s',
  NOT_CA: 'a CSCA that is not a CA',
  TA_SIGNATURE_INVALID: 'a CSCA entry the trust anchor did not sign',
  UPLOAD_SIGNATURE_INVALID: 'a DSC entry its country’s upload certificate did not sign',
  NO_CHAIN: 'a DSC that chains to no CA of its country in the list',
  CHAIN_KEY_ID_MISMATCH: 'a DSC whose issuer key id names no listed CA that signed it',
  X5C_ISSUER_INVALID: 'the x5c chain is not issuer then subject',
  JWK_MISMATCH: 'the JWK members are not the certificate’s key',
  JWK_COORDINATE_LENGTH: 'JWK coordinates of the wrong length (the key is taken from x5c)',
  JWK_RSA_ENCODING: 'an RSA modulus with a leading zero (the key is taken from x5c)',
  JWK_CRV_UNKNOWN: 'a JWK curve name that is not a curve (the key is taken from x5c)',
  KID_FRAGMENT_INVALID: 'a DID fragment that is no kid',
  KID_FRAGMENT_MISSING: 'a verification method without a fragment',
  KID_FRAGMENT_MISMATCH: 'the DID fragment is not the key’s kid',
  KID_FRAGMENT_PERCENT_ENCODED: 'the DID fragment is percent-encoded',
  KID_FRAGMENT_UNESCAPED: 'the DID fragment holds + or / unescaped',
  KID_BASE64_WRAPPED: 'the kid is base64 of a base64 kid',
  CODES_FROM_PATH: 'domain, participant or usage read from the document path',
  USAGE_FROM_CERTIFICATE: 'the usage read from the certificate',
  PATH_DISAGREES: 'the document path names other codes than the entry',
  DOMAIN_UNKNOWN: 'no trust domain could be told',
  PARTICIPANT_UNKNOWN: 'no participant could be told',
  USAGE_UNKNOWN: 'no usage could be told',
  USAGE_NOT_SIGNING: 'a key listed for a usage that signs no certificates',
  REFERENCE_ONLY: 'a reference without key material',
  DSC_EXPIRED: 'a signer certificate past its validity: kept out of force',
  SCA_EXPIRED: 'a signing CA past its validity',
  SCA_NOT_CA: 'a signing CA that is not a CA',
  CRL_INVALID: 'a CRL that cannot be read',
  CRL_UNVERIFIED: 'a CRL no CA of the source signed',
  CRL_UNMATCHED: 'a CRL of a key the source does not list',
  CRL_UNAVAILABLE: 'a CRL that could not be downloaded: revocation is not applicable for its keys',
} as const;

export type SourceCode = keyof typeof SOURCE_CODES;
export type EntryCode = keyof typeof ENTRY_CODES;

