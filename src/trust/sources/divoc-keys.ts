// `divoc-keys`: `{ issuers: [ { id, country, publicKeyPem } ] }` (contract.md "Trust lists").
// A DIVOC proof's verificationMethod must name one of these ids; the keys are Ed25519
// (Ed25519Signature2018) or RSA (RsaSignature2018), anchors-mission.md §2.5 (k).
import { createPublicKey, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { describeKey, kidOf, SignerError } from '../signer.js';
import type { DroppedEntry, KeyType, Signer } from '../types.js';
import { decodeUtf8Strict, errorText, parseJson, type SourceInput, type SourceResult, type SourceType, zodMessage } from './common.js';

const fileSchema = z.object({ issuers: z.array(z.unknown()).min(1).max(1000) });
const issuerSchema = z.object({
  id: z.string().min(1).max(512),
  country: z
    .string()
    .regex(/^[A-Za-z]{2,3}$/, 'country: ISO 3166 code')
    .transform((c) => c.toUpperCase()),
  publicKeyPem: z.string().min(1).max(16_000),
});

const ACCEPTED: readonly KeyType[] = ['Ed25519', 'RSA'];

export async function parseDivocKeys(input: SourceInput): Promise<SourceResult> {
  const parsed = fileSchema.safeParse(parseJson(decodeUtf8Strict(input.bytes, 'divoc-keys'), 'divoc-keys'));
  if (!parsed.success) throw new Error(`divoc-keys has no issuers array: ${zodMessage(parsed.error)}`);
  const signers: Signer[] = [];
  const dropped: DroppedEntry[] = [];
  parsed.data.issuers.forEach((raw, index) => {
    const entry = issuerSchema.safeParse(raw);
    if (!entry.success) {
      dropped.push({ code: 'ENTRY_INVALID', reason: `issuer ${index}: ${zodMessage(entry.error)}` });
      return;
    }
    const { id, country, publicKeyPem } = entry.data;
    // createPublicKey would happily derive a public key from a private one; refuse that file.
    if (!/^-----BEGIN PUBLIC KEY-----/.test(publicKeyPem.trim())) {
      dropped.push({ code: 'KEY_REJECTED', reason: `issuer ${index}: publicKeyPem is not a PUBLIC KEY block` });
      return;
    }
    let publicKey: KeyObject;
    let keyType: KeyType;
    let keyBits: number | undefined;
    try {
      publicKey = createPublicKey({ key: publicKeyPem, format: 'pem' });
      ({ keyType, keyBits } = describeKey(publicKey));
    } catch (e) {
      dropped.push({ code: e instanceof SignerError ? e.code : 'KEY_REJECTED', reason: `issuer ${index}: ${errorText(e)}` });
      return;
    }
    if (!ACCEPTED.includes(keyType)) {
      dropped.push({ code: 'KEY_REJECTED', reason: `issuer ${index}: ${keyType} keys do not sign DIVOC credentials` });
      return;
    }
    const spki = publicKey.export({ type: 'spki', format: 'der' });
    const signer: Signer = { kid: kidOf(spki), country, source: input.def.id, publicKey, keyType, keyId: id };
    if (keyBits !== undefined) signer.keyBits = keyBits;
    signers.push(signer);
  });
  return { signers, dropped };
}

export const divocKeys: SourceType = { kind: 'divoc', requires: [], parse: parseDivocKeys };
