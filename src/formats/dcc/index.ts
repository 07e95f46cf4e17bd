// The HC1 adapter: prefix → Base45 → zlib → COSE_Sign1 → CWT (decode), then the signature
// with a signer of the kid (verifySignature). The content under claim −260 says the format:
// EU DCC (sub-claim 1), a WHO DDCC (3, 4, or the whole payload) or a WHO DVC / digital ICVP (−6);
// health links (5) may ride beside any of them. Every check after the signature is the
// pipeline's (src/pipeline/validate.ts).
import { VerificationError } from '../../errors.js';
import type { CertificateType } from '../../model.js';
import type { Signer, TrustResolver } from '../../trust/types.js';
import { verifySignature as verifyWith } from '../../crypto/algorithms.js';
import type { Claims, Decoded, FormatAdapter, Mapped, VerifiedSigner } from '../format.js';
import { toJson } from '../cbor.js';
import { decodeBase45 } from './base45.js';
import { parseCoseSign1, sigStructure, type CoseSign1 } from './cose.js';
import { CLAIM, decodePayloadMap, HCERT, readCwtClaims, type CwtClaims } from './cwt.js';
import { ddccEnd, ddccType, ddccValidity, looksLikeDdcc, mapDdcc } from './ddcc.js';
import { mapDvc } from './dvc.js';
import { toAlpha2 } from '../icao/countries.js';
import { boundHealthLinks, readHealthLinks } from './health-links.js';
import { inflateZlib } from './inflate.js';
import { HC1_PREFIX, stripPrefix } from './prefix.js';
import { dccIdentifiers, revocationQuery } from './revocation.js';
import { validateDcc } from './schema.js';
import { displayOf, toHealthCertificate } from './map.js';

/** What the COSE payload carries: an EU DCC, a WHO DDCC document (VS, TR, or by shape), or a WHO DVC. */
export type Hc1Content =
  | { kind: 'EU_DCC'; claims: CwtClaims; json: unknown }
  | { kind: 'WHO_DDCC'; sub: 'VS' | 'TR' | 'auto'; claims: { iss?: string; issuedAt?: Date; expiresAt?: Date }; json: unknown }
  | { kind: 'WHO_DVC'; claims: CwtClaims; json: unknown };

export interface DecodedHc1 {
  cose: CoseSign1;
  content: Hc1Content;
  /** hcert sub-claim 5 as decoded (bounded in size here, its shape judged by map). */
  healthLinks?: unknown;
}

/** Every decoding stage, no crypto and no clock. */
export function decodeHc1(text: string): DecodedHc1 {
  const compressed = decodeBase45(stripPrefix(text));
  const coseBytes = inflateZlib(compressed);
  const cose = parseCoseSign1(coseBytes);
  const content = readContent(decodePayloadMap(cose.payload));
  // A whole-payload DDCC has no hcert claim, so no health links either.
  const links = 'hcert' in content.claims ? content.claims.hcert?.get(HCERT.healthLink) : undefined;
  if (links === undefined) return { cose, content };
  boundHealthLinks(links);
  return { cose, content, healthLinks: links };
}

