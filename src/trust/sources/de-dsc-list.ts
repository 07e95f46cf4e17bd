// `de-dsc-list`: the German national backend's DSC list (research/trust-list-formats.md §1).
// Line 1 is a base64 raw r‖s ECDSA P-256/SHA-256 signature over the JSON that follows; the
// signature is checked over the exact bytes BEFORE the JSON is parsed (never re-serialise:
// the signature covers covpass's `": "` spacing). Any failure refuses the whole list.
import { verify } from 'node:crypto';
import { z } from 'zod';
import {
  decodeBase64Strict,
  decodeUtf8Strict,
  ListError,
  parseJson,
  publicKeyFromPem,
  type SourceInput,
  type SourceResult,
  type SourceType,
  zodMessage,
} from './common.js';
import { newestTimestamp, signersFromDscEntries } from './dsc-entries.js';

/** covpass DscList model: `{certificates: [...], etag?}`; unknown members ignored. */
const payloadSchema = z.object({ certificates: z.array(z.unknown()).max(100_000) });

/** ASCII whitespace (space, tab, LF, VT, FF, CR), as covpass's Kotlin trim() strips here. */
function isAsciiSpace(b: number): boolean {
  return b === 0x20 || (b >= 0x09 && b <= 0x0d);
}

function trimAscii(bytes: Uint8Array): Uint8Array {
  let start = 0;
  let end = bytes.length;
  while (start < end && isAsciiSpace(bytes[start]!)) start++;
  while (end > start && isAsciiSpace(bytes[end - 1]!)) end--;
  return bytes.subarray(start, end);
}

/**
 * Splits and verifies the list; returns the exact signed JSON bytes. Recipe (§1 steps 1–4):
 * signature = base64(text before the first LF) → 64 bytes r‖s; payload = bytes after the LF,
 * ASCII-whitespace-trimmed; verify P-256/SHA-256 with the anchor's SPKI, ieee-p1363 encoding
 * (the encoding is pinned for this source, never guessed from the length).
 */
export function verifyDeDscList(bytes: Uint8Array, anchorPem: Uint8Array): Uint8Array {
  const lf = bytes.indexOf(0x0a);
  if (lf < 0) throw new Error('de-dsc-list has no signature line');
  const sigText = Buffer.from(trimAscii(bytes.subarray(0, lf))).toString('latin1');
  const signature = decodeBase64Strict(sigText);
  if (!signature || signature.length !== 64) {
    throw new Error('de-dsc-list signature line is not base64 of a 64-byte raw P-256 signature');
  }
  const payload = trimAscii(bytes.subarray(lf + 1));
  const key = publicKeyFromPem(anchorPem, 'de-dsc-list anchor');
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error('de-dsc-list anchor is not an EC P-256 key');
  }
  if (!verify('sha256', payload, { key, dsaEncoding: 'ieee-p1363' }, signature)) {
    throw new ListError('SIGNATURE_INVALID', 'de-dsc-list signature does not verify with the anchor');
  }
  return payload;
}

export async function parseDeDscList(input: SourceInput): Promise<SourceResult> {
  if (!input.anchor) throw new Error('de-dsc-list needs an anchor');
  const payload = verifyDeDscList(input.bytes, input.anchor);
  const json = parseJson(decodeUtf8Strict(payload, 'de-dsc-list payload'), 'de-dsc-list payload');
  const parsed = payloadSchema.safeParse(json);
  if (!parsed.success) throw new Error(`de-dsc-list payload has no certificates array: ${zodMessage(parsed.error)}`);
  const result = signersFromDscEntries(parsed.data.certificates, input.def.id);
  const newest = newestTimestamp(parsed.data.certificates);
  // No list-level version in this format: the newest entry timestamp, covered by the list
  // signature, is its content age (a list can only gain later uploads).
  if (newest) result.listTime = { at: newest, kind: 'newest-entry' };
  return result;
}

export const deDscList: SourceType = { kind: 'dcc', requires: ['anchor'], parse: parseDeDscList };
