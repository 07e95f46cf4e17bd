// `gdhcn-did`: a WHO GDHCN DID trust list (research/trust-list-formats.md §2–3). The document's
// JsonWebSignature2020 proof is verified before any entry is used: a detached JWS (b64:false)
// over SHA-256(URDNA2015(proof options)) ‖ SHA-256(URDNA2015(document without proof)), ES256
// with a DER signature (the WHO signer is Java SHA256withECDSA), by the pinned WHO signing key;
// jsonld runs in safe mode (members no context maps would be unsigned) with contexts served
// offline. Then the entries: keys from x5c[0] (never the JWK members: 33-byte coordinates and
// "UNKNOWN CURVE" occur), kid recomputed, and a DSC is kept only when a CSCA of the same
// participant (any domain: chains are domain-scoped in KDS, §3 quirk 6) signed it.
import { createHash, createPublicKey, type KeyObject, verify, X509Certificate as NodeX509 } from 'node:crypto';
import jsonld from 'jsonld';
import { z } from 'zod';
import { GDHCN_CONTEXTS } from '../contexts/index.js';
import { kidOf, SignerError, signerFromCertificate } from '../signer.js';
import type { DroppedEntry, Signer } from '../types.js';
import { decodeBase64Strict, decodeUtf8Strict, errorText, ListError, parseJson, type SourceInput, type SourceResult, type SourceType, zodMessage } from './common.js';

/** Domains whose DSCs sign HC1 certificates (EU DCC and WHO DDCC); other domains are not signers here. */
export const HC1_DOMAINS: ReadonlySet<string> = new Set(['DCC', 'DDCC']);
const CSCA_USAGES = new Set(['CSCA', 'SCA']);
const PROOF_CONTEXT = 'https://w3id.org/security/v3';

class UnpinnedContext extends Error {}

async function loader(url: string): Promise<{ contextUrl: null; document: unknown; documentUrl: string }> {
  const document = GDHCN_CONTEXTS.get(url);
  if (document === undefined) throw new UnpinnedContext(`JSON-LD context not pinned: ${url}`);
  return { contextUrl: null, document, documentUrl: url };
}

