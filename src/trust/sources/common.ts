// What every source type shares: the sources.json entry, the bytes a parser receives, what it
// returns, and small strict decoders. Fetching (file today, HTTPS later) is not here: a parser
// is a pure function of bytes it is handed, so the same parser serves a file, a download and a
// last-good snapshot (guide.md: one file per source type under trust/).
import { createPublicKey, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import type { ShcCrl } from '../shc-crl.js';
import type { SourceCode } from '../codes.js';
import { parseCertificate } from '../signer.js';

// The DER helpers live with the certificate code; re-exported for the parsers here.
export { derChildren, derContent } from '../signer.js';
import type { DroppedEntry, EntryNotice, RevocationHashType, Signer, SignerKind } from '../types.js';
import type { Hash16Set } from '../revocation-set.js';

/** Revocation entries of one list: 16-byte hash sets per hash type, plus revoked signer kids. */
export interface RevocationData {
  sets: Partial<Record<RevocationHashType, Hash16Set>>;
  kids: ReadonlySet<string>;
  entryCount: number;
}

/**
 * One entry of sources.json (contract.md "Trust lists"). Fields that only some types use are
 * optional here; each type says what it requires in the table (sources/index.ts). `country`
 * is an addition: the country to record for keys whose list does not name one (jwks, pem).
 */
export const sourceDefSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'id: 1–64 of A–Z a–z 0–9 . _ -'),
    type: z.string().min(1),
    file: z.string().min(1).optional(),
    url: z.string().min(1).optional(),
    anchor: z.string().min(1).optional(),
    signature: z.string().min(1).optional(),
    crl: z.union([z.string().min(1), z.array(z.string().min(1)).max(100)]).optional(),
    iss: z.string().min(1).optional(),
    country: z.string().regex(/^[A-Z]{2}$/, 'country: ISO 3166 alpha-2, uppercase').optional(),
    refreshSeconds: z.number().int().positive().optional(),
    /** After this many seconds without a successful refresh the source is reported stale. */
    staleAfterSeconds: z.number().int().positive().optional(),
    /** After this many seconds without a successful refresh the source's signers stop counting. */
    maxAgeSeconds: z.number().int().positive().optional(),
    /** A list keeping fewer than this fraction of the entries in force is held for an operator (0 disables). */
    shrinkGuard: z.number().min(0).max(1).optional(),
    /** Largest download accepted, in bytes. */
    maxBytes: z.number().int().positive().optional(),
  })
  .refine((d) => (d.file === undefined) !== (d.url === undefined), { message: 'exactly one of "file" or "url"' });

export type SourceDef = z.infer<typeof sourceDefSchema>;

/** Names of the optional sources.json members a type cannot work without. */
export type SourceRequirement = 'anchor' | 'signature' | 'iss';

/** Everything a parser gets: the list bytes and the companion files its definition names. */
export interface SourceInput {
  def: SourceDef;
  /** The list itself, exactly as read or downloaded (signatures cover exact bytes). */
  bytes: Uint8Array;
  /** Where the bytes came from: some types trust a local file but demand an anchor for a URL. */
  origin: 'file' | 'url';
  /**
   * When the list is loaded (the refresher's clock): lets a parser keep entries that expired
   * out of force and report them (gdhcn-did). Absent = no time-dependent checks at load.
   */
  at?: Date;
  anchor?: Uint8Array;
  signature?: Uint8Array;
  crls?: readonly { name: string; bytes: Uint8Array }[];
}

/** What one list yields: its signers, the entries it refused, and optional CSCA CRLs (DER). */
export interface SourceResult {
  signers: Signer[];
  dropped: DroppedEntry[];
  /** Entries kept (or kept out of force) with a quirk reported per entry (gdhcn-did). */
  notices?: EntryNotice[];
  /** DER CRLs keyed by the kid of the CSCA that signed them (verified at load); only icao-csca sets this. */
  crls?: Map<string, Uint8Array[]>;
  /** SMART Health Card key CRLs by `iss` NUL `kid` (shc-keys.ts shcKeyId); jwks and vci-snapshot. */
  shcCrls?: Map<string, ShcCrl>;
  /** Revocation entries (dcc-revocation, blocklist). */
  revocation?: RevocationData;
  /**
   * The list's own date, from signed content: `signed` = a creation time the signature covers
   * (a later list must not be older, nor equal with other content); `newest-entry` = the newest
   * signed entry timestamp (a later list must not be older).
   */
  listTime?: { at: Date; kind: 'signed' | 'newest-entry' };
}

/** One row of the source-type table: adding a type is one file plus one of these. */
export interface SourceType {
  /** Which resolver lookup the signers answer (dcc, shc, csca, divoc). */
  kind: SignerKind;
  requires: readonly SourceRequirement[];
  /** Throws (an Error with a clear message) when the whole list must be refused. */
  parse(input: SourceInput): Promise<SourceResult>;
}

/** Strict standard base64 (RFC 4648 §4, padded): Buffer.from(…, 'base64') accepts garbage. */
export function decodeBase64Strict(text: string): Buffer | undefined {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
  return Buffer.from(text, 'base64');
}

/** UTF-8 that must be valid: a list with broken encoding is refused, not patched with U+FFFD. */
export function decodeUtf8Strict(bytes: Uint8Array, what: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new Error(`${what} is not valid UTF-8`);
  }
}

export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new Error(`${what} is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The DER inside each `-----BEGIN <label>-----` block of a PEM text, in order. */
export function pemBlocks(text: string): { label: string; der: Buffer | undefined }[] {
  const out: { label: string; der: Buffer | undefined }[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
  for (const m of text.matchAll(re)) {
    out.push({ label: m[1]!, der: decodeBase64Strict(m[2]!.replace(/\s+/g, '')) });
  }
  return out;
}

/** Short text of a zod error for a dropped entry or a refused list. */
export function zodMessage(err: z.ZodError): string {
  return err.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

/**
 * A whole list refused, with a stable code for the source status: SIGNATURE_INVALID (the list
 * or its proof does not verify with the anchor), ANCHOR_INVALID, LIST_INVALID (shape), …
 */
export class ListError extends Error {
  override readonly name = 'ListError';
  constructor(
    readonly code: SourceCode,
    message: string,
  ) {
    super(message);
  }
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * A public key from a PEM anchor: `PUBLIC KEY` (SPKI) or `CERTIFICATE` (its key). A private key
 * is refused: an anchor file holding one means a secret was put where it does not belong.
 */
export function publicKeyFromPem(bytes: Uint8Array, what: string): KeyObject {
  const blocks = pemBlocks(decodeUtf8Strict(bytes, what));
  const block = blocks[0];
  if (blocks.length !== 1 || !block) throw new Error(`${what} must hold exactly one PEM block`);
  if (!block.der) throw new Error(`${what} is not valid PEM base64`);
  try {
    if (block.label === 'PUBLIC KEY') return createPublicKey({ key: block.der, format: 'der', type: 'spki' });
    if (block.label === 'CERTIFICATE') {
      const spki = parseCertificate(block.der).publicKey.rawData;
      return createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
    }
  } catch (e) {
    throw new Error(`${what}: unusable key: ${errorText(e)}`);
  }
  throw new Error(`${what} holds a "${block.label}" block, not a PUBLIC KEY or CERTIFICATE`);
}
