// The QR layer of a SMART Health Card (SHC spec "Encoding Chunks as QR codes"): `shc:/` then
// the JWS in numeric mode, each character as two digits = char code − 45 (`-` is 0, `z` is 77).
// Chunked cards (`shc:/<i>/<n>/…`, deprecated since 2022 but still in circulation) arrive as
// several QR texts; one chunk alone cannot be verified, so the API assembles them first.
//
// Error codes (the contract has no SHC-specific ones; the nearest layer is named):
//   malformed numeric text (non-digit, odd digit count, pair > 77), bad or inconsistent
//   chunk headers, a duplicate or missing chunk, a chunk sent alone → UNSUPPORTED_FORMAT
//     (the text carries the prefix but not the shape of an SHC QR; BASE45_INVALID names
//     another alphabet and would mislead the officer);
//   a text, chunk or chunk count beyond its cap                    → PAYLOAD_TOO_LARGE.
import { VerificationError } from '../../errors.js';

export const SHC_PREFIX = 'shc:/';
/** security.md §2 size table: an SHC JWS ≤ 8 KiB (real ones are ≤ 1195 chars per QR). */
export const MAX_JWS_CHARS = 8 * 1024;
/** SHC-DT src/qr.ts MAX_QR_CHUNK_LENGTH: a chunk holds at most 1191 JWS characters. */
export const MAX_CHUNK_CHARS = 1191;
/** SHC-DT src/qr.ts MAX_SINGLE_QR_LENGTH: a single QR (version 22) holds at most 1195. */
export const MAX_SINGLE_QR_CHARS = 1195;
/** Bounds the work on a list of chunks; MAX_JWS_CHARS / 1191 needs 7, the dev-tools test has 17. */
export const MAX_CHUNKS = 20;

const NUMERIC_OFFSET = 45;
const MAX_PAIR = 77; // 'z' − 45

/** True when the text starts with `shc:/` (lower case per spec; upper case as an alphanumeric-mode QR gives it). */
export function hasShcPrefix(text: string): boolean {
  return text.length >= SHC_PREFIX.length && text.slice(0, SHC_PREFIX.length).toLowerCase() === SHC_PREFIX;
}

/** Digit pairs → JWS characters. Throws UNSUPPORTED_FORMAT on anything but pairs 00–77. */
export function decodeNumeric(digits: string): string {
  if (digits.length > 2 * MAX_JWS_CHARS) {
    throw new VerificationError('PAYLOAD_TOO_LARGE', `numeric data longer than ${2 * MAX_JWS_CHARS} digits`);
  }
  if (digits.length === 0) throw new VerificationError('UNSUPPORTED_FORMAT', 'no numeric data after the SHC header');
  if (!/^[0-9]+$/.test(digits)) throw new VerificationError('UNSUPPORTED_FORMAT', 'SHC numeric data holds a non-digit');
  if (digits.length % 2 !== 0) throw new VerificationError('UNSUPPORTED_FORMAT', 'SHC numeric data has an odd number of digits');
  const out: string[] = new Array<string>(digits.length / 2);
  for (let i = 0; i < digits.length; i += 2) {
    const value = (digits.charCodeAt(i) - 48) * 10 + (digits.charCodeAt(i + 1) - 48);
    if (value > MAX_PAIR) throw new VerificationError('UNSUPPORTED_FORMAT', `SHC digit pair ${value} is above 77`);
    out[i / 2] = String.fromCharCode(value + NUMERIC_OFFSET);
  }
  return out.join('');
}

/** JWS characters → digit pairs (for tests, the demo and assembled chunks). */
export function encodeNumeric(jws: string): string {
  let out = '';
  for (let i = 0; i < jws.length; i++) {
    const value = jws.charCodeAt(i) - NUMERIC_OFFSET;
    if (value < 0 || value > MAX_PAIR) throw new RangeError('character outside the SHC numeric range');
    out += value < 10 ? `0${value}` : String(value);
  }
  return out;
}

export interface ShcQrPart {
  /** 1-based chunk index; 1 for a single QR. */
  index: number;
  /** Number of chunks; 1 for a single QR. */
  total: number;
  digits: string;
}

const POSITIVE = '[1-9][0-9]{0,2}';
const CHUNKED = new RegExp(`^(${POSITIVE})/(${POSITIVE})/(.*)$`, 's');

