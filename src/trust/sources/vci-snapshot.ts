// `vci-snapshot`: the VCI directory snapshot of SMART Health Card issuers
// (research/trust-list-formats.md §4). The exact file bytes are verified first — ECDSA P-521 /
// SHA-512, a binary DER signature in the companion file, by the key of the pinned
// `vci_snapshot.crt` (a key container: pinned, no chain) — then the same bytes are parsed.
// Keys are indexed per (iss, kid): 46 kids are shared by several issuers. Each key must be EC
// P-256 with kid = RFC 7638 thumbprint (SMART Health Cards spec); only kty/crv/x/y are read.
import { type KeyObject, verify } from 'node:crypto';
import { z } from 'zod';
import type { ShcCrl } from '../shc-crl.js';
import type { DroppedEntry, Signer } from '../types.js';
import { decodeUtf8Strict, errorText, ListError, parseJson, publicKeyFromPem, type SourceInput, type SourceResult, type SourceType, zodMessage } from './common.js';
import { addShcCrls, shcKeyId, shcSigner } from './shc-keys.js';
import type { EntryCode } from '../codes.js';

const snapshotSchema = z.object({
  time: z.iso.datetime({ offset: true }).optional(),
  issuerInfo: z.array(z.unknown()).max(100_000),
});

const issuerSchema = z.object({
  issuer: z.object({ iss: z.string().min(1).max(2048), name: z.string().max(1000).optional() }),
  keys: z.array(z.unknown()).max(1000),
  /** Per-key CRLs (SHC spec "Revocation"), as the directory collected them. */
  crls: z.array(z.unknown()).max(1000).optional(),
});

/** Verifies the snapshot bytes with the anchor (PEM certificate or public key). Throws ListError. */
export function verifyVciSnapshot(bytes: Uint8Array, signature: Uint8Array, anchorPem: Uint8Array): void {
  let key: KeyObject;
  try {
    key = publicKeyFromPem(anchorPem, 'vci-snapshot anchor');
  } catch (e) {
    throw new ListError('ANCHOR_INVALID', errorText(e));
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'secp521r1') {
    throw new ListError('ANCHOR_INVALID', 'the vci-snapshot anchor is not an EC P-521 key');
  }
  let ok = false;
  try {
    ok = verify('sha512', bytes, { key, dsaEncoding: 'der' }, signature);
  } catch {
    ok = false;
  }
  if (!ok) throw new ListError('SIGNATURE_INVALID', 'the vci-snapshot signature does not verify with the anchor');
}

export async function parseVciSnapshot(input: SourceInput): Promise<SourceResult> {
  if (!input.anchor) throw new ListError('ANCHOR_INVALID', 'vci-snapshot needs an anchor');
  if (!input.signature) throw new ListError('SIGNATURE_MISSING', 'vci-snapshot needs its detached signature');
  verifyVciSnapshot(input.bytes, input.signature, input.anchor);
  const parsed = snapshotSchema.safeParse(parseJson(decodeUtf8Strict(input.bytes, 'vci-snapshot'), 'vci-snapshot'));
  if (!parsed.success) throw new ListError('LIST_INVALID', `not a VCI snapshot: ${zodMessage(parsed.error)}`);
  const signers: Signer[] = [];
  const dropped: DroppedEntry[] = [];
  const seen = new Set<string>();
  const shcCrls = new Map<string, ShcCrl>();
  for (const [i, raw] of parsed.data.issuerInfo.entries()) {
    const info = issuerSchema.safeParse(raw);
    if (!info.success) {
      dropped.push({ code: 'ENTRY_INVALID', reason: `issuer ${i}: ${zodMessage(info.error)}` });
      continue;
    }
    const iss = info.data.issuer.iss;
    const mine: Signer[] = [];
    for (const [k, rawKey] of info.data.keys.entries()) {
      const listedKid = typeof (rawKey as { kid?: unknown })?.kid === 'string' ? (rawKey as { kid: string }).kid : undefined;
      const drop = (code: EntryCode, reason: string): void => {
        dropped.push({ ...(listedKid ? { kid: listedKid } : {}), code, reason: `${iss} key ${k}: ${reason}` });
      };
      const made = await shcSigner(rawKey, { iss, source: input.def.id, country: input.def.country ?? '' });
      if (!('signer' in made)) {
        drop(made.code, made.reason);
        continue;
      }
      const id = shcKeyId(iss, made.signer.kid);
      if (seen.has(id)) {
        drop('DUPLICATE', 'the same key twice for this issuer');
        continue;
      }
      seen.add(id);
      mine.push(made.signer);
    }
    signers.push(...mine);
    addShcCrls(shcCrls, (info.data.crls ?? []).map((json, c) => ({ name: `${iss} crl ${c}`, json })), iss, mine, dropped);
  }
  const result: SourceResult = { signers, dropped, ...(shcCrls.size > 0 ? { shcCrls } : {}) };
  if (parsed.data.time) result.listTime = { at: new Date(parsed.data.time), kind: 'signed' };
  return result;
}

export const vciSnapshot: SourceType = { kind: 'shc', requires: ['anchor', 'signature'], parse: parseVciSnapshot };
