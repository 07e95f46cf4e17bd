// `jwks`: the keys of one SMART Health Card issuer, `{type:'jwks', iss, file}` (contract.md
// "Trust lists"). SMART Health Cards spec "Determining keys associated with an issuer": keys
// are EC P-256 for ES256, `use: sig`, and the kid is the RFC 7638 thumbprint. A key that
// breaks any of this is dropped and reported, as the SMART dev tools flag it.
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import type { DroppedEntry, Signer } from '../types.js';
import { decodeUtf8Strict, errorText, parseJson, type SourceInput, type SourceResult, type SourceType, zodMessage } from './common.js';

const jwksSchema = z.object({ keys: z.array(z.unknown()).min(1).max(1000) });

const b64url = z.string().regex(/^[A-Za-z0-9_-]+$/, 'base64url');
const jwkSchema = z.object({
  kty: z.literal('EC', 'kty: only EC keys (ES256)'),
  crv: z.literal('P-256', 'crv: only P-256 (ES256)'),
  kid: z.string().min(1).max(128),
  x: b64url,
  y: b64url,
  use: z.literal('sig', 'use: must be "sig"').optional(),
  alg: z.literal('ES256', 'alg: must be ES256').optional(),
  d: z.undefined({ error: 'a private key ("d") has no place in a trust list' }).optional(),
});

/** RFC 7638 §3.2: required members only, lexicographic order, no whitespace. */
export function jwkThumbprint(jwk: { crv: string; kty: string; x: string; y: string }): string {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash('sha256').update(canonical).digest('base64url');
}

export async function parseJwks(input: SourceInput): Promise<SourceResult> {
  const iss = input.def.iss;
  if (!iss) throw new Error('a jwks source needs "iss"');
  const parsed = jwksSchema.safeParse(parseJson(decodeUtf8Strict(input.bytes, 'JWKS'), 'JWKS'));
  if (!parsed.success) throw new Error(`not a JWKS: ${zodMessage(parsed.error)}`);
  const signers: Signer[] = [];
  const dropped: DroppedEntry[] = [];
  const seen = new Set<string>();
  parsed.data.keys.forEach((raw, index) => {
    const listedKid = typeof (raw as { kid?: unknown })?.kid === 'string' ? (raw as { kid: string }).kid : undefined;
    const drop = (code: string, reason: string): void => {
      dropped.push(listedKid === undefined ? { code, reason } : { kid: listedKid, code, reason });
    };
    const key = jwkSchema.safeParse(raw);
    if (!key.success) return drop('KEY_REJECTED', `key ${index}: ${zodMessage(key.error)}`);
    const jwk = key.data;
    if (jwkThumbprint(jwk) !== jwk.kid) return drop('KID_MISMATCH', `key ${index}: kid is not the RFC 7638 thumbprint of the key`);
    if (seen.has(jwk.kid)) return drop('DUPLICATE', `key ${index}: the same key twice`);
    let publicKey: KeyObject;
    try {
      publicKey = createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, format: 'jwk' });
    } catch (e) {
      return drop('KEY_REJECTED', `key ${index}: ${errorText(e)}`);
    }
    seen.add(jwk.kid);
    signers.push({
      kid: jwk.kid,
      country: input.def.country ?? '',
      source: input.def.id,
      publicKey,
      keyType: 'EC-P256',
      iss,
    });
  });
  return { signers, dropped };
}

export const jwks: SourceType = { kind: 'shc', requires: ['iss'], parse: parseJwks };
