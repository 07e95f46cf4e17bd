// DCC revocation (formats.md "Revocation (DCC)"; anchors-mission.md §2.6): the hashes a
// certificate is looked up by, and the lookup. Each hash is the first 16 bytes of SHA-256 of:
// UCI = the `ci` string; COUNTRYCODEUCI = country code + `ci` — implementations disagree on
// which country (DE and CWA use the CWT `iss`, the EU validation app the entry's `co`), so both
// are computed; SIGNATURE = for ECDSA only `r` (the first half: `s` is malleable), for RSA the
// whole signature. The signer's kid is also looked up (operator blocklist).
import { createHash } from 'node:crypto';
import type { RevocationHashType, RevocationQuery } from '../../trust/types.js';
import type { CoseAlgName } from './cose.js';

const hash16 = (data: Uint8Array | string): Uint8Array =>
  new Uint8Array(createHash('sha256').update(data).digest().subarray(0, 16));

/** `ci` and `co` of the (single) v/t/r entry of a DCC payload, where present. */
export function dccIdentifiers(payload: unknown): { ci?: string; co?: string } {
  if (typeof payload !== 'object' || payload === null) return {};
  for (const key of ['v', 't', 'r']) {
    const list = (payload as Record<string, unknown>)[key];
    const first = Array.isArray(list) ? (list[0] as Record<string, unknown> | undefined) : undefined;
    if (first && typeof first === 'object') {
      const out: { ci?: string; co?: string } = {};
      if (typeof first.ci === 'string') out.ci = first.ci;
      if (typeof first.co === 'string') out.co = first.co;
      return out;
    }
  }
  return {};
}

export interface RevocationInput {
  /** base64 kid of the signer. */
  kid: string;
  payload: unknown;
  /** CWT `iss` claim. */
  iss?: string;
  alg: CoseAlgName;
  /** COSE signature bytes (ES256: r‖s, 64 bytes). */
  signature: Uint8Array;
}

/** Every hash the certificate may be listed under. */
export function revocationQuery(input: RevocationInput): RevocationQuery {
  const hashes: { type: RevocationHashType; hash: Uint8Array }[] = [];
  const { ci, co } = dccIdentifiers(input.payload);
  if (ci !== undefined) {
    hashes.push({ type: 'UCI', hash: hash16(ci) });
    const countries = new Set([input.iss, co].filter((c): c is string => typeof c === 'string' && c !== ''));
    for (const c of countries) hashes.push({ type: 'COUNTRYCODEUCI', hash: hash16(c + ci) });
  }
  const sig = input.alg === 'ES256' ? input.signature.subarray(0, input.signature.length / 2) : input.signature;
  if (sig.length > 0) hashes.push({ type: 'SIGNATURE', hash: hash16(sig) });
  return { kid: input.kid, hashes };
}
