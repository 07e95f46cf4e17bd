// `gdhcn-did`: a WHO GDHCN DID trust list, v2 (research/trust-list-formats.md §2–3; formats.md
// "The WHO network today"). The document's JsonWebSignature2020 proof is verified before any
// entry is used: a detached JWS (b64:false) over SHA-256(URDNA2015(proof options)) ‖
// SHA-256(URDNA2015(document without proof)), ES256 with a DER signature (the WHO signer is Java
// SHA256withECDSA), by the pinned WHO signing key of the environment (DEV, UAT or PROD anchor),
// checked by the service's one linked-data-proof verifier (src/jsonld, shared with DIVOC): jsonld
// in safe mode (members no context maps would be unsigned), contexts served offline. A proof that fails refuses the whole document; the refresher keeps the list in force.
//
// Any v2 document loads the same way: the root `…/trustlist/did.json`, or one narrowed by path
// levels `…/trustlist/{domain|-}/{participant|-}/{DSC|SCA|…}/did.json` (`-` = all), DEV's older
// `…/v2.0.0/trustlist/…/<base64(kid)>/did.json` per-kid documents, or a participant's own document
// when the root list misses it (it is signed like every other; configure it as its own source).
//
// Then each entry, on its own (formats.md quirks; each one REPORTED per entry, never a crash):
// - the key comes from x5c[0] (never from the JWK members: 31/33-byte coordinates, RSA `n` with a
//   sign byte, `crv: "UNKNOWN CURVE"` occur); the JWK is cross-checked numerically: a quirk is a
//   notice, a JWK that names another key refuses the entry (JWK_MISMATCH);
// - the kid is recomputed from x5c[0]; a listed kid that differs is refused (KID_MISMATCH) unless
//   it is base64(kid) (DEV v2.0.0 documents: KID_BASE64_WRAPPED); the VM id's fragment may be
//   percent-encoded or carry `+` and `/` unescaped (notices);
// - a DSC counts only when an SCA (keyusage CSCA/SCA) of the SAME participant in the SAME document
//   signed it (any domain: KDS scopes chains by domain, §3 quirk 6), name and key identifier
//   included: else CHAIN_KEY_ID_MISMATCH (the 12 PROD DSCs whose x5c[1]/SCA key verifies the
//   signature but whose authority key identifier names another key), X5C_ISSUER_INVALID (x5c[1]
//   did not sign it either) or NO_CHAIN;
// - a DSC expired at the load time is kept out of the signers in force (DSC_EXPIRED, listed after
//   the other drops so they stay visible); presence on the current list is a DSC's validity,
//   GDHCN promises no CRLs (formats.md).
//
// The trust DOMAIN of a key (Signer.domains) is, in this order: the entry's signed `domain.code`
// (what every current document carries); else the domain level of the entry's own VM id path;
// else that of the document id (v2.0.0 documents have no coded members). `-` names no domain; an
// entry with none is refused (DOMAIN_UNKNOWN). Participant and usage are derived the same way.
// The same certificate listed under several domains is one signer with all of them. DSCs of every
// domain are signers: the verification engine lets a key sign only its domains' payloads.
import { createPublicKey, type KeyObject, X509Certificate as NodeX509 } from 'node:crypto';
import { z } from 'zod';
import { VerificationFault } from '../../errors.js';
import { createVerifyData, type DetachedJws, parseDetachedJws, verifyDetachedJws } from '../../jsonld/ld-proof.js';
import { JsonLdRefused, PinnedContexts } from '../../jsonld/pinned.js';
import { GDHCN_CONTEXTS } from '../contexts/index.js';
import { kidOf, SignerError, signerFromCertificate } from '../signer.js';
import type { DroppedEntry, EntryNotice, Signer } from '../types.js';
import { decodeBase64Strict, decodeUtf8Strict, errorText, ListError, parseJson, type SourceInput, type SourceResult, type SourceType, zodMessage } from './common.js';
import type { EntryCode } from '../codes.js';

/** Usages whose certificates may sign health certificates; DECA/DESC are data-exchange keys. */
const SIGNER_USAGE = 'DSC';
/** The path and the WHO value set say SCA, the entries' keyusage says CSCA: one thing (§3 quirk 7). */
const CSCA_USAGE = 'CSCA';
const PROOF_CONTEXT = 'https://w3id.org/security/v3';

