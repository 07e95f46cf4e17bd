// `dcc-revocation`: EU DCC revocation entries (anchors-mission.md §2.6; EU-GW
// RevocationBatchDto): batches `{country, expires, kid, hashType, entries:[{hash}]}` with hash
// types UCI, COUNTRYCODEUCI and SIGNATURE, each hash the first 16 bytes of a SHA-256 (base64).
// The file is a batch, an array of batches, or `{ "date"?, "batches": [...] }`.
// The gateway distributes batches CMS-signed per uploader; a re-published list has no common
// signature format, so this service pins one: a url source needs `anchor` (PEM key or
// certificate) and `signature` (detached signature over the exact bytes, SHA-256; DER ECDSA
// for EC keys, PKCS#1 v1.5 for RSA). A local file is trusted because the operator placed it.
// `date` (when present) is covered by that signature and serves as the list's rollback floor.
import { verify } from 'node:crypto';
import { z } from 'zod';
import { Hash16Set, HASH_BYTES } from '../revocation-set.js';
import type { DroppedEntry, RevocationHashType } from '../types.js';
import {
  decodeBase64Strict,
  decodeUtf8Strict,
  errorText,
  ListError,
  parseJson,
  publicKeyFromPem,
  type RevocationData,
  type SourceInput,
  type SourceResult,
  type SourceType,
  zodMessage,
} from './common.js';

export const HASH_TYPES: readonly RevocationHashType[] = ['UCI', 'COUNTRYCODEUCI', 'SIGNATURE'];
/** A list larger than this is refused as a whole (the benchmark covers 1M entries). */
export const MAX_REVOCATION_ENTRIES = 5_000_000;

const batchSchema = z.object({
  country: z.string().max(8).optional(),
  expires: z.string().max(64).optional(),
  kid: z.string().max(64).optional(),
  hashType: z.enum(['UCI', 'COUNTRYCODEUCI', 'SIGNATURE']),
  entries: z.array(z.object({ hash: z.string().max(128) })).max(MAX_REVOCATION_ENTRIES),
});
const fileSchema = z.union([
  z.object({ date: z.iso.datetime({ offset: true }).optional(), batches: z.array(z.unknown()).max(1_000_000) }),
  z.array(z.unknown()).max(1_000_000),
  z.object({ hashType: z.string() }).passthrough(),
]);

/** Verifies a detached signature over `bytes` with a PEM key or certificate. Throws ListError. */
export function verifyDetached(bytes: Uint8Array, signature: Uint8Array, anchorPem: Uint8Array, what: string): void {
  let key;
  try {
    key = publicKeyFromPem(anchorPem, `${what} anchor`);
  } catch (e) {
    throw new ListError('ANCHOR_INVALID', errorText(e));
  }
  let ok = false;
  try {
    ok = key.asymmetricKeyType === 'ec' ? verify('sha256', bytes, { key, dsaEncoding: 'der' }, signature) : verify('sha256', bytes, key, signature);
  } catch {
    ok = false;
  }
  if (!ok) throw new ListError('SIGNATURE_INVALID', `the ${what} signature does not verify with the anchor`);
}

/** Revocation data from parsed batches; a bad batch or hash is dropped and reported. */
export function revocationFromBatches(batches: readonly unknown[], dropped: DroppedEntry[]): RevocationData {
  const valid: z.infer<typeof batchSchema>[] = [];
  const counts: Partial<Record<RevocationHashType, number>> = {};
  batches.forEach((raw, i) => {
    const b = batchSchema.safeParse(raw);
    if (!b.success) {
      dropped.push({ code: 'ENTRY_INVALID', reason: `batch ${i}: ${zodMessage(b.error)}` });
      return;
    }
    valid.push(b.data);
    counts[b.data.hashType] = (counts[b.data.hashType] ?? 0) + b.data.entries.length;
  });
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  if (total > MAX_REVOCATION_ENTRIES) throw new ListError('TOO_LARGE', `more than ${MAX_REVOCATION_ENTRIES} revocation entries`);
  const sets: Partial<Record<RevocationHashType, Hash16Set>> = {};
  for (const t of HASH_TYPES) if (counts[t]) sets[t] = new Hash16Set(counts[t]!);
  let entryCount = 0;
  valid.forEach((batch, i) => {
    const set = sets[batch.hashType]!;
    for (const { hash } of batch.entries) {
      const bytes = decodeBase64Strict(hash);
      if (!bytes || bytes.length < HASH_BYTES) {
        dropped.push({ code: 'ENTRY_INVALID', reason: `batch ${i}: a hash that is not base64 of at least 16 bytes` });
        continue;
      }
      if (set.add(bytes)) entryCount++;
    }
  });
  return { sets, kids: new Set(), entryCount };
}

export async function parseDccRevocation(input: SourceInput): Promise<SourceResult> {
  if (input.origin !== 'file') {
    if (!input.anchor || !input.signature) throw new ListError('ANCHOR_INVALID', 'a dcc-revocation list from a URL needs "anchor" and "signature"');
    verifyDetached(input.bytes, input.signature, input.anchor, 'dcc-revocation');
  } else if (input.anchor && input.signature) {
    verifyDetached(input.bytes, input.signature, input.anchor, 'dcc-revocation');
  }
  const parsed = fileSchema.safeParse(parseJson(decodeUtf8Strict(input.bytes, 'dcc-revocation'), 'dcc-revocation'));
  if (!parsed.success) throw new ListError('LIST_INVALID', `not a revocation list: ${zodMessage(parsed.error)}`);
  const data = parsed.data;
  const batches = Array.isArray(data) ? data : 'batches' in data && Array.isArray(data.batches) ? data.batches : [data];
  const dropped: DroppedEntry[] = [];
  const revocation = revocationFromBatches(batches, dropped);
  const result: SourceResult = { signers: [], dropped, revocation };
  const date = !Array.isArray(data) && 'date' in data && typeof data.date === 'string' ? data.date : undefined;
  if (date) result.listTime = { at: new Date(date), kind: 'signed' };
  return result;
}

export const dccRevocation: SourceType = { kind: 'revocation', requires: [], parse: parseDccRevocation };
