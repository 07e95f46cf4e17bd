// The HC1 adapter: prefix → Base45 → zlib → COSE_Sign1 → CWT (decode), then the signature
// with a signer of the kid (verifySignature). The content under claim −260 says the format:
// EU DCC (sub-claim 1) or a WHO DDCC (3, 4, or the whole payload). Every check after the
// signature is the pipeline's (src/pipeline/validate.ts).
import { VerificationError } from '../../errors.js';
import type { CertificateType } from '../../model.js';
import type { Signer, TrustResolver } from '../../trust/types.js';
import { verifySignature as verifyWith } from '../../crypto/algorithms.js';
import type { Claims, Decoded, FormatAdapter, Mapped, VerifiedSigner } from '../format.js';
import { toJson } from '../cbor.js';
import { decodeBase45 } from './base45.js';
import { parseCoseSign1, sigStructure, type CoseSign1 } from './cose.js';
import { CLAIM, decodePayloadMap, HCERT, readCwtClaims, type CwtClaims } from './cwt.js';
import { ddccType, ddccValidity, looksLikeDdcc, mapDdcc } from './ddcc.js';
import { inflateZlib } from './inflate.js';
import { HC1_PREFIX, stripPrefix } from './prefix.js';
import { dccIdentifiers, revocationQuery } from './revocation.js';
import { validateDcc } from './schema.js';
import { displayOf, toHealthCertificate } from './map.js';

/** What the COSE payload carries: an EU DCC, or a WHO DDCC document (VS, TR, or by shape). */
export type Hc1Content =
  | { kind: 'EU_DCC'; claims: CwtClaims; json: unknown }
  | { kind: 'WHO_DDCC'; sub: 'VS' | 'TR' | 'auto'; claims: { iss?: string; issuedAt?: Date; expiresAt?: Date }; json: unknown };

export interface DecodedHc1 {
  cose: CoseSign1;
  content: Hc1Content;
}

/** Every decoding stage, no crypto and no clock. */
export function decodeHc1(text: string): DecodedHc1 {
  const compressed = decodeBase45(stripPrefix(text));
  const coseBytes = inflateZlib(compressed);
  const cose = parseCoseSign1(coseBytes);
  return { cose, content: readContent(decodePayloadMap(cose.payload)) };
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
  const eu = claims.hcert?.get(HCERT.euDcc);
  if (eu instanceof Map) return { kind: 'EU_DCC', claims, json: toJson(eu) };
  for (const [label, sub] of [[HCERT.ddccVs, 'VS'], [HCERT.ddccTr, 'TR']] as const) {
    const doc = claims.hcert?.get(label);
    if (doc instanceof Map) return { kind: 'WHO_DDCC', sub, claims, json: toJson(doc) };
  }
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
  const certificate = toHealthCertificate(validation.dcc, validation.type, {
    ...(claims.iss ? { iss: claims.iss } : {}),
    issuedAt: claims.issuedAt,
    ...(claims.expiresAt ? { expiresAt: claims.expiresAt } : {}),
  }, 'EU_DCC');
  certificate.raw = json;
  return { ok: true, certificate, display: displayOf(certificate), warnings: validation.warnings };
}

export const dccAdapter: FormatAdapter<DecodedHc1> = {
  format: 'EU_DCC',
  detect: (text) => text.startsWith(HC1_PREFIX),
  decode(text: string): Decoded<DecodedHc1> {
    const data = decodeHc1(text);
    return { format: data.content.kind, data, warnings: data.cose.warnings };
  },
  verifySignature({ cose }: DecodedHc1, trust: TrustResolver): VerifiedSigner {
    const kid = Buffer.from(cose.kid).toString('base64');
    const signer = verifyHc1Signature(cose, trust.dcc(kid));
    return {
      signer,
      summary: { kid, country: signer.country, algorithm: cose.alg, source: signer.source, ...(signer.subject ? { subject: signer.subject } : {}) },
      validity: { ...(signer.notBefore ? { notBefore: signer.notBefore } : {}), ...(signer.notAfter ? { notAfter: signer.notAfter } : {}) },
      keyUsage: { scheme: 'hcert', eku: signer.eku },
    };
  },
  claims({ cose, content }: DecodedHc1, verified: VerifiedSigner): Claims {
    const { claims } = content;
    // A WHO document is typed as mapDdcc reads it; left untyped, a tests-only signer could sign vaccinations.
    const type = content.kind === 'EU_DCC' ? declaredType(content.json) : ddccType(content.json, content.sub);
    const { ci } = content.kind === 'EU_DCC' ? dccIdentifiers(content.json) : {};
    // A WHO document's own validity period ends it too, whichever of it and the CWT exp comes first.
    const ends = [claims.expiresAt, content.kind === 'WHO_DDCC' ? ddccValidity(content.json).expiresAt : undefined].filter((d): d is Date => d !== undefined);
    const expiresAt = ends.length > 0 ? new Date(Math.min(...ends.map((d) => d.getTime()))) : undefined;
    return {
      ...(claims.issuedAt ? { issuedAt: claims.issuedAt } : {}),
      ...(expiresAt ? { expiresAt } : {}),
      ...(type ? { type } : {}),
      domain: 'DCC',
      ...(ci ? { certificateId: ci } : {}),
      ...(claims.iss ? { issuerCountry: claims.iss } : {}),
      revocation: {
        kind: 'dcc',
        kid: verified.summary.kid,
        hashes: () => revocationQuery({ kid: verified.summary.kid, payload: content.json, ...(claims.iss ? { iss: claims.iss } : {}), alg: cose.alg, signature: cose.signature }).hashes,
      },
    };
  },
  map({ content }: DecodedHc1): Mapped {
    return content.kind === 'EU_DCC' ? mapEu(content.json, content.claims) : mapDdcc(content.json, content.sub, content.claims);
  },
};
