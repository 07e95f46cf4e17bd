// SHC revocation (SHC spec "Revocation"): per issuer key, `<iss>/.well-known/crl/<kid>.json` =
// `{kid, method:"rid", ctr, rids:["<rid>[.<timestamp>]", …]}`. A card whose `vc.rid` is listed
// is revoked; with a timestamp suffix only cards issued before it (nbf < timestamp) are.
// CRLs come with the issuer's keys (a `jwks` source's `crl` files, the `crls` of each issuer in
// the VCI snapshot) and reach verification through the trust resolver; a card's `iss` is never
// fetched.
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface ShcCrl {
  kid: string;
  method: 'rid';
  ctr: number;
  /** rid → revocation timestamp in seconds, or null when every card with the rid is revoked. */
  rids: ReadonlyMap<string, number | null>;
}

/** SHC spec: rid is base64url, at most 24 characters (SHC-DT src/crl-validator.ts checkRid). */
const RID = /^[A-Za-z0-9_-]{1,24}$/;
const MAX_RIDS = 100_000;

/** Parses a CRL document; throws Error (with a reason) on anything malformed. */
export function parseShcCrl(json: unknown): ShcCrl {
  if (!isRecord(json)) throw new Error('CRL is not a JSON object');
  const { kid, method, ctr, rids } = json;
  if (typeof kid !== 'string' || kid.length === 0) throw new Error('CRL "kid" missing');
  if (method !== 'rid') throw new Error('CRL "method" is not "rid"');
  // The VCI snapshot writes ctr as a string ("1"); the spec's examples as a number.
  const counter = typeof ctr === 'string' && /^[0-9]{1,9}$/.test(ctr) ? Number(ctr) : ctr;
  if (typeof counter !== 'number' || !Number.isInteger(counter) || counter < 1) throw new Error('CRL "ctr" is not a positive integer');
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
  return { kid, method: 'rid', ctr: counter, rids: map };
}

/** True when the card (`rid`, issued at `nbf` seconds) is revoked by `crl`. */
export function isRevoked(crl: ShcCrl, rid: string, nbf: number): boolean {
  if (!crl.rids.has(rid)) return false;
  const ts = crl.rids.get(rid);
  return ts === null || ts === undefined || nbf < ts;
}

/** Of two CRLs of one key, the one in force: the higher counter (SHC spec: ctr increases with each new list). */
export function isNewerShcCrl(candidate: ShcCrl, current: ShcCrl | undefined): boolean {
  return current === undefined || candidate.ctr > current.ctr;
}