async function canonize(doc: object): Promise<string> {
  try {
    return await jsonld.canonize(doc as jsonld.JsonLdDocument, {
      algorithm: 'URDNA2015',
      format: 'application/n-quads',
      documentLoader: loader,
      safe: true,
    } as unknown as jsonld.Options.Normalize);
  } catch (e) {
    let cause: unknown = e;
    for (let i = 0; i < 6 && cause; i++) {
      if (cause instanceof UnpinnedContext) throw new ListError('CONTEXT_UNPINNED', cause.message);
      const c = cause as { cause?: unknown; details?: { cause?: unknown } };
      cause = c.cause ?? c.details?.cause;
    }
    throw new ListError('SIGNATURE_INVALID', `JSON-LD canonicalisation failed in safe mode: ${errorText(e).slice(0, 160)}`);
  }
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** The pinned WHO signing key: a DID document (its id and first JWK), as published in tng-participants. */
export interface GdhcnAnchor {
  did: string;
  key: KeyObject;
}

const anchorSchema = z.object({
  id: z.string().min(1),
  verificationMethod: z
    .array(z.object({ id: z.string(), publicKeyJwk: z.object({ kty: z.literal('EC'), crv: z.literal('P-256'), x: z.string(), y: z.string() }) }))
    .min(1),
});

export function gdhcnAnchor(bytes: Uint8Array): GdhcnAnchor {
  const parsed = anchorSchema.safeParse(parseJson(decodeUtf8Strict(bytes, 'gdhcn anchor'), 'gdhcn anchor'));
  if (!parsed.success) throw new ListError('ANCHOR_INVALID', `the gdhcn-did anchor is not a signing DID document: ${zodMessage(parsed.error)}`);
  const vm = parsed.data.verificationMethod[0]!;
  const { kty, crv, x, y } = vm.publicKeyJwk;
  try {
    // The VM id equals the DID in the WHO signing document (no #fragment; §2 step 8).
    return { did: vm.id, key: createPublicKey({ key: { kty, crv, x, y }, format: 'jwk' }) };
  } catch (e) {
    throw new ListError('ANCHOR_INVALID', `the gdhcn-did anchor key is unusable: ${errorText(e)}`);
  }
}

const proofSchema = z.object({
  type: z.literal('JsonWebSignature2020'),
  created: z.iso.datetime({ offset: true }),
  verificationMethod: z.string(),
  proofPurpose: z.literal('assertionMethod'),
  jws: z.string().max(4096),
});

/**
 * Verifies the proof of a parsed DID document with the anchor; returns the proof's `created`.
 * Throws ListError (SIGNATURE_INVALID, CONTEXT_UNPINNED, LIST_INVALID).
 */
export async function verifyGdhcnProof(doc: Record<string, unknown>, anchor: GdhcnAnchor): Promise<Date> {
  const parsed = proofSchema.safeParse(doc.proof);
  if (!parsed.success) throw new ListError('SIGNATURE_INVALID', `the document has no usable JsonWebSignature2020 proof: ${zodMessage(parsed.error)}`);
  const proof = parsed.data;
  if (proof.verificationMethod !== anchor.did) {
    throw new ListError('SIGNATURE_INVALID', `the proof names ${proof.verificationMethod}, not the pinned signer`);
  }
  const parts = proof.jws.split('.');
  if (parts.length !== 3 || parts[1] !== '') throw new ListError('SIGNATURE_INVALID', 'proof.jws is not a detached JWS');
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8'));
  } catch {
    throw new ListError('SIGNATURE_INVALID', 'proof.jws header is not JSON');
  }
  const h = header as { alg?: unknown; b64?: unknown; crit?: unknown };
  if (h.alg !== 'ES256' || h.b64 !== false || !Array.isArray(h.crit) || !h.crit.includes('b64')) {
    throw new ListError('SIGNATURE_INVALID', 'proof.jws header must be {alg: ES256, b64: false, crit: [b64]}');
  }
  const { proof: _proof, ...document } = doc;
  const rawProof = doc.proof as Record<string, unknown>;
  const { jws: _jws, proofValue: _pv, signatureValue: _sv, ...options } = rawProof;
  const [optionsNq, documentNq] = await Promise.all([canonize({ '@context': [PROOF_CONTEXT], ...options }), canonize(document)]);
  const data = Buffer.concat([sha256(optionsNq), sha256(documentNq)]);
  const input = Buffer.concat([Buffer.from(parts[0]!, 'ascii'), Buffer.from('.'), data]);
  const signature = Buffer.from(parts[2]!, 'base64url');
  let ok = false;
  try {
    // DER, pinned for this source (the WHO signer's encoding), never guessed from the length.
    ok = verify('sha256', input, { key: anchor.key, dsaEncoding: 'der' }, signature);
  } catch {
    ok = false;
  }
  if (!ok) throw new ListError('SIGNATURE_INVALID', 'the DID document proof does not verify with the pinned WHO key');
  return new Date(proof.created);
}

const vmSchema = z.object({
  id: z.string(),
  type: z.literal('JsonWebKey2020'),
  publicKeyJwk: z.object({ kid: z.string().max(64).optional(), x5c: z.array(z.string().max(64_000)).min(1).max(10) }),
  domain: z.object({ code: z.string() }),
  participant: z.object({ code: z.string() }),
  keyusage: z.object({ code: z.string() }),
});

interface Entry {
  index: number;
  listedKid: string | undefined;
  der: Buffer;
  domain: string;
  participant: string;
  usage: string;
}