/** The one linked-data-proof verifier of the service (src/jsonld), over the GDHCN pinned contexts. */
const CONTEXTS = new PinnedContexts(GDHCN_CONTEXTS);

/** A JSON-LD refusal or processor failure as the refusal of the whole list, with a stable code. */
function listErrorOf(err: unknown): Error {
  if (err instanceof JsonLdRefused) {
    if (err.reason === 'UNPINNED_CONTEXT') return new ListError('CONTEXT_UNPINNED', err.detail);
    return new ListError('SIGNATURE_INVALID', `JSON-LD canonicalisation failed in safe mode (${err.reason}): ${err.detail.slice(0, 160)}`);
  }
  // Not the list's fault: the refresher keeps the list in force and reports the code.
  if (err instanceof VerificationFault) return new ListError('PROCESSOR_ERROR', err.message);
  return err instanceof Error ? err : new Error(String(err));
}

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
  let jws: DetachedJws;
  try {
    jws = parseDetachedJws(proof.jws);
  } catch (e) {
    throw new ListError('SIGNATURE_INVALID', `proof.jws: ${errorText(e)}`);
  }
  if (jws.alg !== 'ES256') throw new ListError('SIGNATURE_INVALID', 'proof.jws header must be {alg: ES256, b64: false, crit: [b64]}');
  let data: Buffer;
  try {
    // SHA-256(URDNA2015(proof options in security v3)) ‖ SHA-256(URDNA2015(document without proof)).
    data = await createVerifyData(doc, doc.proof as Record<string, unknown>, { contexts: CONTEXTS, proofContext: [PROOF_CONTEXT] });
  } catch (e) {
    throw listErrorOf(e);
  }
  // DER, pinned for this source (the WHO signer is Java SHA256withECDSA), never guessed from the length.
  const ok = (await verifyDetachedJws(jws, data, anchor.key, { algorithm: 'ES256', signatureEncoding: 'der' })) === 'VALID';
  if (!ok) throw new ListError('SIGNATURE_INVALID', 'the DID document proof does not verify with the pinned WHO key');
  return new Date(proof.created);
}

// ——— Entries ————————————————————————————————————————————————————————————————

/** A coded value `{code: "#DCC"}` (every current document), or a plain string (pre-2026 drafts). */
const codedSchema = z.union([z.object({ code: z.string().max(64) }), z.string().max(64)]);

const vmSchema = z.object({
  id: z.string().max(1024),
  type: z.literal('JsonWebKey2020'),
  publicKeyJwk: z.object({
    kty: z.string().max(16).optional(),
    kid: z.string().max(128).optional(),
    x5c: z.array(z.string().max(64_000)).min(1).max(10),
    crv: z.string().max(32).optional(),
    x: z.string().max(256).optional(),
    y: z.string().max(256).optional(),
    n: z.string().max(2048).optional(),
    e: z.string().max(32).optional(),
  }),
  domain: codedSchema.optional(),
  participant: codedSchema.optional(),
  keyusage: codedSchema.optional(),
});
type Vm = z.infer<typeof vmSchema>;

/** Domain, participant and usage named by a DID's path levels after `trustlist` (`-` = none). */
interface PathLevels {
  domain?: string;
  participant?: string;
  usage?: string;
}

const normUsage = (u: string): string => (u === 'SCA' ? CSCA_USAGE : u);
const codeOf = (c: z.infer<typeof codedSchema> | undefined): string | undefined => {
  if (c === undefined) return undefined;
  const text = (typeof c === 'string' ? c : c.code).replace(/^#/, '').trim().toUpperCase();
  return text === '' || text === '-' ? undefined : text;
};

/**
 * `did:web:tng-cdn.who.int:v2:trustlist:DCC:IDN:DSC` → {DCC, IDN, DSC}; DEV v2.0.0 ids add a
 * per-kid level after the usage, which is ignored. Also `trustlist-ref` ids.
 */
export function pathLevels(did: string): PathLevels {
  const segs = did.split('#', 1)[0]!.split(':');
  const at = segs.findIndex((s) => s === 'trustlist' || s === 'trustlist-ref');
  if (at < 0) return {};
  const level = (i: number): string | undefined => {
    const s = segs[at + 1 + i];
    return s === undefined || s === '-' || s === '' ? undefined : s.toUpperCase();
  };
  const usage = level(2);
  return { ...(level(0) ? { domain: level(0)! } : {}), ...(level(1) ? { participant: level(1)! } : {}), ...(usage ? { usage: normUsage(usage) } : {}) };
}

/** base64url (RFC 4648 §5), with the `=` padding some WHO encoders emit tolerated. */
function b64url(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(text)) return undefined;
  return Buffer.from(text.replace(/=+$/, ''), 'base64url');
}

