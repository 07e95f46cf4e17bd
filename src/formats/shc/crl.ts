// SHC revocation (SHC spec "Revocation"): per issuer key, `<iss>/.well-known/crl/<kid>.json` =
// `{kid, method:"rid", ctr, rids:["<rid>[.<timestamp>]", …]}`. A card whose `vc.rid` is listed
// is revoked; with a timestamp suffix only cards issued before it (nbf < timestamp) are.
// CRLs are loaded by the trust side (never fetched from a card's `iss` here); the adapter gets
// them through a lookup.
import { isRecord } from './jws.js';

export interface ShcCrl {
  kid: string;
  method: 'rid';
  ctr: number;
  /** rid → revocation timestamp in seconds, or null when every card with the rid is revoked. */
  rids: ReadonlyMap<string, number | null>;
}

/** CRL of issuer `iss` for key `kid`, when the trust store holds one. */
export type ShcCrlLookup = (iss: string, kid: string) => ShcCrl | undefined;

/** SHC spec: rid is base64url, at most 24 characters (SHC-DT src/crl-validator.ts checkRid). */
const RID = /^[A-Za-z0-9_-]{1,24}$/;
const MAX_RIDS = 100_000;

/** Parses a CRL document; throws Error (with a reason) on anything malformed. */
export function parseShcCrl(json: unknown): ShcCrl {
  if (!isRecord(json)) throw new Error('CRL is not a JSON object');
  const { kid, method, ctr, rids } = json;
  if (typeof kid !== 'string' || kid.length === 0) throw new Error('CRL "kid" missing');
  if (method !== 'rid') throw new Error('CRL "method" is not "rid"');
  if (typeof ctr !== 'number' || !Number.isInteger(ctr) || ctr < 1) throw new Error('CRL "ctr" is not a positive integer');
  if (!Array.isArray(rids) || rids.length > MAX_RIDS) throw new Error('CRL "rids" is not a list');
  const map = new Map<string, number | null>();
  for (const entry of rids) {
    if (typeof entry !== 'string') throw new Error('CRL rid is not a string');
    const dot = entry.indexOf('.');
    const rid = dot < 0 ? entry : entry.slice(0, dot);
    const ts = dot < 0 ? null : entry.slice(dot + 1);
    if (!RID.test(rid)) throw new Error('CRL rid is not base64url of at most 24 characters');
    if (ts !== null && !/^[0-9]{1,12}$/.test(ts)) throw new Error('CRL rid timestamp is not a number of seconds');
    if (map.has(rid)) throw new Error('CRL lists a rid twice');
    map.set(rid, ts === null ? null : Number(ts));
  }
  return { kid, method: 'rid', ctr, rids: map };
}

/** True when the card (`rid`, issued at `nbf` seconds) is revoked by `crl`. */
export function isRevoked(crl: ShcCrl, rid: string, nbf: number): boolean {
  if (!crl.rids.has(rid)) return false;
  const ts = crl.rids.get(rid);
  return ts === null || ts === undefined || nbf < ts;
}
