// Verifiable Health Links in an HC1: hcert claim −260 sub-claim 5 (formats.md "The WHO network
// today"; contract "POST /v1/verify": `certificate.healthLinks`). The sub-claim has had four
// shapes — `[{ "u": "shlink:/…" }]` (2024), `["shlink:/…"]` (2025-02), `["vhlink:/…"]`
// (2025-08), `"vhlink:/…"` (2026-05) — and all four are read. A link is only listed: nothing is
// ever fetched at verification time (the link would tell its host who is being checked, when).
import { VerificationError } from '../../errors.js';
import { toJson } from '../cbor.js';

/** More links than a certificate has any use for is an attack on the report, not data. */
export const MAX_HEALTH_LINKS = 8;
/**
 * A SMART Health Link is `shlink:/` + base64url of a small JSON object (url, key, flags, label:
 * a few hundred characters); 4096 leaves room for a viewer prefix and long labels.
 */
export const MAX_HEALTH_LINK_CHARS = 4096;

/** `shlink:/…` or `vhlink:/…`, optionally behind a viewer URL (`https://viewer.example/#shlink:/…`). */
const LINK = /^(?:https:\/\/[^\s#]+#)?(?:shlink|vhlink):\/[A-Za-z0-9_-]+={0,2}$/;

function entries(raw: unknown): unknown[] {
  return Array.isArray(raw) ? raw : [raw];
}

/** An entry's link: hcert's entries arrive as JSON (cwt.ts HCERT_DOCUMENT_DEPTH); a tagged one is unwrapped by toJson. */
function urlOf(entry: unknown): unknown {
  if (typeof entry === 'object' && entry !== null && !Array.isArray(entry)) return (toJson(entry) as Record<string, unknown>)['u'];
  return entry;
}

/**
 * Decode-time bound (before the signature, so before any work on the links): too many links, or
 * one longer than any real link, is PAYLOAD_TOO_LARGE. Shapes are judged after the signature.
 */
export function boundHealthLinks(raw: unknown): void {
  const list = entries(raw);
  if (list.length > MAX_HEALTH_LINKS) throw new VerificationError('PAYLOAD_TOO_LARGE', `more than ${MAX_HEALTH_LINKS} health links`);
  for (const entry of list) {
    const url = urlOf(entry);
    if (typeof url === 'string' && url.length > MAX_HEALTH_LINK_CHARS) {
      throw new VerificationError('PAYLOAD_TOO_LARGE', `a health link is longer than ${MAX_HEALTH_LINK_CHARS} characters`);
    }
  }
}

export type HealthLinks = { ok: true; links: string[] } | { ok: false; problems: string[] };

/** The links as written, in order; a link of no known shape is a schema problem (SCHEMA_INVALID). */
export function readHealthLinks(raw: unknown): HealthLinks {
  const list = entries(raw);
  const problems: string[] = [];
  const links: string[] = [];
  if (list.length === 0) problems.push('hcert 5: an empty list of health links');
  list.forEach((entry, i) => {
    const url = urlOf(entry);
    if (typeof url !== 'string') problems.push(`hcert 5[${i}]: not a link string nor { u: link }`);
    else if (!LINK.test(url.trim())) problems.push(`hcert 5[${i}]: not a shlink:/ or vhlink:/ link`);
    else links.push(url.trim());
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, links };
}
