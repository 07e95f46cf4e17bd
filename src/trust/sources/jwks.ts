// `jwks`: the keys of one SMART Health Card issuer, `{type:'jwks', iss, file, crl?}` (contract.md
// "Trust lists"); `crl` names the issuer's per-key CRL files (SHC spec "Revocation",
// `<iss>/.well-known/crl/<kid>.json`), read with the keys so `rid` revocation reaches verification.
import type { ShcCrl } from '../shc-crl.js';
import type { DroppedEntry, Signer } from '../types.js';
import { decodeUtf8Strict, errorText, ListError, parseJson, type SourceInput, type SourceResult, type SourceType, zodMessage } from './common.js';
import { addShcCrls, shcSigner } from './shc-keys.js';
import { z } from 'zod';

const jwksSchema = z.object({ keys: z.array(z.unknown()).min(1).max(1000) });

export async function parseJwks(input: SourceInput): Promise<SourceResult> {
  const iss = input.def.iss;
  if (!iss) throw new ListError('DEFINITION_INVALID', 'a jwks source needs "iss"');
  const parsed = jwksSchema.safeParse(parseJson(decodeUtf8Strict(input.bytes, 'JWKS'), 'JWKS'));
  if (!parsed.success) throw new ListError('LIST_INVALID', `not a JWKS: ${zodMessage(parsed.error)}`);
  const signers: Signer[] = [];
  const dropped: DroppedEntry[] = [];
  const seen = new Set<string>();
  for (const [index, raw] of parsed.data.keys.entries()) {
    const listedKid = typeof (raw as { kid?: unknown })?.kid === 'string' ? (raw as { kid: string }).kid : undefined;
    const made = await shcSigner(raw, { iss, source: input.def.id, country: input.def.country ?? '' });
    if (!('signer' in made)) {
      dropped.push({ ...(listedKid ? { kid: listedKid } : {}), code: made.code, reason: `key ${index}: ${made.reason}` });
      continue;
    }
    if (seen.has(made.signer.kid)) {
      dropped.push({ kid: made.signer.kid, code: 'DUPLICATE', reason: `key ${index}: the same key twice` });
      continue;
    }
    seen.add(made.signer.kid);
    signers.push(made.signer);
  }
  const shcCrls = new Map<string, ShcCrl>();
  // A CRL file that is not JSON is reported alone (CRL_INVALID); the keys still load.
  const crlFiles = (input.crls ?? []).flatMap((f) => {
    try {
      return [{ name: f.name, json: parseJson(decodeUtf8Strict(f.bytes, f.name), f.name) }];
    } catch (e) {
      dropped.push({ code: 'CRL_INVALID', reason: `${f.name}: ${errorText(e)}` });
      return [];
    }
  });
  addShcCrls(shcCrls, crlFiles, iss, signers, dropped);
  return { signers, dropped, ...(shcCrls.size > 0 ? { shcCrls } : {}) };
}

export const jwks: SourceType = { kind: 'shc', requires: ['iss'], parse: parseJwks };