const stripZeros = (b: Buffer): Buffer => {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
};

const EC_SIZES: Record<string, number> = { 'P-256': 32, 'P-384': 48, 'P-521': 66 };

export type Finding = { kind: 'notice' | 'drop'; code: EntryCode; reason: string };

/**
 * The JWK members against the certificate's key (formats.md: BigInteger.toByteArray coordinates,
 * `UNKNOWN CURVE`). Compared as integers: a length quirk is a notice, another number a drop.
 */
function crossCheckJwk(jwk: Vm['publicKeyJwk'], key: KeyObject): Finding[] {
  const out: Finding[] = [];
  const cert = key.export({ format: 'jwk' }) as { kty?: string; crv?: string; x?: string; y?: string; n?: string; e?: string };
  if (jwk.kty !== undefined && jwk.kty !== cert.kty) {
    return [{ kind: 'drop', code: 'JWK_MISMATCH', reason: `JWK kty ${jwk.kty}, the certificate's key is ${cert.kty}` }];
  }
  const members: [string, string | undefined, string | undefined][] =
    cert.kty === 'EC'
      ? [
          ['x', jwk.x, cert.x],
          ['y', jwk.y, cert.y],
        ]
      : cert.kty === 'RSA'
        ? [
            ['n', jwk.n, cert.n],
            ['e', jwk.e, cert.e],
          ]
        : [];
  if (cert.kty === 'EC' && jwk.crv !== undefined && jwk.crv !== cert.crv) {
    if (jwk.crv === 'UNKNOWN CURVE') out.push({ kind: 'notice', code: 'JWK_CRV_UNKNOWN', reason: `JWK crv "UNKNOWN CURVE"; the certificate's key is ${cert.crv}` });
    else return [{ kind: 'drop', code: 'JWK_MISMATCH', reason: `JWK crv ${jwk.crv}, the certificate's key is ${cert.crv}` }];
  }
  const size = cert.kty === 'EC' ? EC_SIZES[cert.crv ?? ''] : undefined;
  const lengths: string[] = [];
  for (const [name, listed, actual] of members) {
    if (listed === undefined || actual === undefined) continue;
    const got = b64url(listed);
    if (!got) return [{ kind: 'drop', code: 'JWK_MISMATCH', reason: `JWK ${name} is not base64url` }];
    if (!stripZeros(got).equals(stripZeros(Buffer.from(actual, 'base64url')))) {
      return [{ kind: 'drop', code: 'JWK_MISMATCH', reason: `JWK ${name} is not the certificate's key` }];
    }
    if (size !== undefined && got.length !== size) lengths.push(`${name} ${got.length} bytes`);
    if (name === 'n' && got[0] === 0) lengths.push(`n ${got.length} bytes with a leading zero`);
    if (listed.endsWith('=')) lengths.push(`${name} base64-padded`);
  }
  if (lengths.length > 0) {
    out.push({
      kind: 'notice',
      code: cert.kty === 'RSA' ? 'JWK_RSA_ENCODING' : 'JWK_COORDINATE_LENGTH',
      reason: `JWK ${lengths.join(', ')}${size !== undefined ? ` (${cert.crv}: ${size})` : ''}; the key is taken from x5c[0]`,
    });
  }
  return out;
}