/** Splits one QR text into its chunk header and digits (no decoding yet). */
export function parseQrText(text: string): ShcQrPart {
  if (!hasShcPrefix(text)) throw new VerificationError('UNSUPPORTED_FORMAT', 'no shc:/ prefix');
  if (text.length > SHC_PREFIX.length + 8 + 2 * MAX_JWS_CHARS) {
    throw new VerificationError('PAYLOAD_TOO_LARGE', 'SHC QR text longer than any SMART Health Card');
  }
  const rest = text.slice(SHC_PREFIX.length);
  const m = CHUNKED.exec(rest);
  if (!m) {
    if (rest.includes('/')) throw new VerificationError('UNSUPPORTED_FORMAT', 'malformed SHC chunk header');
    return { index: 1, total: 1, digits: rest };
  }
  const index = Number(m[1]);
  const total = Number(m[2]);
  if (index > total) throw new VerificationError('UNSUPPORTED_FORMAT', `SHC chunk index ${index} is above the total ${total}`);
  if (total > MAX_CHUNKS) throw new VerificationError('PAYLOAD_TOO_LARGE', `SHC card split into more than ${MAX_CHUNKS} chunks`);
  return { index, total, digits: m[3] ?? '' };
}

/**
 * One QR text → JWS. `shc:/1/1/…` is read as a single QR (the SMART dev tools accept it with
 * a warning). One chunk of several cannot be verified alone: UNSUPPORTED_FORMAT says to send
 * all of them (through assembleChunks).
 */
export function qrToJws(text: string): string {
  const part = parseQrText(text);
  if (part.total > 1) {
    throw new VerificationError(
      'UNSUPPORTED_FORMAT',
      `SHC chunk ${part.index} of ${part.total} alone cannot be verified: scan all ${part.total} QR codes`,
    );
  }
  return decodeNumeric(part.digits);
}

/**
 * Several QR texts of one chunked card (any order) → one single-QR text `shc:/<digits>` that
 * the adapter verifies. A single unchunked text is returned as it is. Throws VerificationError
 * (UNSUPPORTED_FORMAT / PAYLOAD_TOO_LARGE) on a mixed, duplicate, missing or oversize chunk.
 */
export function assembleChunks(texts: readonly string[]): string {
  if (texts.length === 0) throw new VerificationError('UNSUPPORTED_FORMAT', 'no SHC QR text');
  if (texts.length > MAX_CHUNKS) throw new VerificationError('PAYLOAD_TOO_LARGE', `more than ${MAX_CHUNKS} SHC chunks`);
  const parts = texts.map(parseQrText);
  const first = parts[0]!;
  if (parts.length === 1 && first.total === 1) {
    decodeNumeric(first.digits); // validate now so the caller gets the error where it belongs
    return texts[0]!;
  }
  const total = first.total;
  if (parts.some((p) => p.total !== total)) throw new VerificationError('UNSUPPORTED_FORMAT', 'SHC chunks disagree on the chunk count');
  if (total === 1) throw new VerificationError('UNSUPPORTED_FORMAT', 'several unchunked SHC QR texts: verify them one by one');
  const byIndex = new Array<string | undefined>(total);
  for (const p of parts) {
    if (byIndex[p.index - 1] !== undefined) throw new VerificationError('UNSUPPORTED_FORMAT', `SHC chunk ${p.index} given twice`);
    const jwsPart = decodeNumeric(p.digits);
    if (jwsPart.length > MAX_CHUNK_CHARS) {
      throw new VerificationError('PAYLOAD_TOO_LARGE', `SHC chunk ${p.index} holds more than ${MAX_CHUNK_CHARS} characters`);
    }
    byIndex[p.index - 1] = p.digits;
  }
  const missing = byIndex.findIndex((d) => d === undefined);
  if (missing >= 0) throw new VerificationError('UNSUPPORTED_FORMAT', `SHC chunk ${missing + 1} of ${total} is missing`);
  const digits = byIndex.join('');
  if (digits.length > 2 * MAX_JWS_CHARS) throw new VerificationError('PAYLOAD_TOO_LARGE', `SHC JWS longer than ${MAX_JWS_CHARS} characters`);
  return SHC_PREFIX + digits;
}

/** JWS → the QR texts an issuer would print: one when it fits 1195 characters, else balanced chunks. */
export function jwsToQrTexts(jws: string): string[] {
  if (jws.length <= MAX_SINGLE_QR_CHARS) return [SHC_PREFIX + encodeNumeric(jws)];
  const n = Math.ceil(jws.length / MAX_CHUNK_CHARS);
  const size = Math.ceil(jws.length / n);
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(`${SHC_PREFIX}${i + 1}/${n}/${encodeNumeric(jws.slice(i * size, (i + 1) * size))}`);
  return out;
}