/** A CBOR map as decodePayloadMap builds hcert's documents: a plain object (not an array, a Tag, a Date or bytes). */
function isDocument(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

function readContent(payload: Map<unknown, unknown>): Hc1Content {
  const isCwt = payload.has(CLAIM.hcert) || payload.has(CLAIM.iat);
  if (!isCwt) {
    // The WHO reference implementation signs the logical model itself, with no CWT claims.
    const json = toJson(payload);
    if (looksLikeDdcc(json)) return { kind: 'WHO_DDCC', sub: 'auto', claims: ddccValidity(json), json };
    throw new VerificationError('CWT_INVALID', 'no iat claim');
  }
  const claims = readCwtClaims(payload);
  // hcert's documents arrive as JSON already (decodePayloadMap, HCERT_DOCUMENT_DEPTH).
  const eu = claims.hcert?.get(HCERT.euDcc);
  if (isDocument(eu)) return { kind: 'EU_DCC', claims, json: eu };
  for (const [label, sub] of [[HCERT.ddccVs, 'VS'], [HCERT.ddccTr, 'TR']] as const) {
    const json = claims.hcert?.get(label);
    if (isDocument(json)) {
      // The document's own end of validity ends it too, whichever of it and the CWT exp comes
      // first: worked out once, here, for the checks and the mapping alike.
      const docEnd = ddccEnd(json);
      const expiresAt = claims.expiresAt && docEnd ? (docEnd < claims.expiresAt ? docEnd : claims.expiresAt) : (claims.expiresAt ?? docEnd);
      return { kind: 'WHO_DDCC', sub, claims: expiresAt ? { ...claims, expiresAt } : claims, json };
    }
  }
  const dvc = claims.hcert?.get(HCERT.dvc);
  if (isDocument(dvc)) return { kind: 'WHO_DVC', claims, json: dvc };
  throw new VerificationError('CWT_INVALID', 'no health certificate under hcert claim -260');
}

/** Tries every signer with the kid (kids collide); never every key in the store. */
export function verifyHc1Signature(cose: CoseSign1, candidates: readonly Signer[]): Signer {
  if (candidates.length === 0) throw new VerificationError('KID_UNKNOWN', 'no trusted signer has this kid');
  const data = sigStructure(cose.protectedBytes, cose.payload);
  let fitting = 0;
  for (const signer of candidates) {
    const outcome = verifyWith({ alg: cose.alg, key: signer.publicKey, keyInfo: signer, data, signature: cose.signature });
    if (outcome === 'VALID') return signer;
    if (outcome === 'INVALID') fitting++;
  }
  if (fitting === 0) throw new VerificationError('ALGORITHM_UNSUPPORTED', `${cose.alg} does not match the signer's key type`);
  throw new VerificationError('SIGNATURE_INVALID', 'signature does not verify with any candidate signer');
}

/** The certificate type as the payload declares it, for the key-usage check. */
function declaredType(dcc: unknown): CertificateType | undefined {
  if (typeof dcc !== 'object' || dcc === null) return undefined;
  const rec = dcc as Record<string, unknown>;
  const present = (k: string) => Array.isArray(rec[k]) && (rec[k] as unknown[]).length > 0;
  if (present('v')) return 'vaccination';
  if (present('t')) return 'test';
  if (present('r')) return 'recovery';
  return undefined;
}

function mapEu(json: unknown, claims: CwtClaims): Mapped {
  const validation = validateDcc(json);
  if (!validation.ok) return validation;
  const certificate = toHealthCertificate(validation.dcc, validation.type, claims, 'EU_DCC');
  certificate.raw = json;
  return { ok: true, certificate, display: displayOf(certificate), warnings: validation.warnings };
}

/** Lists the links of hcert sub-claim 5 in the certificate; a link of no known shape fails the schema. */
function withHealthLinks(mapped: Mapped, raw: unknown): Mapped {
  const read = readHealthLinks(raw);
  if (!mapped.ok) return read.ok ? mapped : { ...mapped, problems: [...mapped.problems, ...read.problems] };
  if (!read.ok) return { ok: false, problems: read.problems, holder: mapped.certificate.holder, ...(mapped.warnings ? { warnings: mapped.warnings } : {}) };
  return { ...mapped, certificate: { ...mapped.certificate, healthLinks: read.links }, display: { ...mapped.display, healthLinks: read.links } };
}

export const dccAdapter: FormatAdapter<DecodedHc1> = {
  format: 'EU_DCC',
  detect: (text) => text.startsWith(HC1_PREFIX),
  decode(text: string): Decoded<DecodedHc1> {
    const data = decodeHc1(text);
    return { format: data.content.kind, data, warnings: data.cose.warnings };
  },
  verifySignature({ cose }: DecodedHc1, trust: TrustResolver): VerifiedSigner {
    const kid = Buffer.from(cose.kid.buffer, cose.kid.byteOffset, cose.kid.byteLength).toString('base64');
    const signer = verifyHc1Signature(cose, trust.dcc(kid));
    // Assigned, not spread: conditional spreads take V8's slow object-copy path (issue 12).
    const summary: VerifiedSigner['summary'] = { kid, country: signer.country, algorithm: cose.alg, source: signer.source };
    if (signer.subject) summary.subject = signer.subject;
    const validity: NonNullable<VerifiedSigner['validity']> = {};
    if (signer.notBefore) validity.notBefore = signer.notBefore;
    if (signer.notAfter) validity.notAfter = signer.notAfter;
    return { signer, summary, validity, keyUsage: { scheme: 'hcert', eku: signer.eku } };
  },
  claims({ cose, content }: DecodedHc1, verified: VerifiedSigner): Claims {
    const { claims } = content;
    // A WHO document is typed as mapDdcc reads it; left untyped, a tests-only signer could sign vaccinations.
    // A DVC is one vaccination (formats.md: a vaccination key usage, or none, allows it).
    const type = content.kind === 'EU_DCC' ? declaredType(content.json) : content.kind === 'WHO_DVC' ? 'vaccination' : ddccType(content.json, content.sub);
    const { ci } = content.kind === 'EU_DCC' ? dccIdentifiers(content.json) : {};
    // A WHO document's own end of validity is already in its claims (readContent).
    const end = claims.expiresAt;
    // Assigned, not spread: conditional spreads take V8's slow object-copy path (issue 12).
    const out: Claims = {
      // GDHCN trust domain: a DVC is the ICVP payload; a key listed for DDCC only does not sign it.
      domain: content.kind === 'WHO_DVC' ? 'ICVP' : 'DCC',
      revocation: {
        kind: 'dcc',
        kid: verified.summary.kid,
        hashes: () => revocationQuery({ kid: verified.summary.kid, payload: content.json, ...(claims.iss ? { iss: claims.iss } : {}), alg: cose.alg, signature: cose.signature }).hashes,
      },
    };
    if (claims.issuedAt) out.issuedAt = claims.issuedAt;
    if (end) out.expiresAt = end;
    if (type) out.type = type;
    if (ci) out.certificateId = ci;
    // DVC issuers write `iss` in alpha-3 too (WHO examples: "XCL"); the signer's country is alpha-2.
    if (claims.iss) out.issuerCountry = content.kind === 'WHO_DVC' ? (toAlpha2(claims.iss) ?? claims.iss) : claims.iss;
    return out;
  },
  map({ content, healthLinks }: DecodedHc1): Mapped {
    const mapped =
      content.kind === 'EU_DCC'
        ? mapEu(content.json, content.claims)
        : content.kind === 'WHO_DVC'
          ? mapDvc(content.json, content.claims)
          : mapDdcc(content.json, content.sub, content.claims);
    return healthLinks === undefined ? mapped : withHealthLinks(mapped, healthLinks);
  },
};