/** The VM id's fragment against the kid (formats.md: sometimes percent-encoded; `+`, `/` unescaped). */
export function fragmentFindings(id: string, kid: string, listedKid: string | undefined): Finding[] {
  const hash = id.indexOf('#');
  if (hash < 0) return [{ kind: 'notice', code: 'KID_FRAGMENT_MISSING', reason: 'the VM id has no #kid fragment' }];
  const raw = id.slice(hash + 1);
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return [{ kind: 'notice', code: 'KID_FRAGMENT_INVALID', reason: 'the VM id fragment is not valid percent-encoding' }];
  }
  const out: Finding[] = [];
  if (decoded !== raw) out.push({ kind: 'notice', code: 'KID_FRAGMENT_PERCENT_ENCODED', reason: `the VM id fragment is percent-encoded (${raw.slice(0, 40)})` });
  else if (/[+/]/.test(raw)) out.push({ kind: 'notice', code: 'KID_FRAGMENT_UNESCAPED', reason: 'the kid is used as the DID fragment with "+" or "/" unescaped' });
  if (decoded !== kid && decoded !== listedKid) out.push({ kind: 'notice', code: 'KID_FRAGMENT_MISMATCH', reason: `the VM id fragment names ${decoded.slice(0, 40)}` });
  return out;
}

interface Entry {
  index: number;
  kid: string;
  listedKid: string | undefined;
  der: Buffer;
  /** x5c[1], when listed and decodable: the issuer KDS found (not trusted, only reported). */
  issuerDer: Buffer | undefined;
  domain: string;
  participant: string;
  usage: string;
}

const label = (e: { index: number; domain?: string; participant?: string; usage?: string }): string =>
  `entry ${e.index} (${e.domain ?? '?'}/${e.participant ?? '?'}/${e.usage ?? '?'})`;

