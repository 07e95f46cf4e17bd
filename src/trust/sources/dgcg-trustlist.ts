// `dgcg-trustlist`: the EU gateway's `GET /trustList` JSON array (anchors-mission.md §2.5 (a)).
// A local file is trusted because the operator placed it (contract.md "Trust lists"), but a
// DSC is still chained when the file holds CSCAs of its country. A copy fetched from a URL is
// checked entry by entry against the pinned trust anchor (`anchor`, PEM certificate or key):
// CSCA and UPLOAD entries must carry the anchor's detached CMS signature over their DER; DSC
// entries must carry a CMS signature by an UPLOAD certificate of their country, and be issued by
// a CSCA of their country (security.md D-2: names and signature, never the DN string alone).
import { type KeyObject, X509Certificate as NodeX509 } from 'node:crypto';
import { z } from 'zod';
import { thumbprintOf } from '../signer.js';
import type { DroppedEntry, Signer } from '../types.js';
import { verifyDetachedCms } from './cms.js';
import { decodeBase64Strict, decodeUtf8Strict, errorText, ListError, parseJson, publicKeyFromPem, type SourceInput, type SourceResult, type SourceType, zodMessage } from './common.js';
import { newestTimestamp, signersFromDscEntries } from './dsc-entries.js';
import type { EntryCode } from '../codes.js';

const listSchema = z.array(z.unknown()).max(100_000);
const baseEntry = z.object({
  certificateType: z.string(),
  country: z.string().regex(/^[A-Za-z]{2}$/).transform((c) => c.toUpperCase()),
  rawData: z.string().max(64_000),
  signature: z.string().max(64_000).optional(),
  kid: z.string().max(64).optional(),
});

interface Authority {
  cert: NodeX509;
  key: KeyObject;
}

export async function parseDgcgTrustList(input: SourceInput): Promise<SourceResult> {
  const json = parseJson(decodeUtf8Strict(input.bytes, 'dgcg-trustlist'), 'dgcg-trustlist');
  const list = listSchema.safeParse(json);
  if (!list.success) throw new ListError('LIST_INVALID', `dgcg-trustlist is not a JSON array of entries: ${zodMessage(list.error)}`);
  const remote = input.origin !== 'file';
  let anchorKey: KeyObject | undefined;
  if (remote) {
    if (!input.anchor) throw new ListError('ANCHOR_INVALID', 'a dgcg-trustlist from a URL needs "anchor" (the gateway trust anchor)');
    try {
      anchorKey = publicKeyFromPem(input.anchor, 'dgcg-trustlist anchor');
    } catch (e) {
      throw new ListError('ANCHOR_INVALID', errorText(e));
    }
  }
  const dropped: DroppedEntry[] = [];
  const cscas = new Map<string, Authority[]>();
  const uploads = new Map<string, KeyObject[]>();
  const dscEntries: unknown[] = [];
  list.data.forEach((raw, index) => {
    const e = baseEntry.safeParse(raw);
    if (!e.success) {
      // Left to the DSC checks (they report shape errors the same way they always did).
      dscEntries.push(raw);
      return;
    }
    const { certificateType: type, country } = e.data;
    if (type === 'DSC') {
      dscEntries.push(raw);
      return;
    }
    if (type !== 'CSCA' && type !== 'UPLOAD') return; // AUTHENTICATION: not used here
    const der = decodeBase64Strict(e.data.rawData);
    const drop = (code: EntryCode, reason: string): void => {
      dropped.push({ ...(e.data.kid ? { kid: e.data.kid } : {}), code, reason: `entry ${index} (${type} ${country}): ${reason}` });
    };
    if (!der) return drop('ENTRY_INVALID', 'rawData is not standard base64');
    if (anchorKey) {
      const sig = e.data.signature ? decodeBase64Strict(e.data.signature) : undefined;
      if (!sig || !verifyDetachedCms(sig, der, [anchorKey])) return drop('TA_SIGNATURE_INVALID', 'not signed by the trust anchor');
    }
    let cert: NodeX509;
    try {
      cert = new NodeX509(der);
    } catch (err) {
      return drop('CERT_INVALID', errorText(err));
    }
    if (type === 'CSCA') {
      if (!cert.ca) return drop('NOT_CA', 'a CSCA must be a CA');
      cscas.set(country, [...(cscas.get(country) ?? []), { cert, key: cert.publicKey }]);
    } else {
      uploads.set(country, [...(uploads.get(country) ?? []), cert.publicKey]);
    }
  });
  const base = signersFromDscEntries(dscEntries, input.def.id);
  dropped.push(...base.dropped);
  // The entry each signer came from, by certificate thumbprint (for its CMS signature).
  const entryOf = new Map<string, { signature?: string }>();
  for (const raw of dscEntries) {
    const r = raw as { rawData?: unknown; signature?: unknown };
    if (typeof r.rawData !== 'string') continue;
    const der = decodeBase64Strict(r.rawData);
    if (der) entryOf.set(thumbprintOf(der), typeof r.signature === 'string' ? { signature: r.signature } : {});
  }
  const signers: Signer[] = [];
  for (const signer of base.signers) {
    const der = signer.certificateDer!;
    const drop = (code: EntryCode, reason: string): void => {
      dropped.push({ kid: signer.kid, code, reason: `DSC ${signer.country}: ${reason}` });
    };
    if (remote) {
      const sigText = entryOf.get(thumbprintOf(der))?.signature;
      const sig = sigText ? decodeBase64Strict(sigText) : undefined;
      if (!sig || !verifyDetachedCms(sig, der, uploads.get(signer.country) ?? [])) {
        drop('UPLOAD_SIGNATURE_INVALID', `not signed by an upload certificate of ${signer.country}`);
        continue;
      }
    }
    const authorities = cscas.get(signer.country) ?? [];
    if (remote || authorities.length > 0) {
      const dsc = new NodeX509(der);
      const chained = authorities.some(({ cert, key }) => {
        try {
          return dsc.checkIssued(cert) && dsc.verify(key);
        } catch {
          return false;
        }
      });
      if (!chained) {
        drop('NO_CHAIN', `not issued by a CSCA of ${signer.country} in the list`);
        continue;
      }
    }
    signers.push(signer);
  }
  const result: SourceResult = { signers, dropped };
  const newest = newestTimestamp(list.data);
  if (newest) result.listTime = { at: newest, kind: 'newest-entry' };
  return result;
}

export const dgcgTrustList: SourceType = { kind: 'dcc', requires: [], parse: parseDgcgTrustList };
