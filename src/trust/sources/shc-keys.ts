// What `jwks` and `vci-snapshot` share: one SMART Health Card issuer key and its CRL. SMART
// Health Cards spec "Determining keys associated with an issuer": keys are EC P-256 for ES256,
// `use: sig`, and the kid is the RFC 7638 thumbprint; revocation is per key, by `rid`
// ("Revocation"). A key or CRL that breaks any of this is dropped and reported.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';
import { z } from 'zod';
import { isNewerShcCrl, parseShcCrl, type ShcCrl } from '../shc-crl.js';
import type { DroppedEntry, Signer } from '../types.js';
import { errorText, zodMessage } from './common.js';
import type { EntryCode } from '../codes.js';

const b64url = z.string().regex(/^[A-Za-z0-9_-]+$/, 'base64url');
const shcJwkSchema = z.object({
  kty: z.literal('EC', 'kty: only EC keys (ES256)'),
  crv: z.literal('P-256', 'crv: only P-256 (ES256)'),
  kid: z.string().min(1).max(128),
  x: b64url,
  y: b64url,
  use: z.literal('sig', 'use: must be "sig"').optional(),
  alg: z.literal('ES256', 'alg: must be ES256').optional(),
  d: z.undefined({ error: 'a private key ("d") has no place in a trust list' }).optional(),
});

/** The key `raw` as a signer of issuer `iss`, or a reason it was dropped. */
export async function shcSigner(
  raw: unknown,
  ctx: { iss: string; source: string; country: string },
): Promise<{ signer: Signer } | { code: EntryCode; reason: string }> {
  const key = shcJwkSchema.safeParse(raw);
  if (!key.success) return { code: 'KEY_REJECTED', reason: zodMessage(key.error) };
  const jwk = key.data;
  let publicKey: KeyObject;
  try {
    if ((await calculateJwkThumbprint(jwk, 'sha256')) !== jwk.kid) return { code: 'KID_MISMATCH', reason: 'kid is not the RFC 7638 thumbprint of the key' };
    publicKey = createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, format: 'jwk' });
  } catch (e) {
    return { code: 'KEY_REJECTED', reason: errorText(e) };
  }
  return { signer: { kid: jwk.kid, country: ctx.country, source: ctx.source, publicKey, keyType: 'EC-P256', iss: ctx.iss } };
}

/** The key of `shcCrls` maps: NUL cannot occur in a URL or a JWK kid, so the pair is unambiguous. */
export const shcKeyId = (iss: string, kid: string): string => `${iss}\u0000${kid}`;

/** Adds the CRLs of issuer `iss` whose kid names one of `signers`; others are dropped and reported. */
export function addShcCrls(
  into: Map<string, ShcCrl>,
  crls: readonly { name: string; json: unknown }[],
  iss: string,
  signers: readonly Signer[],
  dropped: DroppedEntry[],
): void {
  for (const { name, json } of crls) {
    let crl: ShcCrl;
    try {
      crl = parseShcCrl(json);
    } catch (e) {
      dropped.push({ code: 'CRL_INVALID', reason: `${name}: ${errorText(e)}` });
      continue;
    }
    if (!signers.some((s) => s.iss === iss && s.kid === crl.kid)) {
      dropped.push({ kid: crl.kid, code: 'CRL_UNMATCHED', reason: `${name}: no key of ${iss} has this kid` });
      continue;
    }
    const id = shcKeyId(iss, crl.kid);
    if (isNewerShcCrl(crl, into.get(id))) into.set(id, crl);
  }
}
