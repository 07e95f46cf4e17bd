// `blocklist`: the operator's own revocations in trust-lists/ (issue 4): signer kids, UVCIs and
// revocation hashes. A hit answers REVOKED exactly like a DCC revocation list. A UVCI is stored
// as its UCI hash (SHA-256 of the exact `ci` string, first 16 bytes), so one lookup path serves
// both. File only: it is the operator's list, trusted because the operator placed it.
//   { "kids": ["base64 kid", …], "uvcis": ["URN:UVCI:…", …],
//     "hashes": [ { "type": "UCI" | "COUNTRYCODEUCI" | "SIGNATURE", "hash": "base64 (≥16 bytes)" } ] }
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { DroppedEntry } from '../types.js';
import { decodeUtf8Strict, ListError, parseJson, type SourceInput, type SourceResult, type SourceType, zodMessage } from './common.js';
import { revocationFromBatches } from './dcc-revocation.js';

const blocklistSchema = z.object({
  kids: z.array(z.string().min(1).max(64)).max(100_000).default([]),
  uvcis: z.array(z.string().min(1).max(256)).max(1_000_000).default([]),
  hashes: z
    .array(z.object({ type: z.enum(['UCI', 'COUNTRYCODEUCI', 'SIGNATURE']), hash: z.string().max(128) }))
    .max(1_000_000)
    .default([]),
});

/** UCI revocation hash of a `ci` (EU-GW: SHA-256 of the UTF-8 string, first 16 bytes), base64. */
export const uciHashB64 = (ci: string): string => createHash('sha256').update(ci, 'utf8').digest().subarray(0, 16).toString('base64');

export async function parseBlocklist(input: SourceInput): Promise<SourceResult> {
  if (input.origin !== 'file') throw new ListError('DEFINITION_INVALID', 'a blocklist is a local file of the operator');
  const parsed = blocklistSchema.safeParse(parseJson(decodeUtf8Strict(input.bytes, 'blocklist'), 'blocklist'));
  if (!parsed.success) throw new ListError('LIST_INVALID', `not a blocklist: ${zodMessage(parsed.error)}`);
  const { kids, uvcis, hashes } = parsed.data;
  const dropped: DroppedEntry[] = [];
  const batches = [
    { hashType: 'UCI', entries: [...uvcis.map((u) => ({ hash: uciHashB64(u) })), ...hashes.filter((h) => h.type === 'UCI')] },
    { hashType: 'COUNTRYCODEUCI', entries: hashes.filter((h) => h.type === 'COUNTRYCODEUCI') },
    { hashType: 'SIGNATURE', entries: hashes.filter((h) => h.type === 'SIGNATURE') },
  ].filter((b) => b.entries.length > 0);
  const data = revocationFromBatches(batches, dropped);
  const kidSet = new Set(kids);
  return { signers: [], dropped, revocation: { sets: data.sets, kids: kidSet, entryCount: data.entryCount + kidSet.size } };
}

export const blocklist: SourceType = { kind: 'revocation', requires: [], parse: parseBlocklist };
