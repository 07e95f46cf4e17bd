// From QR text to the credential object, no crypto and no clock. Three shapes (WHO
// ddcc-validator QRDecoder, DIVOC verification-app): `B64:` + base64(ZIP), the ZIP bytes
// themselves (QR byte mode, read as Latin-1 text, starting with the local-header magic
// "PK\x03\x04"), or the credential JSON as it is.
import { VerificationError } from '../../errors.js';
import { CREDENTIALS_V1, DIVOC_CONTEXT_URLS } from './contexts/index.js';
import { SUITES } from './proof.js';
import { MAX_ZIP_BYTES, readCertificateJson } from './zip.js';

const ZIP_MAGIC = 'PK\u0003\u0004';
const B64 = /^[A-Za-z0-9+/]+={0,2}$/;
/**
 * The cost of a credential is bounded BEFORE it is canonicalised (issue #11 "Faults are honest":
 * a 1.5 KB forgery with 150 evidence entries cost 0.44 s of URDNA2015, and a queue of them made
 * genuine certificates time out). Every real DIVOC credential (CoWIN, PeduliLindungi, Sri Lanka,
 * the DIVOC demo; WHO ddcc-validator test data) has ONE evidence entry, 60–150 JSON terms,
 * 8–10 JSON objects and nests 5 levels (evidence[].facility.address). The limits are several
 * times that, so no real credential comes near them, while URDNA2015's cost — which grows with
 * the number of blank nodes (JSON objects without @id) and of quads (terms) — stays at
 * milliseconds. Over a limit: PAYLOAD_TOO_LARGE, the certificate's fault.
 */
export const COST_LIMITS = {
  /** One per certificate in every DIVOC deployment; 4 leaves room for a multi-dose variant. */
  evidence: 4,
  /** Every object key, array element and scalar counts once; 60–150 in a real credential. */
  terms: 1000,
  /** JSON objects (each a potential blank node); 8–10 in a real credential. */
  objects: 48,
  /** Real credentials nest 5 levels; anything deeper is hostile. */
  depth: 16,
} as const;

/** Counts terms, objects and depth in one iterative walk; stops at the first limit exceeded. */
function assertBoundedCost(doc: unknown): void {
  let terms = 0;
  let objects = 0;
  const stack: [unknown, number][] = [[doc, 1]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    terms++;
    if (terms > COST_LIMITS.terms) throw new VerificationError('PAYLOAD_TOO_LARGE', `credential holds more than ${COST_LIMITS.terms} JSON terms`);
    if (typeof v !== 'object' || v === null) continue;
    if (d > COST_LIMITS.depth) throw new VerificationError('PAYLOAD_TOO_LARGE', `credential nested deeper than ${COST_LIMITS.depth}`);
    if (!Array.isArray(v) && ++objects > COST_LIMITS.objects) throw new VerificationError('PAYLOAD_TOO_LARGE', `credential holds more than ${COST_LIMITS.objects} JSON objects`);
    for (const child of Object.values(v)) stack.push([child, d + 1]);
  }
}

function hasB64Prefix(text: string): boolean {
  return text.slice(0, 4).toUpperCase() === 'B64:';
}

function mentionsDivocContext(text: string): boolean {
  return text.includes(CREDENTIALS_V1) && Object.keys(DIVOC_CONTEXT_URLS).some((url) => text.includes(url));
}

export function detectDivoc(text: string): boolean {
  if (hasB64Prefix(text) || text.startsWith(ZIP_MAGIC)) return true;
  return text.trimStart().startsWith('{') && mentionsDivocContext(text);
}


function zipBytes(text: string): Uint8Array {
  if (hasB64Prefix(text)) {
    const body = text.slice(4);
    if (body.length > Math.ceil((MAX_ZIP_BYTES * 4) / 3) + 4) throw new VerificationError('PAYLOAD_TOO_LARGE', 'archive too large');
    if (!B64.test(body)) throw new VerificationError('DECOMPRESSION_FAILED', 'B64: payload is not base64');
    return new Uint8Array(Buffer.from(body, 'base64'));
  }
  if (text.length > MAX_ZIP_BYTES) throw new VerificationError('PAYLOAD_TOO_LARGE', 'archive too large');
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) throw new VerificationError('DECOMPRESSION_FAILED', 'ZIP text holds a non-byte character');
    bytes[i] = c;
  }
  return bytes;
}

export interface DecodedDivoc {
  credential: Record<string, unknown>;
  proof: Record<string, unknown> & { type: keyof typeof SUITES; verificationMethod: string; jws: string };
}

export function decodeDivoc(text: string): DecodedDivoc {
  const json = text.trimStart().startsWith('{') ? text : new TextDecoder('utf-8', { fatal: false }).decode(readCertificateJson(zipBytes(text)));
  if (json.length > 64 * 1024) throw new VerificationError('PAYLOAD_TOO_LARGE', 'credential too large');
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch {
    throw new VerificationError('CBOR_INVALID', 'certificate.json is not JSON');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new VerificationError('CBOR_INVALID', 'credential is not a JSON object');
  const vc = doc as Record<string, unknown>;
  if (Array.isArray(vc.evidence) && vc.evidence.length > COST_LIMITS.evidence) {
    throw new VerificationError('PAYLOAD_TOO_LARGE', `credential lists ${vc.evidence.length} evidence entries (at most ${COST_LIMITS.evidence})`);
  }
  assertBoundedCost(vc);
  const ctx = vc['@context'];
  // VC Data Model 1.0 §4.1: the first context is the credentials context.
  if (!Array.isArray(ctx) || ctx[0] !== CREDENTIALS_V1) throw new VerificationError('CBOR_INVALID', 'not a W3C verifiable credential');
  if (!Array.isArray(vc.type) || !vc.type.includes('VerifiableCredential')) throw new VerificationError('CBOR_INVALID', 'type lacks VerifiableCredential');
  const proof = vc.proof;
  if (typeof proof !== 'object' || proof === null || Array.isArray(proof)) throw new VerificationError('CBOR_INVALID', 'credential has no single proof');
  const p = proof as Record<string, unknown>;
  if (typeof p.type !== 'string' || !(p.type in SUITES)) throw new VerificationError('ALGORITHM_UNSUPPORTED', `proof type ${String(p.type)} not supported`);
  if (typeof p.verificationMethod !== 'string' || p.verificationMethod.length === 0) throw new VerificationError('CBOR_INVALID', 'proof.verificationMethod missing');
  if (typeof p.jws !== 'string') throw new VerificationError('CBOR_INVALID', 'proof.jws missing');
  // jsonld-signatures AssertionProofPurpose: an issuer's credential is an assertion.
  if (p.proofPurpose !== 'assertionMethod') throw new VerificationError('SIGNATURE_INVALID', 'proofPurpose is not assertionMethod');
  return { credential: vc, proof: p as DecodedDivoc['proof'] };
}
