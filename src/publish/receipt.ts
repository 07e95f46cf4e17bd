// Verification receipts (contract "POST /v1/verify", `receipt`): a compact JWS, ES256 with the
// publishing key, `kid` = the key's RFC 7638 thumbprint, that a partner (an airline, an embassy,
// a second desk) verifies offline with GET /.well-known/jwks.json. Its payload is exactly the
// contract's list and is built field by field from the report, never by copying it: no name,
// no date of birth, no QR text, no certificate fields can reach it.
import { createHash } from 'node:crypto';
import { CompactSign } from 'jose';
import type { Report } from '../model.js';
import type { PublishingKey } from './key.js';

/** `typ` of the receipt header (RFC 8725 §3.11): a receipt is never mistaken for another token. */
export const RECEIPT_TYP = 'lintas-receipt+jws';

export interface ReceiptPayload {
  outcome: Report['outcome'];
  format: Report['format'];
  /** Domestic status (GREEN … INVALID). */
  status: string;
  /** Domestic reason codes. */
  reasons: string[];
  validUntil: string | null;
  /** id@version of the domestic policy. */
  policy: string;
  /** The moment the certificate was checked at (the request's `at`, or now). */
  checkedAt: string;
  /** Country of the signer that signed the certificate; null when no signer verified. */
  signerCountry: string | null;
  /** The trust snapshot the check used (GET /v1/trust `snapshot`). */
  snapshot: string;
  /** hex SHA-256 of the QR text (UTF-8): ties the receipt to one certificate without carrying it. */
  qrSha256: string;
}

export function receiptPayload(report: Report, qr: string, at: Date, snapshot: string): ReceiptPayload {
  return {
    outcome: report.outcome,
    format: report.format,
    status: report.domestic.status,
    reasons: report.domestic.reasons.map(String),
    validUntil: report.domestic.validUntil,
    policy: report.domestic.policy,
    checkedAt: at.toISOString(),
    signerCountry: report.signer?.country ?? null,
    snapshot,
    qrSha256: createHash('sha256').update(qr, 'utf8').digest('hex'),
  };
}

export type ReceiptSigner = (report: Report, qr: string, at: Date) => Promise<string>;

/** Signs receipts with `key`, naming the snapshot `snapshotId()` in force when signing. */
export function receiptSigner(key: PublishingKey, snapshotId: () => string): ReceiptSigner {
  return async (report, qr, at) => {
    const payload = receiptPayload(report, qr, at, snapshotId());
    return new CompactSign(Buffer.from(JSON.stringify(payload), 'utf8'))
      .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: RECEIPT_TYP })
      .sign(key.privateKey);
  };
}

/** GET /.well-known/jwks.json */
export function jwksOf(key: PublishingKey): { keys: Record<string, unknown>[] } {
  return { keys: [{ ...key.jwk }] };
}
