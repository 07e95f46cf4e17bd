// The JWS layer (SHC spec "Health Cards are small"): compact JWS, protected header
// `{zip:"DEF", alg:"ES256", kid}`, payload = raw DEFLATE (RFC 1951, no zlib header) of the
// minified JSON claims. jose never inflates a JWS payload (security.md §2.10 H-1), so the
// inflation here is ours and capped; the payload is parsed before the signature is checked
// only because `iss` is needed to find the key — nothing in it is trusted until verified.
//
// Error codes: JWS structure, header member types, `zip` ≠ DEF, `crit`/`b64`, payload not a
// JSON object → CBOR_INVALID ("not a well-formed signed message"); `alg` missing or not ES256
// → ALGORITHM_UNSUPPORTED; `kid` missing → KID_UNKNOWN (as DCC does); inflate errors →
// DECOMPRESSION_FAILED (also more than MAX_TRAILING_BYTES after the DEFLATE stream, or an
// 8-byte trailer that is not the gzip CRC-32 and length); over a cap → PAYLOAD_TOO_LARGE;
// claims missing or mistyped → CWT_INVALID ("lacks required claims or holds no health certificate").
import { VerificationError } from '../../errors.js';
import type { Notice } from '../format.js';
import { inflateCapped, type Inflated } from '../inflate.js';
import { jsonDepth } from '../shared.js';
import { MAX_JWS_CHARS } from './numeric.js';

/** security.md §2 size table: the inflated SHC payload ≤ 64 KiB. */
export const MAX_PAYLOAD_BYTES = 64 * 1024;
export const MAX_HEADER_CHARS = 1024;
/** Nesting bound for the payload JSON (FHIR bundles are ~8 deep). */
export const MAX_JSON_DEPTH = 64;
const MAX_KID_CHARS = 128;
/**
 * Bytes tolerated after the DEFLATE stream (issue #10 item 3): a production issuer (Senegal)
 * appends the 8-byte gzip trailer (CRC-32, length; RFC 1952 §2.3.1) to its raw DEFLATE. The
 * bytes are inside the signed JWS payload, so nothing rides along unsigned; more is refused.
 */
export const MAX_TRAILING_BYTES = 8;
const B64URL = /^[A-Za-z0-9_-]*$/;

export interface ShcHeader {
  alg: 'ES256';
  kid: string;
  zip: 'DEF';
}

export interface ShcClaims {
  iss: string;
  /** NumericDate seconds (may be fractional). */
  nbf: number;
  exp?: number;
  vc: Record<string, unknown>;
  /** vc.credentialSubject.fhirBundle */
  fhirBundle: Record<string, unknown>;
  /** vc.type, as given (strings only). */
  types: string[];
  /** vc.rid, the revocation id, when present. */
  rid?: string;
}

export interface DecodedJws {
  header: ShcHeader;
  /** ASCII bytes of `header.payload` exactly as received: what the signature covers. */
  /** The compact JWS as received, for the signature check. */
  compact: string;
  signature: Uint8Array;
  claims: ShcClaims;
  /** The decoded payload JSON (for business rules; never logged). */
  payload: Record<string, unknown>;
  /** What decoding noticed (DEFLATE_TRAILING_BYTES). */
  warnings: Notice[];
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Strict base64url without padding (RFC 7515 §2). Only the canonical spelling is accepted
 * (unused low bits of the last character zero), so one signature has one text: Node's decoder
 * would otherwise read several texts as the same bytes.
 */
function b64url(part: string, what: string): Buffer {
  if (!B64URL.test(part) || part.length % 4 === 1) throw new VerificationError('CBOR_INVALID', `JWS ${what} is not base64url`);
  const bytes = Buffer.from(part, 'base64url');
  if (bytes.toString('base64url') !== part) throw new VerificationError('CBOR_INVALID', `JWS ${what} is not canonical base64url`);
  return bytes;
}

// ignoreBOM keeps a BOM in the text, so JSON.parse refuses it (RFC 8259 §8.1: no BOM in JSON).
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function parseJsonObject(bytes: Uint8Array, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(bytes));
  } catch {
    throw new VerificationError('CBOR_INVALID', `JWS ${what} is not UTF-8 JSON`);
  }
  if (!isRecord(value)) throw new VerificationError('CBOR_INVALID', `JWS ${what} is not a JSON object`);
  return value;
}

/**
 * The SHC payload's raw DEFLATE, capped at MAX_PAYLOAD_BYTES; up to MAX_TRAILING_BYTES after
 * the stream are tolerated (an 8-byte trailer must be the gzip CRC-32 and length), more → DECOMPRESSION_FAILED.
 */
