// Entries of the EU gateway's TrustListDto shape, shared by `dgcg-trustlist` and `de-dsc-list`
// (research/anchors-mission.md §2.5 (a) and (c)). Each entry is checked on its own: one bad
// entry is dropped and reported, the rest of the list still loads (formats.md "Trust lists").
import { z } from 'zod';
import { kidOf, SignerError, signerFromCertificate, thumbprintOf } from '../signer.js';
import type { DroppedEntry, Signer } from '../types.js';
import { decodeBase64Strict, errorText, type SourceResult, zodMessage } from './common.js';
import type { EntryCode } from '../codes.js';

/** EU-GW restapi/dto/TrustListDto.java; unknown members are ignored (covpass does the same). */
export const dscEntrySchema = z.object({
  kid: z.string().min(1).max(64),
  rawData: z.string().min(1).max(64_000),
  country: z
    .string()
    .regex(/^[A-Za-z]{2}$/, 'country: ISO 3166 alpha-2')
    .transform((c) => c.toUpperCase())
    .optional(),
  certificateType: z.string().optional(),
  thumbprint: z.string().max(128).optional(),
  timestamp: z.string().optional(),
  signature: z.string().optional(),
});

/**
 * Signers from gateway-shaped entries. Checks per entry (security.md D-3, D-5, D-6; contract.md
 * "Trust lists"): strict base64 DER, kid recomputed (the listed one must match), thumbprint when
 * present, a usable certificate, and the list's country equal to the subject's C= when both
 * exist (D-2: a DSC claiming another country's name is refused). Entries with a certificateType
 * other than DSC (CSCA, UPLOAD, AUTHENTICATION) are not signers and are skipped, not dropped.
 * The entry `signature` (the uploader's CMS) cannot be checked without the gateway's upload
 * certificates and is not read (trust-list-formats.md §1 "Entry parsing").
 */
export function signersFromDscEntries(entries: readonly unknown[], source: string): SourceResult {
  const signers: Signer[] = [];
  const dropped: DroppedEntry[] = [];
  const seen = new Set<string>();
  entries.forEach((raw, index) => {
    const listedKid =
      typeof raw === 'object' && raw !== null && typeof (raw as { kid?: unknown }).kid === 'string'
        ? (raw as { kid: string }).kid
        : undefined;
    const drop = (code: EntryCode, reason: string): void => {
      dropped.push(listedKid === undefined ? { code, reason } : { kid: listedKid, code, reason });
    };
    const parsed = dscEntrySchema.safeParse(raw);
    if (!parsed.success) return drop('ENTRY_INVALID', `entry ${index}: ${zodMessage(parsed.error)}`);
    const entry = parsed.data;
    if (entry.certificateType !== undefined && entry.certificateType !== 'DSC') return;
    const der = decodeBase64Strict(entry.rawData);
    if (!der) return drop('ENTRY_INVALID', `entry ${index}: rawData is not standard base64`);
    const kid = kidOf(der);
    if (kid !== entry.kid) return drop('KID_MISMATCH', `entry ${index}: listed kid differs from the certificate's ${kid}`);
    const thumbprint = thumbprintOf(der);
    if (entry.thumbprint !== undefined && entry.thumbprint.toLowerCase() !== thumbprint) {
      return drop('THUMBPRINT_MISMATCH', `entry ${index}: listed thumbprint differs from SHA-256 of the certificate`);
    }
    if (seen.has(thumbprint)) return drop('DUPLICATE', `entry ${index}: the same certificate is listed twice`);
    let signer: Signer;
    try {
      signer = signerFromCertificate(der, { source });
    } catch (e) {
      return drop(e instanceof SignerError ? e.code : 'CERT_INVALID', `entry ${index}: ${errorText(e)}`);
    }
    if (entry.country !== undefined) {
      if (signer.country !== '' && signer.country !== entry.country) {
        return drop('COUNTRY_MISMATCH', `entry ${index}: listed for ${entry.country} but the subject says C=${signer.country}`);
      }
      signer.country = entry.country;
    }
    seen.add(thumbprint);
    signers.push(signer);
  });
  return { signers, dropped };
}

/** The newest parseable `timestamp` among gateway-shaped entries (the list's content age). */
export function newestTimestamp(entries: readonly unknown[]): Date | undefined {
  let max = Number.NEGATIVE_INFINITY;
  for (const e of entries) {
    const t = typeof e === 'object' && e !== null ? (e as { timestamp?: unknown }).timestamp : undefined;
    if (typeof t !== 'string' || t.length > 64) continue;
    const ms = Date.parse(t);
    if (Number.isFinite(ms) && ms > max) max = ms;
  }
  return Number.isFinite(max) ? new Date(max) : undefined;
}
