// From QR text to the credential object, no crypto and no clock. Three shapes (WHO
// ddcc-validator QRDecoder, DIVOC verification-app): `B64:` + base64(ZIP), the ZIP bytes
// themselves (QR byte mode, read as Latin-1 text, starting with the local-header magic
// "PK\x03\x04"), or the credential JSON as it is.
import { VerificationError } from '../../errors.js';
import { jsonDepth } from '../shared.js';
import { CREDENTIALS_V1, DIVOC_CONTEXT_URLS } from './contexts/index.js';
import { SUITES } from './proof.js';
import { MAX_ZIP_BYTES, readCertificateJson } from './zip.js';

const ZIP_MAGIC = 'PK\u0003\u0004';
const B64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** Real credentials nest 5 levels (evidence[].facility.address); anything deeper is hostile. */
const MAX_DEPTH = 16;

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
  if (jsonDepth(doc, MAX_DEPTH) > MAX_DEPTH) throw new VerificationError('PAYLOAD_TOO_LARGE', `credential nested deeper than ${MAX_DEPTH}`);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new VerificationError('CBOR_INVALID', 'credential is not a JSON object');
  const vc = doc as Record<string, unknown>;
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
