// Issuing side of a SMART Health Card, for tests and the demo: claims → minified JSON → raw
// DEFLATE → ES256 compact JWS (raw r‖s) → numeric QR text(s). Never used on the request path.
import { sign as cryptoSign, type KeyObject } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { jwsToQrTexts } from '../../src/formats/shc/numeric.js';

export interface ShcSignOptions {
  /** JWK kid (RFC 7638 thumbprint of the public key in a real card). */
  kid: string;
  /** Header members to add or override (tests build broken headers with it). */
  header?: Record<string, unknown>;
  /** Payload bytes as they are (tests); otherwise the minified JSON of `payload`. */
  rawPayload?: Uint8Array | string;
  /** Skip DEFLATE (tests of a missing `zip`). */
  noDeflate?: boolean;
}

/** Claims → compact JWS signed with an EC P-256 private key. */
export function signShcJws(payload: unknown, privateKey: KeyObject, opts: ShcSignOptions): string {
  const header = { zip: 'DEF', alg: 'ES256', kid: opts.kid, ...opts.header };
  const json = opts.rawPayload ?? JSON.stringify(payload);
  const bytes = typeof json === 'string' ? Buffer.from(json, 'utf8') : Buffer.from(json);
  const body = opts.noDeflate ? bytes : deflateRawSync(bytes);
  const signingInput = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${body.toString('base64url')}`;
  const signature = cryptoSign('sha256', Buffer.from(signingInput, 'ascii'), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${signingInput}.${signature.toString('base64url')}`;
}

/** Claims → the QR text(s) of the card (one, or balanced chunks when the JWS exceeds 1195 characters). */
export function signShcQr(payload: unknown, privateKey: KeyObject, opts: ShcSignOptions): string[] {
  return jwsToQrTexts(signShcJws(payload, privateKey, opts));
}