const code = (c: string): string => c.replace(/^#/, '').toUpperCase();

export async function parseGdhcnDid(input: SourceInput): Promise<SourceResult> {
  if (!input.anchor) throw new ListError('ANCHOR_INVALID', 'gdhcn-did needs an anchor');
  const anchor = gdhcnAnchor(input.anchor);
  const json = parseJson(decodeUtf8Strict(input.bytes, 'gdhcn-did'), 'gdhcn-did');
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ListError('LIST_INVALID', 'a DID document is a JSON object');
  const doc = json as Record<string, unknown>;
  const created = await verifyGdhcnProof(doc, anchor);
  // Only what was verified is parsed: the same object.
  const vms = Array.isArray(doc.verificationMethod) ? (doc.verificationMethod as unknown[]) : [];
  const dropped: DroppedEntry[] = [];
  const entries: Entry[] = [];
  vms.forEach((raw, index) => {
    if (typeof raw === 'string') return; // a reference list (trustlist-ref): no key material
    const parsed = vmSchema.safeParse(raw);
    const listedKid = (raw as { publicKeyJwk?: { kid?: unknown } })?.publicKeyJwk?.kid;
    const kidText = typeof listedKid === 'string' ? listedKid : undefined;
    if (!parsed.success) {
      dropped.push({ ...(kidText ? { kid: kidText } : {}), code: 'ENTRY_INVALID', reason: `entry ${index}: ${zodMessage(parsed.error)}` });
      return;
    }
    const der = decodeBase64Strict(parsed.data.publicKeyJwk.x5c[0]!);
    if (!der) {
      dropped.push({ ...(kidText ? { kid: kidText } : {}), code: 'ENTRY_INVALID', reason: `entry ${index}: x5c[0] is not standard base64` });
      return;
    }
    entries.push({
      index,
      listedKid: kidText,
      der,
      domain: code(parsed.data.domain.code),
      participant: code(parsed.data.participant.code),
      usage: code(parsed.data.keyusage.code),
    });
  });
  // CSCAs by participant, across every domain.
  const cscas = new Map<string, NodeX509[]>();
  for (const e of entries) {
    if (!CSCA_USAGES.has(e.usage)) continue;
    try {
      const cert = new NodeX509(e.der);
      if (!cert.ca) continue;
      cscas.set(e.participant, [...(cscas.get(e.participant) ?? []), cert]);
    } catch {
      dropped.push({ code: 'CERT_INVALID', reason: `entry ${e.index}: unparseable CSCA certificate` });
    }
  }
  const signers: Signer[] = [];
  const seen = new Set<string>();
  for (const e of entries) {
    if (e.usage !== 'DSC' || !HC1_DOMAINS.has(e.domain)) continue;
    const kid = kidOf(e.der);
    const drop = (c: string, reason: string): void => {
      dropped.push({ kid: e.listedKid ?? kid, code: c, reason: `entry ${e.index} (${e.domain}/${e.participant}): ${reason}` });
    };
    if (e.listedKid !== undefined && e.listedKid !== kid) {
      drop('KID_MISMATCH', `listed kid differs from the certificate's ${kid}`);
      continue;
    }
    let dsc: NodeX509;
    try {
      dsc = new NodeX509(e.der);
    } catch (err) {
      drop('CERT_INVALID', errorText(err));
      continue;
    }
    const issuer = (cscas.get(e.participant) ?? []).find((ca) => {
      try {
        return dsc.checkIssued(ca) && dsc.verify(ca.publicKey);
      } catch {
        return false;
      }
    });
    if (!issuer) {
      drop('NO_CHAIN', `no CSCA of participant ${e.participant} in the list signed it`);
      continue;
    }
    const fingerprint = `${e.domain}:${dsc.fingerprint256}`;
    if (seen.has(dsc.fingerprint256)) continue; // the same DSC under DCC and DDCC is one signer
    seen.add(fingerprint);
    seen.add(dsc.fingerprint256);
    let signer: Signer;
    try {
      signer = signerFromCertificate(e.der, { source: input.def.id });
    } catch (err) {
      drop(err instanceof SignerError ? err.code : 'CERT_INVALID', errorText(err));
      continue;
    }
    // The certificate's C= (alpha-2, what CWT iss uses); the participant code when it has none.
    if (!signer.country) signer.country = e.participant;
    signers.push(signer);
  }
  return { signers, dropped, listTime: { at: created, kind: 'signed' } };
}

export const gdhcnDid: SourceType = { kind: 'dcc', requires: ['anchor'], parse: parseGdhcnDid };