export async function parseGdhcnDid(input: SourceInput): Promise<SourceResult> {
  if (!input.anchor) throw new ListError('ANCHOR_INVALID', 'gdhcn-did needs an anchor');
  const anchor = gdhcnAnchor(input.anchor);
  const json = parseJson(decodeUtf8Strict(input.bytes, 'gdhcn-did'), 'gdhcn-did');
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ListError('LIST_INVALID', 'a DID document is a JSON object');
  const doc = json as Record<string, unknown>;
  const created = await verifyGdhcnProof(doc, anchor);
  // Only what was verified is parsed: the same object.
  const docLevels = typeof doc.id === 'string' ? pathLevels(doc.id) : {};
  const vms = Array.isArray(doc.verificationMethod) ? (doc.verificationMethod as unknown[]) : [];
  const dropped: DroppedEntry[] = [];
  const expired: DroppedEntry[] = [];
  const notices: EntryNotice[] = [];
  const entries: Entry[] = [];
  const report = (kid: string | undefined, f: Finding, where: string): void => {
    const item = { ...(kid !== undefined ? { kid } : {}), code: f.code, reason: `${where}: ${f.reason}` };
    if (f.kind === 'drop') dropped.push(item);
    else notices.push(item);
  };

  vms.forEach((raw, index) => {
    if (typeof raw === 'string') {
      // A reference list (trustlist-ref): a DID URL, no key material to load.
      notices.push({ code: 'REFERENCE_ONLY', reason: `entry ${index}: a reference (${raw.slice(0, 120)}), no key material` });
      return;
    }
    const listedKidRaw = (raw as { publicKeyJwk?: { kid?: unknown } } | null)?.publicKeyJwk?.kid;
    const listedKid = typeof listedKidRaw === 'string' ? listedKidRaw.slice(0, 128) : undefined;
    const parsed = vmSchema.safeParse(raw);
    if (!parsed.success) {
      dropped.push({ ...(listedKid ? { kid: listedKid } : {}), code: 'ENTRY_INVALID', reason: `entry ${index}: ${zodMessage(parsed.error)}` });
      return;
    }
    const vm = parsed.data;
    const where0 = `entry ${index}`;
    const der = decodeBase64Strict(vm.publicKeyJwk.x5c[0]!);
    if (!der) {
      dropped.push({ ...(listedKid ? { kid: listedKid } : {}), code: 'ENTRY_INVALID', reason: `${where0}: x5c[0] is not standard base64` });
      return;
    }
    // Coded members first (signed), then the VM id's path, then the document's (see the header).
    const vmLevels = pathLevels(vm.id);
    const fromCode = { domain: codeOf(vm.domain), participant: codeOf(vm.participant), usage: codeOf(vm.keyusage) };
    const pick = (k: keyof PathLevels): string | undefined => {
      const v = fromCode[k] ?? vmLevels[k] ?? docLevels[k];
      return k === 'usage' && v !== undefined ? normUsage(v) : v;
    };
    const kid = kidOf(der);
    const shownKid = listedKid ?? kid;
    let cert: NodeX509;
    try {
      cert = new NodeX509(der);
    } catch (err) {
      dropped.push({ kid: shownKid, code: 'CERT_INVALID', reason: `${where0}: ${errorText(err)}` });
      return;
    }
    const domain = pick('domain');
    const participant = pick('participant');
    let usage = pick('usage');
    if (!usage && domain && participant) {
      // DEV v2.0.0 participant documents (…:trustlist:DCC:SGP) name no usage anywhere: a CA
      // certificate is the participant's SCA, any other its DSC (it still has to chain to one).
      usage = cert.ca ? CSCA_USAGE : SIGNER_USAGE;
      notices.push({ kid, code: 'USAGE_FROM_CERTIFICATE', reason: `${where0} (${domain}/${participant}): no usage coded or in the path; ${usage} by the certificate's basic constraints` });
    }
    const where = label({ index, ...(domain ? { domain } : {}), ...(participant ? { participant } : {}), ...(usage ? { usage } : {}) });
    if (!domain || !participant || !usage) {
      const missing = !domain ? 'DOMAIN_UNKNOWN' : !participant ? 'PARTICIPANT_UNKNOWN' : 'USAGE_UNKNOWN';
      dropped.push({ kid: shownKid, code: missing, reason: `${where}: neither the entry's codes nor its id's path name it` });
      return;
    }
    if (fromCode.domain === undefined || fromCode.participant === undefined || fromCode.usage === undefined) {
      notices.push({ kid, code: 'CODES_FROM_PATH', reason: `${where}: domain, participant or usage taken from the id's path (the entry has no coded member)` });
    }
    for (const k of ['domain', 'participant', 'usage'] as const) {
      const a = fromCode[k];
      const b = vmLevels[k];
      if (a !== undefined && b !== undefined && (k === 'usage' ? normUsage(a) : a) !== b) {
        notices.push({ kid, code: 'PATH_DISAGREES', reason: `${where}: the id's path says ${k} ${b}, the entry ${a} (the entry wins: it is what is coded)` });
      }
    }
    if (listedKid !== undefined && listedKid !== kid) {
      // DEV v2.0.0 per-kid documents list base64(kid) as the kid (their folder name).
      const unwrapped = decodeBase64Strict(listedKid)?.toString('latin1');
      if (unwrapped !== kid) {
        dropped.push({ kid: listedKid, code: 'KID_MISMATCH', reason: `${where}: listed kid differs from the certificate's ${kid}` });
        return;
      }
      notices.push({ kid, code: 'KID_BASE64_WRAPPED', reason: `${where}: the listed kid ${listedKid} is base64 of the certificate's kid` });
    }
    for (const f of fragmentFindings(vm.id, kid, listedKid)) report(kid, f, where);
    const jwkFindings = crossCheckJwk(vm.publicKeyJwk, cert.publicKey);
    for (const f of jwkFindings) report(kid, f, where);
    if (jwkFindings.some((f) => f.kind === 'drop')) return;
    const issuerB64 = vm.publicKeyJwk.x5c[1];
    entries.push({ index, kid, listedKid, der, issuerDer: issuerB64 ? decodeBase64Strict(issuerB64) : undefined, domain, participant, usage });
  });

  // SCAs by participant, across every domain of this document.
  const cscas = new Map<string, NodeX509[]>();
  for (const e of entries) {
    if (e.usage !== CSCA_USAGE) continue;
    let cert: NodeX509;
    try {
      cert = new NodeX509(e.der);
    } catch (err) {
      dropped.push({ kid: e.kid, code: 'CERT_INVALID', reason: `${label(e)}: unparseable SCA certificate: ${errorText(err)}` });
      continue;
    }
    if (!cert.ca) {
      notices.push({ kid: e.kid, code: 'SCA_NOT_CA', reason: `${label(e)}: listed as an SCA without the CA basic constraint: not used as an issuer` });
      continue;
    }
    if (input.at && new Date(cert.validTo).getTime() < input.at.getTime()) {
      // Kept as an issuer: DSCs it signed while valid stay valid until they expire (chain model).
      notices.push({ kid: e.kid, code: 'SCA_EXPIRED', reason: `${label(e)}: the SCA expired ${new Date(cert.validTo).toISOString().slice(0, 10)}` });
    }
    cscas.set(e.participant, [...(cscas.get(e.participant) ?? []), cert]);
  }

  const signers: Signer[] = [];
  const byFingerprint = new Map<string, { signer: Signer; domains: Set<string> }>();
  for (const e of entries) {
    if (e.usage === CSCA_USAGE) continue;
    if (e.usage !== SIGNER_USAGE) {
      notices.push({ kid: e.kid, code: 'USAGE_NOT_SIGNING', reason: `${label(e)}: a ${e.usage} key does not sign health certificates; not loaded` });
      continue;
    }
    const drop = (c: EntryCode, reason: string): void => {
      dropped.push({ kid: e.listedKid ?? e.kid, code: c, reason: `${label(e)}: ${reason}` });
    };
    let dsc: NodeX509;
    try {
      dsc = new NodeX509(e.der);
    } catch (err) {
      drop('CERT_INVALID', errorText(err));
      continue;
    }
    const signedBy = (ca: NodeX509): boolean => {
      try {
        return dsc.checkIssued(ca) && dsc.verify(ca.publicKey);
      } catch {
        return false;
      }
    };
    const sameParticipant = cscas.get(e.participant) ?? [];
    const issuer = sameParticipant.find(signedBy);
    if (!issuer) {
      const signatureOnly = (ca: NodeX509): boolean => {
        try {
          return dsc.verify(ca.publicKey);
        } catch {
          return false;
        }
      };
      let x5cIssuer: NodeX509 | undefined;
      try {
        x5cIssuer = e.issuerDer ? new NodeX509(e.issuerDer) : undefined;
      } catch {
        x5cIssuer = undefined;
      }
      if (sameParticipant.some(signatureOnly)) {
        // 12 PROD DSCs (10 LTU, 2 TGO): an SCA's key verifies the signature, but the issuer link
        // does not hold (authority key identifier ≠ the SCA's subject key identifier; LTU's is
        // double-wrapped), so path validation (RFC 5280 §4.2.1.1, OpenSSL X509_check_issued) fails.
        drop('CHAIN_KEY_ID_MISMATCH', `an SCA of participant ${e.participant} verifies its signature, but its issuer name or authority key identifier does not name that SCA`);
      } else if (e.issuerDer && !(x5cIssuer && signatureOnly(x5cIssuer))) {
        drop('X5C_ISSUER_INVALID', `its x5c[1] did not sign it, and no SCA of participant ${e.participant} in this document did`);
      } else {
        drop('NO_CHAIN', `no SCA of participant ${e.participant} in this document signed it${cscas.has(e.participant) ? '' : ' (the document lists none: load a list that carries the SCAs)'}`);
      }
      continue;
    }
    const known = byFingerprint.get(dsc.fingerprint256);
    if (known) {
      // The same DSC under several domains is one signer that may sign for each of them.
      known.domains.add(e.domain);
      known.signer.domains = [...known.domains].sort();
      continue;
    }
    if (input.at && new Date(dsc.validTo).getTime() < input.at.getTime()) {
      expired.push({ kid: e.listedKid ?? e.kid, code: 'DSC_EXPIRED', reason: `${label(e)}: valid to ${new Date(dsc.validTo).toISOString()}: not in force` });
      continue;
    }
    let signer: Signer;
    try {
      signer = signerFromCertificate(e.der, { source: input.def.id });
    } catch (err) {
      drop(err instanceof SignerError ? err.code : 'CERT_INVALID', errorText(err));
      continue;
    }
    // The certificate's C= (alpha-2, what CWT iss uses); the participant code when it has none.
    if (!signer.country) signer.country = e.participant;
    signer.domains = [e.domain];
    byFingerprint.set(dsc.fingerprint256, { signer, domains: new Set([e.domain]) });
    signers.push(signer);
  }
  for (const s of signers) Object.freeze(s.domains);
  // Expired DSCs after the other drops: the status lists the first 100, and 300 expired PROD
  // certificates must not hide the dozen refused for their chain.
  return { signers, dropped: [...dropped, ...expired], notices, listTime: { at: created, kind: 'signed' } };
}

export const gdhcnDid: SourceType = { kind: 'dcc', requires: ['anchor'], parse: parseGdhcnDid };