export function inflateRaw(data: Uint8Array, maxOutput = MAX_PAYLOAD_BYTES): Inflated {
  return inflateCapped(data, { raw: true, max: maxOutput, allowTrailer: MAX_TRAILING_BYTES });
}

function parseHeader(part: string): ShcHeader {
  if (part.length > MAX_HEADER_CHARS) throw new VerificationError('PAYLOAD_TOO_LARGE', 'JWS header is too large');
  const h = parseJsonObject(b64url(part, 'header'), 'header');
  // RFC 7515 §4.1.11: a `crit` we do not understand must be refused; RFC 7797 b64:false changes
  // what is signed and the SHC profile never uses it.
  if ('crit' in h) throw new VerificationError('CBOR_INVALID', 'JWS header has "crit"');
  if ('b64' in h) throw new VerificationError('CBOR_INVALID', 'JWS header has "b64"');
  if (h.alg === undefined) throw new VerificationError('ALGORITHM_UNSUPPORTED', 'JWS header has no "alg"');
  // SHC spec: ES256 only. HS256/none would let a public key act as a secret (security.md H-4/H-5).
  if (h.alg !== 'ES256') throw new VerificationError('ALGORITHM_UNSUPPORTED', 'JWS "alg" is not ES256');
  if (h.kid === undefined) throw new VerificationError('KID_UNKNOWN', 'JWS header has no "kid"');
  if (typeof h.kid !== 'string' || h.kid.length === 0 || h.kid.length > MAX_KID_CHARS) {
    throw new VerificationError('CBOR_INVALID', 'JWS "kid" is not a short string');
  }
  if (h.zip !== 'DEF') throw new VerificationError('CBOR_INVALID', 'JWS header lacks "zip":"DEF" (SHC payloads are raw DEFLATE)');
  return { alg: 'ES256', kid: h.kid, zip: 'DEF' };
}

/** Largest NumericDate a JS Date can hold (ECMA-262 §21.4.1.1: ±8.64e15 ms), so reports never see an Invalid Date. */
const MAX_NUMERIC_DATE = 8.64e12;

function numericDate(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= MAX_NUMERIC_DATE;
}

function parseClaims(payload: Record<string, unknown>): ShcClaims {
  const { iss, nbf, exp, vc } = payload;
  if (typeof iss !== 'string' || iss.length === 0 || iss.length > 512) throw new VerificationError('CWT_INVALID', 'claim "iss" missing or not a string');
  if (!numericDate(nbf)) throw new VerificationError('CWT_INVALID', 'claim "nbf" missing or not a NumericDate');
  if (exp !== undefined && !numericDate(exp)) throw new VerificationError('CWT_INVALID', 'claim "exp" is not a NumericDate');
  if (!isRecord(vc)) throw new VerificationError('CWT_INVALID', 'claim "vc" missing');
  const subject = vc.credentialSubject;
  if (!isRecord(subject) || !isRecord(subject.fhirBundle)) {
    throw new VerificationError('CWT_INVALID', 'vc.credentialSubject.fhirBundle missing: no health card inside');
  }
  const types = Array.isArray(vc.type) ? vc.type.filter((t): t is string => typeof t === 'string') : [];
  const claims: ShcClaims = { iss, nbf, vc, fhirBundle: subject.fhirBundle, types };
  if (exp !== undefined) claims.exp = exp as number;
  if (typeof vc.rid === 'string') claims.rid = vc.rid;
  return claims;
}

/** Compact JWS text → header, signed bytes, signature and claims (no key, no clock). */
export function decodeJws(jws: string): DecodedJws {
  if (jws.length > MAX_JWS_CHARS) throw new VerificationError('PAYLOAD_TOO_LARGE', `JWS longer than ${MAX_JWS_CHARS} characters`);
  const parts = jws.split('.');
  if (parts.length !== 3) throw new VerificationError('CBOR_INVALID', 'not a compact JWS (three dot-separated parts)');
  const [h, p, s] = parts as [string, string, string];
  if (h.length === 0 || p.length === 0 || s.length === 0) throw new VerificationError('CBOR_INVALID', 'a JWS part is empty');
  const header = parseHeader(h);
  const signature = b64url(s, 'signature');
  const inflated = inflateRaw(b64url(p, 'payload'));
  const payload = parseJsonObject(inflated.bytes, 'payload');
  if (jsonDepth(payload, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) throw new VerificationError('PAYLOAD_TOO_LARGE', 'payload JSON nested too deeply');
  return {
    header,
    compact: jws,
    signature: new Uint8Array(signature),
    claims: parseClaims(payload),
    payload,
    warnings: inflated.trailingBytes > 0 ? [{ code: 'DEFLATE_TRAILING_BYTES', detail: `${inflated.trailingBytes} bytes after the DEFLATE stream` }] : [],
  };
}
