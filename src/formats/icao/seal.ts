// Decoding an ICAO VDS-NC seal (ICAO TR "Visible Digital Seals for Non-Constrained
// Environments", JSON profile): `{data: {hdr, msg}, sig: {alg, cer, sigvl}}`. No crypto and no
// clock here: this only checks the shape and computes the bytes the signature covers.
import canonicalize from 'canonicalize';
import { VerificationError } from '../../errors.js';
import { jsonDepth } from '../shared.js';

/** The two seal types of the health profile (hdr.t); anything else is not this format. */
export const VDS_TYPES = ['icao.vacc', 'icao.test'] as const;
export type VdsType = (typeof VDS_TYPES)[number];

/** Signature algorithms the TR allows: ECDSA on P-256/P-384/P-521 with the matching SHA-2. */
export const VDS_ALGS = ['ES256', 'ES384', 'ES512'] as const;
export type VdsAlg = (typeof VDS_ALGS)[number];

/** A QR code holds at most ~3 KB; anything far above that is not a real seal. */
export const MAX_SEAL_CHARS = 16 * 1024;
/** Real seals nest 5 levels (data.msg.ve[].vd[]); a deeper document is hostile. */
export const MAX_SEAL_DEPTH = 12;

export interface VdsNcSeal {
  type: VdsType;
  /** hdr.is as written: a Doc 9303 three-letter code ("AUS"). */
  issuingState: string;
  data: Record<string, unknown>;
  msg: Record<string, unknown>;
  alg: string;
  /** sig.cer: DER of the barcode signer certificate (BSC). */
  certificateDer: Uint8Array;
  /** sig.sigvl: raw r‖s. */
  signature: Uint8Array;
  /** UTF-8 of the RFC 8785 canonical JSON of `data`: what the signature covers. */
  signedBytes: Uint8Array;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Cheap pre-check before any parsing (WHO ddcc-validator does the same "contains ICAO" test). */
function looksLikeSeal(text: string): boolean {
  const t = text.trimStart();
  return t.startsWith('{') && text.length <= MAX_SEAL_CHARS && /icao/i.test(text);
}


function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function sealType(doc: unknown): VdsType | undefined {
  if (!isRecord(doc) || !isRecord(doc.data) || !isRecord(doc.data.hdr)) return undefined;
  const t = doc.data.hdr.t;
  return (VDS_TYPES as readonly unknown[]).includes(t) ? (t as VdsType) : undefined;
}

/** True only for a JSON object whose data.hdr.t is a health seal type. */
export function detectSeal(text: string): boolean {
  return looksLikeSeal(text) && sealType(parseJson(text)) !== undefined;
}

const B64URL = /^[A-Za-z0-9_-]+={0,2}$/;

/** base64url as the TR writes it; real seals (the AU vector) keep the `=` padding, so allow it. */
export function decodeBase64Url(value: unknown, what: string): Uint8Array {
  if (typeof value !== 'string' || !B64URL.test(value)) {
    throw new VerificationError('CBOR_INVALID', `${what} is not base64url`);
  }
  return new Uint8Array(Buffer.from(value.replace(/=+$/, ''), 'base64url'));
}

export function encodeBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

export function canonicalBytes(data: unknown): Uint8Array {
  const text = canonicalize(data);
  if (text === undefined) throw new VerificationError('CBOR_INVALID', 'data cannot be canonicalised');
  return new TextEncoder().encode(text);
}

export function parseSeal(text: string): VdsNcSeal {
  if (text.length > MAX_SEAL_CHARS) throw new VerificationError('PAYLOAD_TOO_LARGE', `seal over ${MAX_SEAL_CHARS} characters`);
  const doc = parseJson(text);
  if (doc === undefined) throw new VerificationError('CBOR_INVALID', 'seal is not JSON');
  if (jsonDepth(doc, MAX_SEAL_DEPTH) > MAX_SEAL_DEPTH) throw new VerificationError('PAYLOAD_TOO_LARGE', `seal nested deeper than ${MAX_SEAL_DEPTH}`);
  const type = sealType(doc);
  if (!type || !isRecord(doc) || !isRecord(doc.data) || !isRecord(doc.data.hdr)) {
    throw new VerificationError('CBOR_INVALID', 'not a VDS-NC health seal');
  }
  const { hdr, msg } = doc.data;
  // TR: hdr.v is the seal version; 1 is the only one defined.
  if (hdr.v !== 1) throw new VerificationError('CBOR_INVALID', 'unsupported VDS-NC version');
  if (typeof hdr.is !== 'string' || !/^[A-Z<]{1,3}$/.test(hdr.is)) {
    throw new VerificationError('CBOR_INVALID', 'hdr.is is not a three-letter state code');
  }
  if (!isRecord(msg)) throw new VerificationError('CBOR_INVALID', 'data.msg missing');
  const sig = doc.sig;
  if (!isRecord(sig)) throw new VerificationError('CBOR_INVALID', 'sig missing');
  if (typeof sig.alg !== 'string') throw new VerificationError('ALGORITHM_UNSUPPORTED', 'sig.alg missing');
  return {
    type,
    issuingState: hdr.is,
    data: doc.data,
    msg,
    alg: sig.alg,
    certificateDer: decodeBase64Url(sig.cer, 'sig.cer'),
    signature: decodeBase64Url(sig.sigvl, 'sig.sigvl'),
    signedBytes: canonicalBytes(doc.data),
  };
}
